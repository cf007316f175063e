import fs from "node:fs";
import path from "node:path";
import { resolveAmi } from "../../resolver";
import type { RegionOutcome } from "../../ops/region-outcome";
import { resolveInRegions } from "../../ops/resolve-in-regions";
import { AwsCallError } from "../../core/errors";
import type { ResolutionResult } from "../../resolver/types";
import { listTemplates, loadTemplate, TemplateError, type Template } from "../../templates";
import { formatDesignChanges, migrateDesignTemplate } from "../../templates/design-migration";
import {
  DEFAULT_TEMPLATES_DIR,
  findTemplateFile,
  looksLikePath,
  readTemplateFile,
} from "../../templates/template-files";
import { parseCommandArgs, parseListFlag, requireRegion, UsageError } from "../args";
import { EXIT, type CliCommand } from "../command";
import { formatTable, formatTestReport } from "../format";
import { progressFor, styleOf, writeJson } from "../output";
import { RESOLVE_FLAGS, RESOLVE_FLAGS_HELP, resolveOptionsFromFlags } from "../resolve-options";
import { regionsFromFlags, testExitCode } from "./ami-test";
import { saveCommand } from "./save";

/**
 * `cws migrate analyze|template|instance|test-all`: the original design's migration tools (seed 002, "Migration
 * Tools"). `template` converts the design's template shapes (src/templates/design-migration.ts); `instance` is
 * `cws save` and `test-all` is `cws ami test` over every template: one way to do each thing.
 */

/** What one template could gain from a pre-built image in a region: the `cws migrate analyze` row. */
export interface TemplateOpportunity {
  template: string;
  file: string;
  /** Whether the template loads (validates); when not, `opportunity` says how to see its errors. */
  loads: boolean;
  /** The AMI sources its ami_config names (ami_mappings, catalog, ssm_parameter, ami_search, marketplace_search). */
  sources: string[];
  /** How it resolves in the region; absent when it does not load or resolution threw. */
  method?: ResolutionResult["method"];
  amiId?: string;
  estimatedLaunchSeconds?: number;
  /** What to do, as a command to run (or "none: …"). */
  opportunity: string;
  error?: string;
}

const AMI_SOURCE_KEYS = ["ami_mappings", "catalog", "ssm_parameter", "ami_search", "marketplace_search"] as const;

function sourcesOf(template: Template): string[] {
  const config = template.ami_config;
  if (!config) return [];
  return AMI_SOURCE_KEYS.filter((key) =>
    key === "ami_mappings" ? Object.keys(config.ami_mappings ?? {}).length > 0 : config[key] !== undefined,
  );
}

/** The opportunity of one resolved template: a pure decision on the resolution, so it is tested without AWS. */
export function opportunityOf(template: Template, sources: string[], result: ResolutionResult): string {
  const build = `cws ami build ${template.name} --region ${result.region}`;
  switch (result.method) {
    case "fallback_script":
      return sources.length === 0
        ? `script only: bake it (${build}), then name the image in ami_config (ami_mappings or ssm_parameter)`
        : `its sources (${sources.join(", ")}) found no image here: bake one (${build})`;
    case "cross_region":
      return `an image in ${result.sourceRegion} would be copied at launch: copy it once (cws ami copy ${result.amiId} --source-region ${result.sourceRegion} --to-regions ${result.region})`;
    case "failed":
      return `unresolvable here: see why with cws ami resolve ${template.name} --region ${result.region}, or bake one (${build})`;
    default:
      return `none: pre-built image ${result.amiId} (${result.method})`;
  }
}

const ANALYZE_OPTIONS = { region: { type: "string" }, json: { type: "boolean" } } as const;

export const migrateAnalyzeCommand: CliCommand = {
  path: ["migrate", "analyze"],
  summary: "For every template found, how it resolves in a region and what a pre-built AMI would change (read-only)",
  usage: "cws migrate analyze [--region R] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        ["--region R", "region to resolve in (default: global --region, AWS_REGION, AWS_DEFAULT_REGION, profile)"],
        ["--json", "print the list of TemplateOpportunity objects (see docs/cli.md)"],
      ],
      "  ",
    ),
    "",
    "Templates are those of --templates-dir and the bundled ones (as cws template list shows). Only reads AWS.",
    "Exit codes: 0 analysed (templates that do not load are rows saying so), 1 an AWS failure for some template.",
  ].join("\n"),
  async run(argv, context) {
    const { values } = parseCommandArgs(argv, ANALYZE_OPTIONS, { min: 0, max: 0, names: "" });
    const region = requireRegion(values.region, context);
    const json = values.json === true;
    const summaries = listTemplates({ templatesDirs: context.templatesDirs });
    const progress = progressFor(context, json);
    progress.update(`analysing ${summaries.length} templates in ${region}…`);
    let rows: TemplateOpportunity[];
    try {
      rows = await Promise.all(
        summaries.map(async (summary): Promise<TemplateOpportunity> => {
          const base = { template: summary.name, file: summary.file, loads: true };
          let template: Template;
          try {
            template = loadTemplate(summary.file, { templatesDirs: context.templatesDirs }).template;
          } catch (error) {
            if (!(error instanceof TemplateError)) throw error;
            const count = error.issues.length;
            return {
              ...base,
              loads: false,
              sources: [],
              opportunity: `fix it first: cws template validate ${summary.file}`,
              error: `${count} template error${count === 1 ? "" : "s"}`,
            };
          }
          const sources = sourcesOf(template);
          try {
            const result = await resolveAmi(template, { region }, context.clients);
            return {
              ...base,
              sources,
              method: result.method,
              ...(result.amiId ? { amiId: result.amiId } : {}),
              estimatedLaunchSeconds: result.estimatedLaunchSeconds,
              opportunity: opportunityOf(template, sources, result),
            };
          } catch (error) {
            const e = error instanceof Error ? error : new Error(String(error));
            const hint = e instanceof AwsCallError ? ` (what to do: ${e.details.hint})` : "";
            return { ...base, sources, opportunity: "unknown: resolution failed", error: `${e.message}${hint}` };
          }
        }),
      );
    } finally {
      progress.done();
    }
    if (json) writeJson(context, rows);
    else {
      context.stdout.write(
        `Templates in ${region}: what a pre-built AMI would change\n` +
          formatTable(
            [
              ["template", "sources", "resolves by", "opportunity"],
              ...rows.map((r) => [
                r.template,
                !r.loads ? "–" : r.sources.length > 0 ? r.sources.join(",") : "script only",
                r.method ?? `error: ${r.error}`,
                r.opportunity,
              ]),
            ],
            "  ",
          ) +
          "\n",
      );
    }
    return rows.some((r) => r.loads && r.error !== undefined) ? EXIT.failure : EXIT.ok;
  },
};

const TEMPLATE_OPTIONS = {
  write: { type: "boolean" },
  output: { type: "string", short: "o" },
  "owner-account": { type: "string", multiple: true },
  force: { type: "boolean" },
  json: { type: "boolean" },
} as const;

export const migrateTemplateCommand: CliCommand = {
  path: ["migrate", "template"],
  summary: "Convert a template written in the original design's shapes into a valid template, saying what changed",
  usage:
    "cws migrate template <file | template-name> [--write | -o FILE [--force]] [--owner-account NAME=ACCOUNT]… [--json]",
  help: [
    "Options:",
    formatTable(
      [
        ["(none)", "print the converted template on stdout; each change on stderr as file:line: what changed"],
        ["--write", "rewrite the file in place with the converted template"],
        ["-o, --output FILE", "write the converted template to FILE (an existing FILE only with --force)"],
        [
          "--owner-account NAME=ACCOUNT",
          "the AWS account of an ami_search.owner that is a name, e.g. prism-community=123456789012 (repeatable)",
        ],
        ["--json", "print { name, file, changes: [{line, message}], warnings, yaml, written? }"],
      ],
      "  ",
    ),
    "",
    "A template name is looked up like cws template show's (--templates-dir, then the bundled templates).",
    "Converted: a display name (→ the file name, the display name kept as description), ami_search.owner (→ owners",
    "and trusted_owners), base: saved-instance (→ ami_required), amis: (top-level or under ami_config → ami_mappings),",
    "ports (→ instance_defaults.ports), saved_from/original_instance/saved_date (→ tags), estimated_cost_per_hour",
    "(removed: cws costs computes it). The result must pass cws template validate; anything that does not is exit 2",
    "with the source line and what to do. The converted file starts with a comment listing every change.",
  ].join("\n"),
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs(argv, TEMPLATE_OPTIONS, {
      min: 1,
      max: 1,
      names: "<file | template-name>",
    });
    if (values.write && values.output !== undefined) throw new UsageError("give --write or -o FILE, not both");
    if (values.force && values.output === undefined)
      throw new UsageError("--force only goes with -o FILE (--write always rewrites the file)");
    const ownerAccounts = Object.fromEntries(
      parseListFlag("--owner-account", values["owner-account"]).map((pair) => {
        const [name, account, extra] = pair.split("=");
        if (!name || !account || extra !== undefined)
          throw new UsageError(`--owner-account "${pair}" is not NAME=ACCOUNT, e.g. prism-community=123456789012`);
        return [name, account];
      }),
    );
    // The design names the template (`cws migrate template python-research`); a path works too.
    const given = positionals[0];
    const file =
      fs.existsSync(given) || looksLikePath(given)
        ? given
        : findTemplateFile(given, [...context.templatesDirs, DEFAULT_TEMPLATES_DIR]);
    if (file === undefined || !fs.existsSync(file))
      throw new UsageError(
        `${given} is neither a file nor a template in --templates-dir or the bundled templates (cws template list)`,
      );
    const read = readTemplateFile(file);
    if ("problem" in read) throw new UsageError(`<file> ${file} ${read.problem}`);
    const result = migrateDesignTemplate(read.text, file, { ownerAccounts, templatesDirs: context.templatesDirs });
    const target = values.write ? file : values.output;
    if (values.output !== undefined && fs.existsSync(values.output) && !values.force)
      throw new UsageError(`-o ${values.output} exists; pass --force to overwrite it`);
    if (target !== undefined) fs.writeFileSync(target, result.yaml);

    for (const line of formatDesignChanges(file, result.changes)) context.stderr.write(`cws: ${line}\n`);
    for (const warning of result.warnings) context.stderr.write(`cws: warning: ${warning}\n`);
    if (values.json) {
      writeJson(context, { ...result, file, ...(target !== undefined ? { written: path.resolve(target) } : {}) });
    } else if (target === undefined) {
      context.stdout.write(result.yaml);
    } else {
      context.stderr.write(
        `cws: wrote ${target} (${result.changes.length} change${result.changes.length === 1 ? "" : "s"}); check it with cws template validate ${target}\n`,
      );
    }
    return EXIT.ok;
  },
};

export const migrateInstanceCommand: CliCommand = {
  path: ["migrate", "instance"],
  summary: "Make an AMI and a template from an existing instance: cws save, with the same flags and questions",
  usage: saveCommand.usage.replace(/^cws save/, "cws migrate instance"),
  help: `The design's "cws migrate instance" is cws save here; every flag, question and exit code is save's.\n\n${saveCommand.help ?? ""}`,
  run: (argv, context) => saveCommand.run(argv, context),
};

const TEST_ALL_OPTIONS = {
  ...RESOLVE_FLAGS,
  regions: { type: "string" },
  "all-regions": { type: "boolean" },
  region: { type: "string" },
} as const;

export const migrateTestAllCommand: CliCommand = {
  path: ["migrate", "test-all"],
  summary: "cws ami test for every template found: each resolved in the given regions",
  usage:
    "cws migrate test-all [--regions a,b,… | --all-regions | --region R] [--arch A] [--instance-type T | --size S] [--strategy S] [--allow-copy] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        ["--regions a,b,…", "comma-separated regions to resolve in"],
        ["--all-regions", "every region of the regional fallback map"],
        ["--region R", "a single region (default when neither of the above: global --region / AWS_REGION)"],
        ...RESOLVE_FLAGS_HELP,
      ],
      "  ",
    ),
    "",
    "Templates are those of --templates-dir and the bundled ones. Output: cws ami test's report per template;",
    '--json prints { "<template>": [ResolutionResult or { template, region, error }, …], … }; a template that does',
    "not load is { error: { name: TemplateError, message } }.",
    "Exit codes: those of cws ami test, over all templates (a template that does not load counts as invalid input).",
  ].join("\n"),
  async run(argv, context) {
    const { values } = parseCommandArgs(argv, TEST_ALL_OPTIONS, { min: 0, max: 0, names: "" });
    const options = resolveOptionsFromFlags(values);
    const regions = regionsFromFlags(values, context);
    const json = values.json === true;
    const summaries = listTemplates({ templatesDirs: context.templatesDirs });
    const progress = progressFor(context, json);
    const total = summaries.length * regions.length;
    let finished = 0;
    const tick = () =>
      progress.update(`resolving ${summaries.length} templates in ${regions.length} regions… ${finished}/${total}`);
    tick();
    const reports: { template: string; entries?: RegionOutcome[]; error?: TemplateError }[] = [];
    try {
      for (const summary of summaries) {
        let template: Template;
        try {
          template = loadTemplate(summary.file, { templatesDirs: context.templatesDirs }).template;
        } catch (error) {
          if (!(error instanceof TemplateError)) throw error;
          reports.push({ template: summary.name, error });
          finished += regions.length;
          tick();
          continue;
        }
        const entries = await resolveInRegions(template, regions, options, context.clients, () => {
          finished++;
          tick();
        });
        reports.push({ template: summary.name, entries });
      }
    } finally {
      progress.done();
    }
    if (json) {
      writeJson(
        context,
        Object.fromEntries(
          reports.map((r) => [r.template, r.entries ?? { error: { name: r.error!.name, message: r.error!.message } }]),
        ),
      );
    } else {
      for (const report of reports) {
        if (report.entries)
          context.stdout.write(formatTestReport(report.template, report.entries, styleOf(context, json)));
        else
          context.stdout.write(
            `${report.template}: does not load (${report.error!.issues.length} template errors); see cws template validate ${report.error!.issues[0]?.file ?? report.template}\n`,
          );
        context.stdout.write("\n");
      }
    }
    const codes = reports.map((r) => (r.entries ? testExitCode(r.entries) : EXIT.invalidInput));
    for (const code of [EXIT.failure, EXIT.invalidInput, EXIT.unresolvable]) if (codes.includes(code)) return code;
    return EXIT.ok;
  },
};
