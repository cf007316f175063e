import { costsReport, type CostsReport } from "../../ops/costs";
import { formatRateUsd } from "../../resolver/cost";
import { validateInstanceType } from "../../resolver/instance-families";
import type { CostEstimate } from "../../resolver/types";
import { parseArchitecture, parseCommandArgs, parseSize, requireRegion, UsageError } from "../args";
import { EXIT, type CliCommand } from "../command";
import { formatApproxSeconds, formatFields, formatTable, formatUsd, paint, PLAIN, type Style } from "../format";
import { styleOf, writeJson } from "../output";
import { loadTemplateForCli } from "../templates";

const OPTIONS = {
  region: { type: "string" },
  size: { type: "string" },
  "instance-type": { type: "string" },
  arch: { type: "string" },
  json: { type: "boolean" },
} as const;

export function formatCostsReport(report: CostsReport, style: Style = PLAIN): string {
  const hourly = report.script.cost.hourlyUsd;
  const rate = hourly === undefined ? "no price in the snapshot" : `${formatRateUsd(hourly)}/h`;
  return [
    paint(style, "bold", `Cost estimate for ${report.template} in ${report.region} (estimate, not a measurement)`),
    formatFields([
      ["Instance", `${report.instanceType} (${report.architecture}): ${report.instanceTypeReason}`],
      ["Hourly", `${rate} on-demand (estimate)`],
    ]),
    "",
    formatTable(
      [
        ["", "usable after (estimate)", "setup cost (estimate)"],
        ["AMI", formatApproxSeconds(report.ami.estimatedLaunchSeconds), setupCost(report.ami.cost)],
        [
          "script",
          `${formatApproxSeconds(report.script.estimatedLaunchSeconds)} (${report.setupMinutes} min setup)`,
          setupCost(report.script.cost),
        ],
      ],
      "  ",
    ),
    "",
    `Compare: ${report.script.cost.comparison}`,
    paint(style, "dim", `${report.label} [price snapshot ${report.source.date}]`),
    "",
  ].join("\n");
}

/** Without a price in the snapshot, a setup cost is unknown, not $0.00. */
function setupCost(cost: CostEstimate): string {
  return cost.hourlyUsd === undefined ? "unknown (no price)" : formatUsd(cost.setupCostUsd);
}

export const costsCommand: CliCommand = {
  path: ["costs"],
  summary: "Estimate hourly and setup costs of a template: pre-built AMI vs script provisioning",
  usage: "cws costs <template> [--region R] [--size S | --instance-type T] [--arch A] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        [
          "--region R",
          "region whose prices to use (default: global --region, AWS_REGION, AWS_DEFAULT_REGION, profile)",
        ],
        ["--size S", "XS, S, M, L, XL, GPU-S, GPU-M or GPU-L (default: the template's instance_defaults, else M)"],
        ["--instance-type T", "price this instance type (not with --size)"],
        ["--arch A", "x86_64 or arm64"],
        ["--json", "print the CostsReport object (see docs/cli.md)"],
      ],
      "  ",
    ),
    "",
    "Offline: no AWS call. Figures are estimates from the bundled on-demand price snapshot, never measurements.",
  ].join("\n"),
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, { min: 1, max: 1, names: "<template>" });
    if (values.size !== undefined && values["instance-type"] !== undefined)
      throw new UsageError("give --size or --instance-type, not both");
    const size = parseSize(values.size);
    const instanceType = values["instance-type"];
    if (instanceType !== undefined) validateInstanceType(instanceType, "--instance-type");
    const architecture = parseArchitecture(values.arch);
    const region = requireRegion(values.region, context);
    const { template } = loadTemplateForCli(positionals[0], context);
    const report = costsReport(template, { region, size, instanceType, architecture });
    if (values.json) writeJson(context, report);
    else context.stdout.write(formatCostsReport(report, styleOf(context, false)));
    return EXIT.ok;
  },
};
