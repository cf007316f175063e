import { DEFAULT_COPY_TIMEOUT_MS } from "../../imaging";
import { copyToRegions } from "../../ops/copy-to-regions";
import {
  checkAmiName,
  checkRegion,
  parseAmiId,
  parseCommandArgs,
  parseListFlag,
  requireRegion,
  UsageError,
} from "../args";
import { EXIT, type CliCommand } from "../command";
import { formatTable } from "../format";
import { progressFor, writeJson } from "../output";

const OPTIONS = {
  "source-region": { type: "string" },
  region: { type: "string" },
  "to-regions": { type: "string", multiple: true },
  name: { type: "string" },
  encrypted: { type: "boolean" },
  "timeout-minutes": { type: "string" },
  json: { type: "boolean" },
} as const;

export const amiCopyCommand: CliCommand = {
  path: ["ami", "copy"],
  summary: "Copy an AMI to other regions, wait until each copy is available, and copy its tags (creates AWS resources)",
  usage:
    "cws ami copy <ami-id> [--source-region R] --to-regions a,b [--name N] [--encrypted] [--timeout-minutes M] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        ["--source-region R", "where the AMI is now (also --region; default: global --region, AWS_REGION, profile)"],
        ["--to-regions a,b", "regions to copy it to (repeatable)"],
        ["--name N", "name of the copies (default: the source's name; 3–128 characters EC2 allows in AMI names)"],
        ["--encrypted", "encrypt the copies' snapshots with each region's default EBS key"],
        [
          "--timeout-minutes M",
          `give up on a copy still pending after M minutes (default ${DEFAULT_COPY_TIMEOUT_MS / 60_000}); it is then deregistered`,
        ],
        ["--json", "print { sourceAmiId, sourceRegion, copies: { region: amiId }, failures: { region: message } }"],
      ],
      "  ",
    ),
    "",
    "Every input is checked before the first AWS call (exit 2). A copy that fails is cleaned up; copies that",
    "succeeded in other regions are kept. Exit 1 if any copy failed.",
  ].join("\n"),
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, { min: 1, max: 1, names: "<ami-id>" });
    const sourceAmiId = parseAmiId(positionals[0]);
    if (values["source-region"] !== undefined && values.region !== undefined)
      throw new UsageError("give --source-region or --region, not both");
    const sourceRegion = requireRegion(
      values["source-region"] ?? values.region,
      context,
      values["source-region"] !== undefined ? "--source-region" : "--region",
    );
    const targets = parseListFlag("--to-regions", values["to-regions"]).map((r) =>
      checkRegion(r, "--to-regions:", context),
    );
    if (targets.length === 0) throw new UsageError("pass --to-regions a,b (at least one region)");
    if (targets.includes(sourceRegion))
      throw new UsageError(`--to-regions includes the source region ${sourceRegion}; a copy needs another region`);
    if (values.name !== undefined) checkAmiName(values.name, "--name");
    const timeoutMinutes = values["timeout-minutes"] === undefined ? undefined : Number(values["timeout-minutes"]);
    if (timeoutMinutes !== undefined && !(timeoutMinutes > 0))
      throw new UsageError(`--timeout-minutes must be a positive number, not "${values["timeout-minutes"]}"`);
    const json = values.json === true;
    const progress = progressFor(context, json, "steps");
    const report = await copyToRegions(context.clients, {
      sourceAmiId,
      sourceRegion,
      targetRegions: targets,
      name: values.name,
      encrypted: values.encrypted === true,
      timeoutMs: timeoutMinutes === undefined ? undefined : timeoutMinutes * 60_000,
      onProgress: (step) => progress.update(step),
      targetRegionsField: "--to-regions",
    });
    if (json) writeJson(context, report);
    else {
      for (const [region, amiId] of Object.entries(report.copies)) context.stdout.write(`${region}\t${amiId}\n`);
      for (const [region, message] of Object.entries(report.failures))
        context.stderr.write(`cws ami copy: ${region}: ${message}\n`);
    }
    return Object.keys(report.failures).length ? EXIT.failure : EXIT.ok;
  },
};
