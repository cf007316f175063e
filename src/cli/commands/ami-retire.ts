import * as fs from "node:fs";
import { applyRetirement, planRetirement, type RetirePlan, type RetireReport } from "../../imaging";
import { parseDuration } from "../../resolver/engine";
import { KNOWN_REGIONS } from "../../core/regions";
import { readStackExport, type StackResolution } from "../../resolver/stack-export";
import { checkRegion, parseCommandArgs, requireRegion, UsageError } from "../args";
import { EXIT, type CliCommand } from "../command";
import { formatTable, formatUsd } from "../format";
import { progressFor, writeJson } from "../output";
import { stableCatalogAmis } from "../../catalog/references";
import { openCatalogForCli } from "./catalog-common";
import { askToProceed } from "../imaging-flags";

const OPTIONS = {
  template: { type: "string" },
  region: { type: "string" },
  "all-regions": { type: "boolean" },
  keep: { type: "string" },
  "older-than": { type: "string" },
  "stack-export": { type: "string", multiple: true },
  catalog: { type: "string" },
  plan: { type: "boolean" },
  apply: { type: "boolean" },
  yes: { type: "boolean" },
  json: { type: "boolean" },
} as const;

export const amiRetireCommand: CliCommand = {
  path: ["ami", "retire"],
  summary: "Find (--plan) or remove (--apply) old CloudWorkstation images nothing uses any more",
  usage:
    "cws ami retire [--template T] [--region R | --all-regions] [--keep N] [--older-than D] [--stack-export FILE]… [--catalog SRC] (--plan | --apply [--yes]) [--json]",
  help: [
    "Options:",
    formatTable(
      [
        ["--template T", "only images of this template"],
        ["--region R | --all-regions", "where to look (default: the current region)"],
        ["--keep N", "newest images kept per template and region (default 2)"],
        [
          "--older-than D",
          "keep images created or launched within D, e.g. 30d, 12h; no default: without it, age protects no image",
        ],
        ["--stack-export FILE", "what `pulumi stack export` writes; its pinned AMIs are kept (repeatable)"],
        ["--catalog SRC", "a lab catalog: AMIs its stable, unrevoked entries list are kept"],
        ["--plan", "show what would be retired and why the rest is kept; changes nothing"],
        ["--apply", "deregister the retired images and delete their snapshots (asks first unless --yes)"],
      ],
      "  ",
    ),
    "",
    "Only images this account owns and CloudWorkstation made (tag cloudworkstation:managed) are considered. Never",
    "retired: one referenced by an instance (any state but terminated), a launch template version, an SSM parameter",
    "value, a stack export's AmiResolution, a stable catalog entry (--catalog), or with deregistration protection on.",
    "Exit codes: 0 done, 2 invalid input, 1 something could not be removed (the report lists it).",
  ].join("\n"),
  async run(argv, context) {
    const { values } = parseCommandArgs(argv, OPTIONS, { min: 0, max: 0, names: "" });
    if (values.plan === values.apply) throw new UsageError("give exactly one of --plan (look) or --apply (remove)");
    if (values["all-regions"] && values.region !== undefined) {
      throw new UsageError("give --region R or --all-regions, not both");
    }
    const regions = values["all-regions"] ? [...KNOWN_REGIONS] : [checkRegion(requireRegion(values.region, context))];
    const keep = values.keep === undefined ? undefined : parseKeep(values.keep);
    const olderThanMs = values["older-than"] === undefined ? undefined : parseAge(values["older-than"]);
    const stackResolutions: StackResolution[] = (values["stack-export"] ?? []).flatMap((file) =>
      readStackExport(readFile(file), file),
    );
    const catalog = values.catalog === undefined ? undefined : await openCatalogForCli(values.catalog);
    const json = values.json === true;

    const progress = progressFor(context, json);
    progress.update(`reading images and their references in ${regions.length} region${regions.length > 1 ? "s" : ""}…`);
    let plan: RetirePlan;
    try {
      plan = await planRetirement(
        {
          regions,
          template: values.template,
          keep,
          olderThanMs,
          stackResolutions,
          ...(catalog ? { catalogReferences: async (region: string) => stableCatalogAmis(catalog, region) } : {}),
        },
        context.clients,
      );
    } finally {
      progress.done();
    }
    if (values.plan) {
      if (json) writeJson(context, { plan });
      else context.stdout.write(formatPlan(plan));
      return EXIT.ok;
    }
    if (plan.retireCount > 0) {
      const refused = await askToProceed(
        context,
        "ami retire",
        `Deregister ${plan.retireCount} image(s) and delete their snapshots (${plan.snapshotGb} GB)? This cannot be undone. Continue?`,
        values.yes === true,
      );
      if (refused !== undefined) return refused;
    }
    const report = await applyRetirement(plan, context.clients);
    if (json) writeJson(context, { plan, report });
    else context.stdout.write(formatPlan(plan) + formatReport(report));
    return report.failed.length || report.partial.length ? EXIT.failure : EXIT.ok;
  },
};

function readFile(file: string): string {
  try {
    if (!fs.statSync(file).isFile()) throw new Error("not a regular file");
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`--stack-export ${file}: cannot read it (${(error as Error).message})`);
  }
}

function parseKeep(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 1000) throw new UsageError(`--keep ${text} is not a whole number (0–1000)`);
  return Number(text);
}

function parseAge(text: string): number {
  const days = /^(\d+)d$/.exec(text);
  if (days) return Number(days[1]) * 86_400_000;
  try {
    return parseDuration(text);
  } catch {
    throw new UsageError(`--older-than ${text} is not a duration: write e.g. 30d, 12h, 90m`);
  }
}

/** Internal. Exported for testing. */
export function formatPlan(plan: RetirePlan): string {
  if (plan.images.length === 0) return `No CloudWorkstation images in ${plan.regions.join(", ")}.\n`;
  const rows = plan.images.map((image) => [
    image.action === "retire" ? "RETIRE" : "keep",
    image.region,
    image.amiId,
    image.template,
    (image.created ?? "").slice(0, 10),
    `${image.snapshotGb} GB`,
    image.reasons.join("; "),
  ]);
  return (
    formatTable([["ACTION", "REGION", "AMI", "TEMPLATE", "CREATED", "SNAPSHOTS", "WHY"], ...rows]) +
    `\n${plan.retireCount} to retire, ${plan.images.length - plan.retireCount} kept; ` +
    `${plan.snapshotGb} GB of snapshots, ~${formatUsd(plan.monthlySavingsUsd)}/month saved (${plan.costLabel})\n`
  );
}

function formatReport(report: RetireReport): string {
  const lines = [
    ...report.removed.map(
      (r) => `removed ${r.amiId} in ${r.region} with ${r.snapshotIds.join(", ") || "no snapshots"}`,
    ),
    ...report.partial.map(
      (p) =>
        `deregistered ${p.amiId} in ${p.region} but could NOT delete ${p.failedSnapshots
          .map((f) => `${f.snapshotId} (${f.reason})`)
          .join(", ")}: delete with aws ec2 delete-snapshot --region ${p.region} --snapshot-id <id>`,
    ),
    ...report.failed.map((f) => `could NOT remove ${f.amiId} in ${f.region} (${f.reason}); it is unchanged`),
  ];
  return `\n${lines.join("\n")}\n`;
}
