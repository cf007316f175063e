import { isRegionError, type RegionError, type RegionOutcome } from "../../ops/region-outcome";
import { resolveInRegions } from "../../ops/resolve-in-regions";
import { InvalidInputError } from "../../core/errors";
import { REGION_FALLBACKS } from "../../resolver/regions-fallback";
import { checkRegion, parseCommandArgs, parseRegionList, requireRegion, UsageError } from "../args";
import { EXIT, type CliCommand, type CliContext } from "../command";
import { formatTable, formatTestReport } from "../format";
import { progressFor, styleOf, writeJson } from "../output";
import { RESOLVE_FLAGS, RESOLVE_FLAGS_HELP, resolveOptionsFromFlags } from "../resolve-options";
import { loadTemplateForCli } from "../templates";

const OPTIONS = {
  ...RESOLVE_FLAGS,
  regions: { type: "string" },
  "all-regions": { type: "boolean" },
  region: { type: "string" },
} as const;

/** The regions of the regional fallback map (the 17 original regions and the newer ones), in map order. */
export function allFallbackRegions(): string[] {
  return Object.keys(REGION_FALLBACKS);
}

/**
 * Exit code for a multi-region run: 1 if any region hit an unexpected error, else 2 if any region's input was
 * invalid (e.g. the size has no instance type there), else 3 if any region is unresolvable, else 0.
 */
export function testExitCode(entries: readonly RegionOutcome[]): number {
  if (entries.some((e) => isRegionError(e) && e.error.name !== InvalidInputError.name)) return EXIT.failure;
  if (entries.some((e) => isRegionError(e))) return EXIT.invalidInput;
  if (entries.some((e) => !isRegionError(e) && e.method === "failed")) return EXIT.unresolvable;
  return EXIT.ok;
}

function describeRegionError(entry: RegionError): string {
  return entry.error.hint ? `${entry.error.message} (what to do: ${entry.error.hint})` : entry.error.message;
}

/** The regions of --regions, --all-regions or --region (one of them; default: the context's region). */
export function regionsFromFlags(
  values: { regions?: string; "all-regions"?: boolean; region?: string },
  context: CliContext,
): string[] {
  const chosen = [values.regions !== undefined, values["all-regions"] === true, values.region !== undefined].filter(
    Boolean,
  ).length;
  if (chosen > 1) throw new UsageError("give one of --regions, --all-regions or --region");
  if (values.regions !== undefined) return parseRegionList(values.regions, "--regions", context);
  if (values["all-regions"]) return allFallbackRegions().map((r) => checkRegion(r));
  return [requireRegion(values.region, context)];
}

export const amiTestCommand: CliCommand = {
  path: ["ami", "test"],
  summary: "Resolve a template in many regions at once: one row per region and a summary",
  usage:
    "cws ami test <template> [--regions a,b,… | --all-regions | --region R] [--arch A] [--instance-type T | --size S] [--strategy S] [--allow-copy] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        ["--regions a,b,…", "comma-separated regions to resolve in"],
        ["--all-regions", `every region of the regional fallback map (${allFallbackRegions().length} regions)`],
        ["--region R", "a single region (default when neither of the above: global --region / AWS_REGION)"],
        ...RESOLVE_FLAGS_HELP,
      ],
      "  ",
    ),
    "",
    "Regions are resolved concurrently; the engine batches lookups and limits calls in flight per region.",
    "--json prints a list: one ResolutionResult per region, or { template, region, error: { name, message, … } } for a",
    "region where resolution threw (an AWS failure adds kind, hint, service, operation, code).",
    "Exit codes: 0 all resolved, 3 some region unresolvable, 2 invalid input (in any region), 1 unexpected error.",
  ].join("\n"),
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, { min: 1, max: 1, names: "<template>" });
    const options = resolveOptionsFromFlags(values);
    const regions = regionsFromFlags(values, context);
    const { template } = loadTemplateForCli(positionals[0], context);
    const json = values.json === true;

    const progress = progressFor(context, json);
    let finished = 0;
    const tick = () =>
      progress.update(`resolving ${template.name} in ${regions.length} regions… ${finished}/${regions.length}`);
    tick();
    let entries: RegionOutcome[];
    try {
      entries = await resolveInRegions(template, regions, options, context.clients, () => {
        finished++;
        tick();
      });
    } finally {
      progress.done();
    }
    if (json) {
      writeJson(context, entries);
      for (const entry of entries) {
        if (isRegionError(entry)) context.stderr.write(`cws: ${entry.region}: ${describeRegionError(entry)}\n`);
      }
    } else {
      context.stdout.write(formatTestReport(template.name, entries, styleOf(context, json)));
      const hints = new Set(entries.filter(isRegionError).flatMap((e) => (e.error.hint ? [e.error.hint] : [])));
      for (const hint of hints) context.stderr.write(`cws: what to do: ${hint}\n`);
    }
    return testExitCode(entries);
  },
};
