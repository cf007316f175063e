import { withContext } from "../../core/aws-errors";
import { estimateCopy, formatAmountUsd } from "../cost";
import { AwsCallError } from "../../core/errors";
import { crossRegionSearchOrder } from "../regions-fallback";
import type { CopyPlan } from "../types";
import { snapshotGigabytes } from "../validate-image";
import type { NeighbourProbe, NeighbourProbes, Tier, TierContext, TierResult } from "./tier";

/**
 * Looks for the image in neighbouring regions (regions-fallback.ts, nearest first, never revisiting a region) by
 * running the regional image tiers there, in all neighbours concurrently, and reads their answers nearest first, so
 * the choice and the errors are those of probing one after another. It runs when `fallback_strategy: cross_region`
 * is set or when copy consent is given (`allow_cross_region_copy: true` in the template, or the caller's allowCrossRegionCopy / --allow-copy).
 * It NEVER copies: with consent it selects the source image and returns a consented copy plan (the deployment makes
 * the copy and tracks it); without consent it reports what consent would do and resolution carries on.
 */
export const crossRegionTier: Tier = {
  name: "cross_region",
  kind: "image",
  async run(context): Promise<TierResult> {
    const skipped = crossRegionSkipStep(context);
    if (skipped) return skipped;
    const { regions, probes } = context.neighbourProbes ?? startNeighbourProbes(context, context.signal);
    if (regions.length === 0)
      return { outcome: "not_found", detail: `no neighbouring regions are mapped for ${context.targetRegion}` };
    const looked: string[] = [];
    for (const [index, region] of regions.entries()) {
      const probe = await probes[index];
      context.warnings.push(...probe.warnings);
      if ("error" in probe) throw probe.error;
      const found = probe.found;
      if (!found) {
        looked.push(region);
        continue;
      }
      const { amiId, tier, image } = found;
      const copy = estimateCopy({
        sourceRegion: region,
        targetRegion: context.targetRegion,
        snapshotGb: snapshotGigabytes(image),
      });
      const copyPlan: CopyPlan = {
        sourceRegion: region,
        sourceAmiId: amiId,
        targetRegion: context.targetRegion,
        estimatedMinutes: copy.minutes,
        estimatedCostUsd: copy.costUsd,
        consented: context.crossRegionConsent,
      };
      const estimate = `~${copy.minutes} min, ~${formatAmountUsd(copy.costUsd)}, estimate`;
      const searched = looked.length ? ` (nothing usable in ${looked.join(", ")})` : "";
      if (context.crossRegionConsent) {
        return {
          outcome: "selected",
          amiId,
          image,
          region,
          copyPlan,
          detail: `selected ${amiId} in ${region} (found by ${tier})${searched}; copy ${amiId} from ${region}: ${estimate}; the deployment makes the copy, the resolver never does`,
        };
      }
      return {
        outcome: "rejected",
        amiId,
        image,
        region,
        copyPlan,
        detail: `${amiId} found in ${region} (by ${tier})${searched}; copying needs consent: set allow_cross_region_copy: true or --allow-copy (${estimate})`,
      };
    }
    return { outcome: "not_found", detail: `no usable image in ${looked.join(", ")}` };
  },
};

/**
 * The cross-region tier's step when it does not run for this question (strategy ami_fallback, or neither
 * fallback_strategy cross_region nor copy consent); undefined when it runs. The engine asks it too, before
 * probing the neighbours early.
 */
export function crossRegionSkipStep(
  context: Pick<TierContext, "strategy" | "fallbackStrategy" | "crossRegionConsent">,
): TierResult | undefined {
  if (context.strategy === "ami_fallback") {
    return {
      outcome: "skipped",
      detail:
        "strategy ami_fallback provisions by script on an image in the target region; a copied image is not used as its base",
    };
  }
  if (context.fallbackStrategy !== "cross_region" && !context.crossRegionConsent) {
    return {
      outcome: "not_configured",
      detail:
        "cross-region copy not enabled: set fallback_strategy: cross_region, or allow_cross_region_copy: true (--allow-copy)",
    };
  }
  return undefined;
}

/**
 * Starts the regional tiers in every neighbour of the target region at once (a region's lookups wait on its own
 * calls, not on the nearer regions'). The probes never reject and keep their warnings apart, so probes nobody reads
 * (the engine started them early and the target region answered) change nothing; `signal` gives up their lookups.
 */
export function startNeighbourProbes(context: TierContext, signal: AbortSignal): NeighbourProbes {
  const regions = crossRegionSearchOrder(context.targetRegion, context.crossRegionMaxHops);
  const probes = regions.map((region): Promise<NeighbourProbe> => {
    const warnings: string[] = [];
    return searchRegion({ ...context, region, signal, warnings, neighbourProbes: undefined }).then(
      (found) => ({ found, warnings }),
      (error: unknown) => ({ error, warnings }),
    );
  });
  return { regions, probes };
}

/**
 * Runs the regional tiers in one neighbour. A failing call there stops resolution (AwsCallError naming the
 * neighbour's region and the tier): skipping it could select an image from a farther region than the answer.
 */
async function searchRegion(regional: TierContext) {
  for (const tier of regional.regionalTiers) {
    let result;
    try {
      result = await tier.run(regional);
    } catch (error) {
      if (error instanceof AwsCallError && !regional.signal.aborted)
        throw withContext(error, { tier: `cross_region/${tier.name}`, region: regional.region });
      throw error;
    }
    if (result.outcome === "selected" && result.amiId && result.image)
      return { amiId: result.amiId, image: result.image, tier: tier.name };
  }
  return undefined;
}
