import { type FallbackStrategy } from "../templates/schema";
import { DURATION_PATTERN } from "../templates/schema-fields";
import { checkRegionName } from "../core/regions";
import { estimateCost, estimateLaunchSeconds, estimateSetupMinutes } from "./cost";
import { withContext } from "../core/aws-errors";
import { AwsCallError, InvalidInputError } from "../core/errors";
import { defaultImageCache, type ImageCache } from "../core/image-cache";
import { chooseInstance } from "./instance-types";
import { REGIONAL_TIERS, TIERS } from "./tiers";
import { crossRegionSkipStep, crossRegionTier, startNeighbourProbes } from "./tiers/cross-region";
import type { Selection, Tier, TierContext, TierResult } from "./tiers/tier";
import {
  TIER_ORDER,
  type CopyPlan,
  type FallbackStep,
  type ResolutionMethod,
  type ResolutionResult,
  type ResolveOptions,
  type Template,
} from "./types";
import { type AwsClients } from "../core/clients";

export interface EngineOptions {
  /** Shared lookups (TTL cache, batching). Default: the process-wide cache. */
  cache?: ImageCache;
  /** The tiers to run, in order. Default: TIERS (every tier, TIER_ORDER). */
  tiers?: readonly Tier[];
  /** How far the cross-region tier walks the fallback map. Default 1 (direct neighbours). */
  crossRegionMaxHops?: number;
  /**
   * Time the script tier gets to find its base image after the image tiers are done (including after they timed
   * out). Default 30 s; cached lookups answer at once.
   */
  scriptTierTimeoutMs?: number;
  /** The tiers the cross-region tier runs in each neighbour. Default: REGIONAL_TIERS. */
  regionalTiers?: readonly Tier[];
}

export const DEFAULT_FALLBACK_TIMEOUT = "10m";
export const DEFAULT_SCRIPT_TIER_TIMEOUT_MS = 30_000;

/**
 * Resolves which image a template launches from in one region, trying the tiers in TIER_ORDER and recording every
 * step (configured or not) in `fallbackChain`.
 *
 * Strategies:
 * - `ami_preferred` (default): the image tiers; if none selects an AMI, the cross-region tier (when enabled), then
 *   the script tier unless `fallback_strategy: error` (then `failed`).
 * - `ami_required`: an AMI (regional, or cross-region with consent) or `failed`; never a script.
 * - `ami_fallback`: script provisioning always. The image tiers still run in the target region; the AMI they select
 *   (validated like any other) is the BASE the script runs on, instead of the distribution's stock image. The method
 *   is `fallback_script`, `amiId` the base, and `userData` the script. The cross-region tier is skipped.
 *
 * `fallback_timeout` (or `timeoutMs`) bounds the image tiers (all of them, cross-region included); on timeout the
 * running and remaining image tiers are recorded as `error: timed out after …` and the strategy decides (script or
 * `failed`). Never throws for an unresolvable template (`method: "failed"`); throws InvalidInputError only for a
 * caller's mistake (unknown region, architecture contradicting the instance type). Never copies an image.
 *
 * An AWS call that fails after the SDK's retries (credentials, permission, network, throttling, a 5xx or garbage
 * answer) says nothing about whether an image exists, so resolution stops there and throws AwsCallError naming the
 * tier, region, operation and code: it never falls through to a later tier's different answer. Only AWS's own
 * "not found" answers are ordinary `not_found`/`rejected` steps.
 */
export async function resolveAmi(
  template: Template,
  options: ResolveOptions,
  clients: AwsClients,
  engineOptions: EngineOptions = {},
): Promise<ResolutionResult> {
  const region = options.region;
  const regionCheck = checkRegionName(region);
  if (!regionCheck.ok) throw new InvalidInputError(regionCheck.error, "region");
  const config = template.ami_config;
  const strategy = options.strategy ?? config?.strategy ?? "ami_preferred";
  const fallbackStrategy: FallbackStrategy = config?.fallback_strategy ?? "script_provisioning";
  const crossRegionConsent = options.allowCrossRegionCopy ?? config?.allow_cross_region_copy ?? false;
  const timeoutMs = options.timeoutMs ?? parseDuration(config?.fallback_timeout ?? DEFAULT_FALLBACK_TIMEOUT);
  const now = options.now ?? new Date();
  const warnings: string[] = [];

  const choice = chooseInstance(template, options, warnings);
  if (options.architecture && choice.architecture !== options.architecture) {
    throw new InvalidInputError(
      `${choice.instanceType} is ${choice.architecture}, not ${options.architecture}`,
      "architecture",
    );
  }

  const tiers = engineOptions.tiers ?? TIERS;
  const deadline = new AbortController();
  const timedOut = `timed out after ${formatDuration(timeoutMs)} (fallback_timeout)`;
  const timer = setTimeout(() => deadline.abort(new Error(timedOut)), timeoutMs);
  const context: TierContext = {
    template,
    config,
    region,
    targetRegion: region,
    architecture: choice.architecture,
    instanceType: choice.instanceType,
    strategy,
    fallbackStrategy,
    crossRegionConsent,
    crossRegionMaxHops: engineOptions.crossRegionMaxHops ?? 1,
    requirements: {
      architecture: choice.architecture,
      trustedOwners: config?.trusted_owners,
      includeDeprecated: config?.ami_search?.include_deprecated ?? false,
      now,
    },
    clients,
    cache: engineOptions.cache ?? defaultImageCache,
    signal: deadline.signal,
    warnings,
    regionalTiers: engineOptions.regionalTiers ?? REGIONAL_TIERS,
  };
  // When the cross-region tier would run, the neighbours are asked now, alongside the target region's own tiers, so
  // a region that needs them waits for the slower of the two instead of their sum. The cost: the neighbours are
  // asked even when the target region answers; their lookups are then given up and their answers never read.
  const speculation =
    tiers.includes(crossRegionTier) && !crossRegionSkipStep(context) ? new AbortController() : undefined;
  const stopSpeculation = () => speculation?.abort(new Error("resolution finished: neighbour probes not needed"));
  if (speculation) {
    deadline.signal.addEventListener("abort", () => speculation.abort(deadline.signal.reason), { once: true });
    context.neighbourProbes = startNeighbourProbes(context, speculation.signal);
  }

  const chain: FallbackStep[] = [];
  let selected: Selection | undefined;
  let provisioned: TierResult | undefined;
  let copyPlan: CopyPlan | undefined;
  try {
    for (const tier of tiers) {
      let result: TierResult;
      if (tier.kind === "image" && selected) {
        result = { outcome: "skipped", detail: `an earlier tier selected ${selected.amiId}` };
      } else if (tier.kind === "image" && deadline.signal.aborted) {
        result = { outcome: "error", detail: timedOut };
      } else if (tier.kind === "image") {
        result = await runTier(tier, context, deadline.signal, timedOut);
      } else {
        clearTimeout(timer);
        stopSpeculation();
        const scriptDeadline = AbortSignal.timeout(engineOptions.scriptTierTimeoutMs ?? DEFAULT_SCRIPT_TIER_TIMEOUT_MS);
        const scriptTimedOut = `timed out after ${formatDuration(engineOptions.scriptTierTimeoutMs ?? DEFAULT_SCRIPT_TIER_TIMEOUT_MS)} finding a base image`;
        result = await runTier(tier, { ...context, selected, signal: scriptDeadline }, scriptDeadline, scriptTimedOut);
      }
      chain.push(toStep(tier, result, region));
      if (result.copyPlan) copyPlan = result.copyPlan;
      if (result.outcome !== "selected" || !result.amiId || !result.image) continue;
      if (tier.kind === "image") {
        selected = { tier: tier.name, amiId: result.amiId, image: result.image, region: result.region ?? region };
        stopSpeculation();
        if (strategy === "ami_fallback" && result.region === undefined) {
          chain[chain.length - 1].detail += " (used as the base image for script provisioning: strategy ami_fallback)";
        }
      } else {
        provisioned = result;
      }
    }
  } finally {
    clearTimeout(timer);
    stopSpeculation();
  }
  for (const name of TIER_ORDER) {
    if (!chain.some((step) => step.tier === name))
      chain.push({ tier: name, outcome: "not_configured", detail: "tier not in this engine's tier list" });
  }
  chain.sort((a, b) => TIER_ORDER.indexOf(a.tier) - TIER_ORDER.indexOf(b.tier));

  let method: ResolutionMethod = "failed";
  let amiId: string | undefined;
  let sourceRegion: string | undefined;
  if (provisioned) {
    method = "fallback_script";
    amiId = provisioned.amiId;
  } else if (selected && strategy !== "ami_fallback") {
    method = selected.tier;
    amiId = selected.amiId;
    if (selected.region !== region) sourceRegion = selected.region;
  }

  // Always the script path's setup time: estimateCost charges it only on that path, but compares both.
  const setupMinutes = estimateSetupMinutes(template);
  const copy =
    method === "cross_region" && copyPlan
      ? { minutes: copyPlan.estimatedMinutes, costUsd: copyPlan.estimatedCostUsd }
      : undefined;
  return {
    template: template.name,
    region,
    strategy,
    method,
    ...(amiId ? { amiId } : {}),
    ...(sourceRegion ? { sourceRegion } : {}),
    architecture: choice.architecture,
    instanceType: choice.instanceType,
    ...(provisioned?.userData !== undefined ? { userData: provisioned.userData } : {}),
    fallbackChain: chain,
    warnings: [...new Set(warnings)],
    estimatedLaunchSeconds: estimateLaunchSeconds(method, setupMinutes, copy?.minutes),
    cost: estimateCost({ instanceType: choice.instanceType, region, method, setupMinutes, ...(copy ? { copy } : {}) }),
    ...(copyPlan ? { copyPlan } : {}),
  };
}

/**
 * Runs one tier. Only the deadline turns into a step (`timed out`); any other failure stops resolution: an AWS
 * failure as AwsCallError with the tier added, anything else as it is. Reading a failure as "this tier found
 * nothing" would let a later tier answer with a different image.
 */
async function runTier(tier: Tier, context: TierContext, signal: AbortSignal, timedOut: string): Promise<TierResult> {
  try {
    return await raceAbort(tier.run(context), signal);
  } catch (error) {
    if (signal.aborted) return { outcome: "error", detail: timedOut };
    if (error instanceof AwsCallError) throw withContext(error, { tier: tier.name, region: context.targetRegion });
    throw error;
  }
}

/** Stops waiting when the signal aborts, even if a call underneath ignores its abort signal. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function toStep(tier: Tier, result: TierResult, targetRegion: string): FallbackStep {
  return {
    tier: tier.name,
    outcome: result.outcome,
    detail: result.detail,
    ...(result.region && result.region !== targetRegion ? { region: result.region } : {}),
    ...(result.amiId ? { amiId: result.amiId } : {}),
  };
}

// The architecture rule lives with the instance choice (one function for the engine, components and `cws`).
export { chooseArchitecture } from "./instance-types";

/** "10m" → 600000. Internal. Exported for testing. */
export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text);
  if (!match)
    throw new InvalidInputError(
      `"${text}" is not a duration: write e.g. "90s", "10m" or "1h"`,
      "ami_config.fallback_timeout",
    );
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  return Number(match[1]) * unit;
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0 && ms > 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}
