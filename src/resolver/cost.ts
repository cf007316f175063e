import type { Template } from "../templates/schema";
import { InvalidInputError } from "../core/errors";
import { familyOfferedIn, parseInstanceType } from "./instance-families";
import { PRICE_SNAPSHOT } from "./prices";
import type { CostEstimate, ResolutionMethod } from "./types";

/**
 * Cost and time ESTIMATES. Pure: no clock, no network. Every number here is a model, not a measurement, and every
 * string that shows one says so.
 */

export { PRICE_SNAPSHOT };

/** Seconds from RunInstances to SSH on a pre-built AMI (typical EC2 Linux boot; an estimate, not a measurement). */
export const AMI_BOOT_SECONDS = 45;

/** Snapshot size assumed for a cross-region copy when the caller does not know the AMI's size. */
export const DEFAULT_COPY_SNAPSHOT_GB = 30;

/** Setup-minute model coefficients (see estimateSetupMinutes). */
export const SETUP_MINUTES = {
  baseBoot: 1.5,
  perSystemPackage: 0.05,
  perCondaPackage: 0.4,
  perPipPackage: 0.15,
  perSpackPackage: 2,
  perService: 0.25,
  min: 3,
  max: 45,
} as const;

/** Copy-time model coefficients (see copyMinutesForSnapshot). */
export const COPY_MINUTES = { fixed: 5, perGb: 0.4 } as const;

const AMI_METHODS: ReadonlySet<ResolutionMethod> = new Set([
  "direct_mapping",
  "catalog",
  "ssm_parameter",
  "dynamic_search",
  "marketplace",
]);

const round = (value: number, decimals: number): number => {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
};

/**
 * On-demand Linux $/hour for the instance type in the region, from the bundled snapshot: the us-east-1 list price ×
 * the region's documented multiplier, rounded to 4 decimals. Undefined — never a guess — when the snapshot lacks the
 * instance type or the region, or records the family as not offered there.
 */
export function hourlyPriceUsd(instanceType: string, region: string): number | undefined {
  const base = Object.prototype.hasOwnProperty.call(PRICE_SNAPSHOT.baseHourlyUsd, instanceType)
    ? PRICE_SNAPSHOT.baseHourlyUsd[instanceType]
    : undefined;
  const multiplier = Object.prototype.hasOwnProperty.call(PRICE_SNAPSHOT.regionalMultipliers, region)
    ? PRICE_SNAPSHOT.regionalMultipliers[region]
    : undefined;
  if (base === undefined || multiplier === undefined) return undefined;
  if (!familyOfferedIn(parseInstanceType(instanceType).family, region)) return undefined;
  return round(base * multiplier, 4);
}

/**
 * Minutes of script provisioning before the workstation is usable (an estimate):
 *
 *   1.5 (boot, cloud-init, package index refresh)
 *   + 0.05 × system packages + 0.4 × conda packages + 0.15 × pip packages + 2 × spack packages + 0.25 × services
 *
 * rounded to 0.1 and clamped to [3, 45]. Typical templates land at 5–8 minutes.
 */
export function estimateSetupMinutes(template: Template): number {
  const count = (list: readonly string[] | undefined) => list?.length ?? 0;
  const k = SETUP_MINUTES;
  const raw =
    k.baseBoot +
    count(template.packages?.system) * k.perSystemPackage +
    count(template.packages?.conda) * k.perCondaPackage +
    count(template.packages?.pip) * k.perPipPackage +
    count(template.packages?.spack) * k.perSpackPackage +
    (template.services?.length ?? 0) * k.perService;
  return Math.min(k.max, Math.max(k.min, round(raw, 1)));
}

/** Copy minutes for a snapshot of `snapshotGb`: 5 + 0.4 × GB, rounded to 0.1 (an estimate; AWS gives no SLA). */
export function copyMinutesForSnapshot(snapshotGb: number): number {
  if (!Number.isFinite(snapshotGb) || snapshotGb < 0) {
    throw new InvalidInputError(`snapshot size must be a non-negative number of GB, got ${snapshotGb}`, "snapshotGb");
  }
  return round(COPY_MINUTES.fixed + COPY_MINUTES.perGb * snapshotGb, 1);
}

/**
 * Seconds until the workstation is usable (an estimate, not a measurement):
 *  - AMI tiers (direct_mapping, ssm_parameter, dynamic_search, marketplace): AMI_BOOT_SECONDS (45 s);
 *  - fallback_script: 45 s + setupMinutes × 60;
 *  - cross_region: copyMinutes × 60 + 45 s, where copyMinutes defaults to the copy of a DEFAULT_COPY_SNAPSHOT_GB
 *    (30 GB) snapshot, i.e. 17 minutes;
 *  - failed: 0 (nothing will launch).
 */
export function estimateLaunchSeconds(method: ResolutionMethod, setupMinutes: number, copyMinutes?: number): number {
  if (method === "failed") return 0;
  if (AMI_METHODS.has(method)) return AMI_BOOT_SECONDS;
  if (method === "fallback_script") return Math.round(AMI_BOOT_SECONDS + setupMinutes * 60);
  const minutes = copyMinutes ?? copyMinutesForSnapshot(DEFAULT_COPY_SNAPSHOT_GB);
  return Math.round(minutes * 60 + AMI_BOOT_SECONDS);
}

/**
 * A cross-region AMI copy (an estimate): minutes = 5 + 0.4 × GB; cost = GB × inter-region transfer $/GB out of the
 * source region (0.02 from US/Canada/EU regions, more from Asia Pacific and South America; 0.02 for regions the
 * snapshot does not list) + GB × 0.05 $/GB-month snapshot storage for the first month.
 */
export function estimateCopy(input: { sourceRegion: string; targetRegion: string; snapshotGb: number }): {
  minutes: number;
  costUsd: number;
} {
  if (input.sourceRegion === input.targetRegion) {
    throw new InvalidInputError(`a copy needs two different regions, got ${input.sourceRegion} twice`, "targetRegion");
  }
  const minutes = copyMinutesForSnapshot(input.snapshotGb);
  const rates = PRICE_SNAPSHOT.interRegionTransferUsdPerGb;
  const transfer = Object.prototype.hasOwnProperty.call(rates, input.sourceRegion)
    ? rates[input.sourceRegion]
    : rates.default;
  const costUsd = round(input.snapshotGb * (transfer + PRICE_SNAPSHOT.snapshotStorageUsdPerGbMonth), 4);
  return { minutes, costUsd };
}

/** "$0.2016" for hourly rates: up to 4 decimals, at least 2. */
export function formatRateUsd(value: number): string {
  return `$${trimDecimals(value.toFixed(4), 2)}`;
}

/** "$0.021" for small one-off amounts, "$2.10" from a dollar up; "<$0.001" below a tenth of a cent. */
export function formatAmountUsd(value: number): string {
  if (value > 0 && value < 0.001) return "<$0.001";
  return value < 1 ? `$${trimDecimals(value.toFixed(3), 2)}` : `$${value.toFixed(2)}`;
}

function formatMinutes(minutes: number): string {
  return trimDecimals(minutes.toFixed(1), 0);
}

function trimDecimals(fixed: string, minDecimals: number): string {
  const [whole, decimals = ""] = fixed.split(".");
  let kept = decimals.replace(/0+$/, "");
  if (kept.length < minDecimals) kept = kept.padEnd(minDecimals, "0");
  return kept.length > 0 ? `${whole}.${kept}` : whole;
}

/**
 * The cost estimate for a resolution. `setupMinutes` is the template's script-provisioning estimate; it is charged
 * only on the script path (CostEstimate.setupMinutes is 0 on AMI paths) but always shown in `comparison`, so users
 * see what an AMI saves. `copy` (from estimateCopy) adds the one-off copy cost. `label` says these are estimates and
 * names the snapshot; when the snapshot has no price, `hourlyUsd` is undefined, `setupCostUsd` is 0 and both
 * `comparison` and `label` say the price is missing.
 */
export function estimateCost(input: {
  instanceType: string;
  region: string;
  method: ResolutionMethod;
  setupMinutes: number;
  copy?: { minutes: number; costUsd: number };
}): CostEstimate {
  if (!Number.isFinite(input.setupMinutes) || input.setupMinutes < 0) {
    throw new InvalidInputError(
      `setup minutes must be a non-negative number, got ${input.setupMinutes}`,
      "setupMinutes",
    );
  }
  const hourlyUsd = hourlyPriceUsd(input.instanceType, input.region);
  const onScriptPath = input.method === "fallback_script";
  const setupMinutes = onScriptPath ? input.setupMinutes : 0;
  const scriptSetupCost = hourlyUsd === undefined ? undefined : round((hourlyUsd * input.setupMinutes) / 60, 4);
  const setupCostUsd = onScriptPath && scriptSetupCost !== undefined ? scriptSetupCost : 0;

  const setupText = `${formatMinutes(input.setupMinutes)} min setup`;
  let comparison: string;
  if (hourlyUsd === undefined) {
    const missing = `no price for ${input.instanceType} in ${input.region} in the snapshot`;
    comparison = `AMI: ${missing} · script: + ${setupText}`;
    if (input.copy)
      comparison = `copied AMI: ~${formatMinutes(input.copy.minutes)} min copy (${formatAmountUsd(input.copy.costUsd)} one-off), ${missing} · script: + ${setupText}`;
  } else {
    const rate = `${formatRateUsd(hourlyUsd)}/h`;
    const script = `script: ${rate} + ${setupText} (${formatAmountUsd(scriptSetupCost!)})`;
    comparison = input.copy
      ? `copied AMI: ${rate} after ~${formatMinutes(input.copy.minutes)} min copy (${formatAmountUsd(input.copy.costUsd)} one-off) · ${script}`
      : `AMI: ${rate} now · ${script}`;
  }

  const multiplier = PRICE_SNAPSHOT.regionalMultipliers[input.region];
  const priceBasis =
    hourlyUsd === undefined
      ? `no on-demand price for ${input.instanceType} in ${input.region} in the snapshot`
      : input.region === PRICE_SNAPSHOT.baseRegion
        ? `on-demand price = ${PRICE_SNAPSHOT.baseRegion} list price`
        : `on-demand price = ${PRICE_SNAPSHOT.baseRegion} list price × ${multiplier} regional multiplier for ${input.region}`;
  const label = `Estimates, not measurements: ${priceBasis}; ${PRICE_SNAPSHOT.caveat}`;

  return {
    currency: "USD",
    instanceType: input.instanceType,
    region: input.region,
    ...(hourlyUsd === undefined ? {} : { hourlyUsd }),
    setupMinutes,
    setupCostUsd,
    ...(input.copy ? { copyCostUsd: input.copy.costUsd } : {}),
    comparison,
    label,
    source: { name: PRICE_SNAPSHOT.source, date: PRICE_SNAPSHOT.date },
  };
}
