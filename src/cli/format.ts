import { CHAIN_SYMBOLS, type ChainSymbol } from "../resolver/chain-symbols";
import { formatAmountUsd, formatRateUsd } from "../resolver/cost";
import type { CostEstimate, FallbackStep, ResolutionResult, StepOutcome } from "../resolver/types";
import type { ImageRow } from "../ops/image-sources";
import { isRegionError, type RegionOutcome } from "../ops/region-outcome";

/**
 * Pure formatting for human output. Every function takes data and a Style and returns text, so tests call them
 * directly. Internal. Exported for testing.
 */

export interface Style {
  /** ANSI colours: only on a TTY and only when NO_COLOR is unset (decided by the dispatcher). */
  color: boolean;
}
export const PLAIN: Style = { color: false };

const ANSI = {
  reset: "\x1b[0m",
  bold: "\x1b[1m",
  dim: "\x1b[2m",
  red: "\x1b[31m",
  green: "\x1b[32m",
  yellow: "\x1b[33m",
};
type Paint = keyof typeof ANSI;
export function paint(style: Style, colour: Exclude<Paint, "reset">, text: string): string {
  return style.color ? `${ANSI[colour]}${text}${ANSI.reset}` : text;
}

// eslint-disable-next-line no-control-regex
const ANSI_PATTERN = /\x1b\[[0-9;]*m/g;
export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, "");
}
/** Display width: ANSI codes count for nothing; the symbols we print (✓ ✗ – …) are one column each. */
export function displayWidth(text: string): number {
  return [...stripAnsi(text)].length;
}

/** Left-aligned columns separated by two spaces; the last column is not padded (no trailing blanks). */
export function formatTable(rows: string[][], indent = ""): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell))));
  return rows
    .map((row) => {
      const cells = row.map((cell, i) =>
        i === row.length - 1 ? cell : cell + " ".repeat(widths[i] - displayWidth(cell)),
      );
      return (indent + cells.join("  ")).trimEnd();
    })
    .join("\n");
}

/** Label/value pairs, labels aligned. */
export function formatFields(fields: Array<[string, string | undefined]>, indent = ""): string {
  return formatTable(
    fields.filter((f): f is [string, string] => f[1] !== undefined).map(([label, value]) => [label, value]),
    indent,
  );
}

/** The resolver's one table: ✓ selected · ✗ rejected, not found · ⚠ error · – not configured, skipped. */
export function outcomeSymbol(outcome: StepOutcome): ChainSymbol {
  return CHAIN_SYMBOLS[outcome];
}

function paintSymbol(style: Style, outcome: StepOutcome): string {
  const symbol = outcomeSymbol(outcome);
  if (symbol === "✓") return paint(style, "green", symbol);
  if (symbol === "⚠") return paint(style, "red", symbol);
  if (symbol === "✗") return paint(style, "yellow", symbol);
  return paint(style, "dim", symbol);
}

/** One line per step: symbol, tier, outcome, detail (with the region when the step looked elsewhere). */
export function formatFallbackChain(steps: readonly FallbackStep[], style: Style = PLAIN, indent = "  "): string {
  return formatTable(
    steps.map((step) => [
      paintSymbol(style, step.outcome),
      step.tier,
      step.outcome.replace(/_/g, " "),
      (step.region ? `[${step.region}] ` : "") + step.detail,
    ]),
    indent,
  );
}

/**
 * A number of SECONDS for people, approximately: "~40 s", "~6 min", "~1 h 5 min"; the caller always says
 * "estimate". (The engine's formatApproxSeconds(ms) writes exact duration literals such as "10m" instead.)
 */
export function formatApproxSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "unknown";
  if (seconds < 90) return `~${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `~${minutes} min`;
  return `~${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** One-off amounts as the cost module writes them ("$0.021", "$2.10", "<$0.001"); "unknown" without a price. */
export function formatUsd(amount: number | undefined): string {
  if (amount === undefined || !Number.isFinite(amount)) return "unknown";
  return formatAmountUsd(amount);
}

/** What will be launched, in words: the AMI, the copy to make, the script, or why nothing can be. */
export function describeOutcome(result: ResolutionResult): string {
  switch (result.method) {
    case "failed":
      return `unresolvable: no tier produced a usable image under strategy ${result.strategy} (see the fallback chain)`;
    case "fallback_script":
      return (
        "script provisioning (user data from the template; no AMI of ours)" +
        (result.amiId ? ` on base image ${result.amiId}` : "")
      );
    case "cross_region": {
      const plan = result.copyPlan;
      const from = plan
        ? `${plan.sourceAmiId} in ${plan.sourceRegion}`
        : `${result.amiId ?? "?"} in ${result.sourceRegion ?? "?"}`;
      return (
        `copy needed: ${from} → ${result.region}` +
        (plan && !plan.consented ? " (not consented: pass --allow-copy)" : "")
      );
    }
    default:
      return `AMI ${result.amiId ?? "?"} (via ${result.method})`;
  }
}

export function formatCopyPlan(result: ResolutionResult): string | undefined {
  const plan = result.copyPlan;
  if (!plan) return undefined;
  return (
    `${plan.sourceAmiId} (${plan.sourceRegion}) → ${plan.targetRegion}, ` +
    `${formatApproxSeconds(plan.estimatedMinutes * 60)} and ${formatUsd(plan.estimatedCostUsd)} (estimate), ` +
    (plan.consented ? "consented" : "not consented")
  );
}

/** The cost lines; every figure is called an estimate and the price snapshot is named. */
export function formatCost(cost: CostEstimate, style: Style = PLAIN, indent = ""): string {
  const hourly = cost.hourlyUsd === undefined ? "no price in the snapshot" : `${formatRateUsd(cost.hourlyUsd)}/h`;
  return formatFields(
    [
      ["Instance", `${cost.instanceType} in ${cost.region}`],
      ["Hourly", `${hourly} (estimate, on-demand)`],
      [
        "Setup",
        cost.setupMinutes === 0
          ? "none on this path"
          : `${cost.setupMinutes} min, ${formatUsd(cost.setupCostUsd)} (estimate)`,
      ],
      ["Copy", cost.copyCostUsd === undefined ? undefined : `${formatUsd(cost.copyCostUsd)} one-off (estimate)`],
      ["Compare", cost.comparison],
      ["Source", paint(style, "dim", `${cost.label} [${cost.source.name}, ${cost.source.date}]`)],
    ],
    indent,
  );
}

/** The full `cws ami resolve` report. */
export function formatResolution(result: ResolutionResult, style: Style = PLAIN): string {
  const failed = result.method === "failed";
  const outcome = failed ? paint(style, "red", describeOutcome(result)) : paint(style, "bold", describeOutcome(result));
  const lines = [
    formatFields([
      ["Template", result.template],
      ["Region", result.region],
      ["Strategy", result.strategy],
      ["Instance", `${result.instanceType} (${result.architecture})`],
      ["Result", outcome],
      ["Copy plan", formatCopyPlan(result)],
      ["Launch", failed ? undefined : `${formatApproxSeconds(result.estimatedLaunchSeconds)} until usable (estimate)`],
    ]),
    "",
    "Fallback chain:",
    formatFallbackChain(result.fallbackChain, style),
    "",
    "Cost (estimate):",
    formatCost(result.cost, style, "  "),
  ];
  if (result.warnings.length > 0) {
    lines.push("", "Warnings:", ...result.warnings.map((w) => `  ${paint(style, "yellow", "!")} ${w}`));
  }
  return lines.join("\n") + "\n";
}

/** One row per region for `cws ami test`. */
export function formatRegionRow(entry: RegionOutcome, style: Style = PLAIN): string[] {
  if (isRegionError(entry)) return [paint(style, "red", "✗"), entry.region, "error", entry.error.message];
  const r = entry;
  switch (r.method) {
    case "failed": {
      const last = [...r.fallbackChain]
        .reverse()
        .find((s) => s.outcome === "rejected" || s.outcome === "error" || s.outcome === "not_found");
      return [
        paint(style, "red", "✗"),
        r.region,
        "failed",
        last ? `${last.tier}: ${last.detail}` : "no tier produced an image",
      ];
    }
    case "fallback_script":
      return [
        paint(style, "yellow", "~"),
        r.region,
        "script",
        `${formatApproxSeconds(r.estimatedLaunchSeconds)} setup (estimate), ${r.instanceType}`,
      ];
    case "cross_region": {
      const plan = r.copyPlan;
      const detail = plan
        ? `from ${plan.sourceRegion} ${plan.sourceAmiId}: ${formatApproxSeconds(plan.estimatedMinutes * 60)}, ${formatUsd(plan.estimatedCostUsd)} (estimate)`
        : `from ${r.sourceRegion ?? "?"} ${r.amiId ?? "?"}`;
      return [paint(style, "yellow", "→"), r.region, "copy needed", detail];
    }
    default:
      return [paint(style, "green", "✓"), r.region, r.amiId ?? "?", `${r.method}, ${r.instanceType}`];
  }
}

export interface TestSummary {
  total: number;
  ami: number;
  script: number;
  copy: number;
  failed: number;
  errors: number;
}
export function summariseRegions(entries: readonly RegionOutcome[]): TestSummary {
  const summary: TestSummary = { total: entries.length, ami: 0, script: 0, copy: 0, failed: 0, errors: 0 };
  for (const entry of entries) {
    if (isRegionError(entry)) summary.errors++;
    else if (entry.method === "failed") summary.failed++;
    else if (entry.method === "fallback_script") summary.script++;
    else if (entry.method === "cross_region") summary.copy++;
    else summary.ami++;
  }
  return summary;
}

export function formatTestReport(template: string, entries: readonly RegionOutcome[], style: Style = PLAIN): string {
  const s = summariseRegions(entries);
  const parts = [`${s.ami} AMI`, `${s.script} script fallback`, `${s.copy} copy needed`, `${s.failed} failed`];
  if (s.errors > 0) parts.push(`${s.errors} error${s.errors > 1 ? "s" : ""}`);
  return (
    [
      `Template ${template} in ${s.total} region${s.total === 1 ? "" : "s"}:`,
      formatTable(
        entries.map((e) => formatRegionRow(e, style)),
        "  ",
      ),
      "",
      `${s.total} regions: ${parts.join(", ")}`,
    ].join("\n") + "\n"
  );
}

/** One table of images with owner, architecture, creation date, state and trust; notes after it. */
export function formatImageList(
  listing: { template?: string; region: string; images: readonly ImageRow[]; notes: readonly string[] },
  style: Style = PLAIN,
): string {
  const title = listing.template
    ? `Images template ${listing.template} would consider in ${listing.region}:`
    : `Images owned by this account (self) in ${listing.region}:`;
  const lines = [title];
  if (listing.images.length === 0) lines.push("  (none)");
  else {
    const header = ["AMI", "OWNER", "ARCH", "CREATED", "STATE", "TRUSTED", "SOURCE", "NAME"].map((h) =>
      paint(style, "dim", h),
    );
    const rows = listing.images.map((image) => [
      image.amiId,
      image.ownerId ?? "-",
      image.architecture ?? "-",
      image.creationDate ? image.creationDate.slice(0, 10) : "-",
      !image.exists
        ? paint(style, "red", "missing")
        : image.deprecated
          ? paint(style, "yellow", `${image.state ?? "?"}, deprecated`)
          : (image.state ?? "?"),
      image.trusted ? paint(style, "green", "yes") : paint(style, "red", "no"),
      image.source === "ami_mappings" || image.source === "ssm_parameter"
        ? `${image.source}: ${image.via}`
        : image.source,
      image.name ?? "",
    ]);
    lines.push(formatTable([header, ...rows], "  "));
    // Searches are long; each is printed once under the table instead of in every row.
    const searches = new Set(
      listing.images
        .filter((i) => i.source === "ami_search" || i.source === "marketplace_search")
        .map((i) => `${i.source}: ${i.via}`),
    );
    for (const search of searches) lines.push(`  searched ${search}`);
    const untrusted = new Map(listing.images.filter((i) => i.exists && !i.trusted).map((i) => [i.amiId, i.trust]));
    for (const [amiId, trust] of untrusted) lines.push(`  ${paint(style, "red", "✗")} ${amiId}: ${trust}`);
  }
  for (const note of listing.notes) lines.push(`  note: ${note}`);
  return lines.join("\n") + "\n";
}

/** `cws ami info --json` shape: DescribeImages' fields, flattened and named for people. */
export interface ImageInfo {
  amiId: string;
  region: string;
  name?: string;
  description?: string;
  ownerId?: string;
  ownerAlias?: string;
  architecture?: string;
  state?: string;
  creationDate?: string;
  deprecationTime?: string;
  deprecated: boolean;
  public?: boolean;
  platform?: string;
  virtualizationType?: string;
  rootDeviceName?: string;
  bootMode?: string;
  productCodes: string[];
  tags: Record<string, string>;
  snapshots: Array<{ deviceName?: string; snapshotId?: string; sizeGb?: number; volumeType?: string }>;
  /** Sum of the EBS snapshot sizes. */
  totalSizeGb: number;
}

export function formatImageInfo(info: ImageInfo, style: Style = PLAIN): string {
  const deprecation = info.deprecationTime
    ? `${info.deprecationTime}${info.deprecated ? paint(style, "yellow", " (deprecated)") : " (scheduled)"}`
    : "none";
  const lines = [
    formatFields([
      ["AMI", paint(style, "bold", info.amiId)],
      ["Region", info.region],
      ["Name", info.name],
      ["Description", info.description],
      ["Owner", `${info.ownerId ?? "?"}${info.ownerAlias ? ` (${info.ownerAlias})` : ""}`],
      ["Architecture", info.architecture],
      ["State", info.state],
      ["Created", info.creationDate],
      ["Deprecation", deprecation],
      ["Public", info.public === undefined ? undefined : info.public ? "yes" : "no"],
      ["Boot", [info.virtualizationType, info.bootMode, info.rootDeviceName].filter(Boolean).join(", ") || undefined],
      ["Product codes", info.productCodes.length ? info.productCodes.join(", ") : undefined],
      ["Size", `${info.totalSizeGb} GB in ${info.snapshots.length} snapshot${info.snapshots.length === 1 ? "" : "s"}`],
    ]),
  ];
  if (info.snapshots.length > 0) {
    lines.push(
      "",
      "Snapshots:",
      formatTable(
        info.snapshots.map((s) => [
          s.deviceName ?? "?",
          s.snapshotId ?? "(none)",
          s.sizeGb === undefined ? "?" : `${s.sizeGb} GB`,
          s.volumeType ?? "",
        ]),
        "  ",
      ),
    );
  }
  const tags = Object.entries(info.tags).sort(([a], [b]) => a.localeCompare(b));
  lines.push("", tags.length ? "Tags:" : "Tags: none");
  if (tags.length)
    lines.push(
      formatTable(
        tags.map(([k, v]) => [k, v]),
        "  ",
      ),
    );
  return lines.join("\n") + "\n";
}
