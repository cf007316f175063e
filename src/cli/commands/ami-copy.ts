import { copyImage, type CopyResult } from "../../imaging";
import { EXIT, type CliCommand } from "../command";
import { CommandLineError, listFlag, parseCommandLine, progressPrinter, runWithErrors } from "./save";

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
  summary: "Copy an AMI to other regions, wait until each copy is available, and copy its tags",
  usage:
    "cws ami copy <ami-id> --source-region R --to-regions a,b [--name N] [--encrypted] [--timeout-minutes M] [--json]",
  help: [
    "Options:",
    "  --source-region R     where the AMI is now (default: global --region, AWS_REGION)",
    "  --to-regions a,b      regions to copy it to",
    "  --name N              name of the copies (default: the source's name)",
    "  --encrypted           encrypt the copies' snapshots with each region's default EBS key",
    "  --timeout-minutes M   give up on a copy still pending after M minutes (default 45); it is then deregistered",
    "  --json                print { region: amiId } and failures as JSON",
    "A copy that fails is cleaned up; copies that succeeded in other regions are kept. Exit 1 if any copy failed.",
  ].join("\n"),
  run(argv, context) {
    return runWithErrors(amiCopyCommand, context, async () => {
      const { values, positionals } = parseCommandLine(argv, OPTIONS, { min: 1, max: 1, names: "<ami-id>" });
      const sourceRegion = values["source-region"] ?? values.region ?? context.defaultRegion;
      if (!sourceRegion) throw new CommandLineError("no source region: pass --source-region R");
      const targets = listFlag(values["to-regions"]);
      if (targets.length === 0) throw new CommandLineError("pass --to-regions a,b (at least one region)");
      const timeoutMinutes = values["timeout-minutes"] === undefined ? undefined : Number(values["timeout-minutes"]);
      if (timeoutMinutes !== undefined && !(timeoutMinutes > 0))
        throw new CommandLineError("--timeout-minutes must be a positive number");
      const json = values.json === true;
      const progress = progressPrinter(context, !json);
      const outcomes = await Promise.allSettled(
        targets.map((targetRegion) =>
          copyImage(context.clients, {
            sourceAmiId: positionals[0],
            sourceRegion,
            targetRegion,
            name: values.name,
            encrypted: values.encrypted === true,
            timeoutMs: timeoutMinutes === undefined ? undefined : timeoutMinutes * 60_000,
            onProgress: (step) => progress(step),
          }),
        ),
      );
      const copies: Record<string, string> = {};
      const failures: Record<string, string> = {};
      outcomes.forEach((outcome, index) => {
        if (outcome.status === "fulfilled") copies[targets[index]] = (outcome.value as CopyResult).amiId;
        else failures[targets[index]] = (outcome.reason as Error).message;
      });
      // An input mistake (unknown source image) is the same for every region: report it once, as such.
      const firstError = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
      if (firstError && Object.keys(copies).length === 0 && (firstError.reason as Error).name === "InvalidInputError")
        throw firstError.reason;
      if (json)
        context.stdout.write(
          `${JSON.stringify({ sourceAmiId: positionals[0], sourceRegion, copies, failures }, null, 2)}\n`,
        );
      else {
        for (const [region, amiId] of Object.entries(copies)) context.stdout.write(`${region}\t${amiId}\n`);
        for (const [region, message] of Object.entries(failures))
          context.stderr.write(`cws ami copy: ${region}: ${message}\n`);
      }
      return Object.keys(failures).length ? EXIT.failure : EXIT.ok;
    });
  },
};
