import { resolveAmi } from "../../resolver";
import { parseCommandArgs, requireRegion } from "../args";
import { EXIT, type CliCommand } from "../command";
import { formatResolution, formatTable } from "../format";
import { progressFor, styleOf, writeJson } from "../output";
import { RESOLVE_FLAGS, RESOLVE_FLAGS_HELP, resolveOptionsFromFlags } from "../resolve-options";
import { loadTemplateForCli } from "../templates";

const OPTIONS = { ...RESOLVE_FLAGS, region: { type: "string" } } as const;

export const amiResolveCommand: CliCommand = {
  path: ["ami", "resolve"],
  summary: "Resolve which AMI a template would launch in a region, and show the fallback chain",
  usage:
    "cws ami resolve <template> [--region R] [--arch A] [--instance-type T | --size S] [--strategy S] [--allow-copy] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        ["--region R", "target region (default: global --region, AWS_REGION, AWS_DEFAULT_REGION, profile)"],
        ...RESOLVE_FLAGS_HELP,
      ],
      "  ",
    ),
    "",
    "<template> is a template name (searched in --templates-dir, then the bundled templates) or a path to a YAML file.",
    "Exit codes: 0 resolved (script fallback included), 2 invalid input, 3 unresolvable, 1 unexpected error.",
  ].join("\n"),
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, { min: 1, max: 1, names: "<template>" });
    const options = resolveOptionsFromFlags(values);
    const region = requireRegion(values.region, context);
    const { template } = loadTemplateForCli(positionals[0], context);
    const json = values.json === true;
    const progress = progressFor(context, json);
    progress.update(`resolving ${template.name} in ${region}…`);
    let result;
    try {
      result = await resolveAmi(template, { ...options, region }, context.clients);
    } finally {
      progress.done();
    }
    if (json) writeJson(context, result);
    else context.stdout.write(formatResolution(result, styleOf(context, json)));
    if (json) for (const warning of result.warnings) context.stderr.write(`cws: warning: ${warning}\n`);
    return result.method === "failed" ? EXIT.unresolvable : EXIT.ok;
  },
};
