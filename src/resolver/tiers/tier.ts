import type { Image } from "@aws-sdk/client-ec2";
import type { AmiConfig, FallbackStrategy, Template } from "../../templates/schema";
import type { ImageCache } from "../../core/image-cache";
import type { Architecture, CopyPlan, StepOutcome, Strategy, TierName } from "../types";
import type { AwsClients } from "../../core/clients";
import { compareNewestFirst, validateImage, type ImageRequirements } from "../validate-image";

/**
 * One way of finding an image. `image` tiers look for a launchable AMI, and once one is selected the engine skips
 * the later image tiers; the `provision` tier (script fallback) always runs last and sees what was selected.
 * Adding a tier: one file in this folder implementing Tier, one line in the list in tiers/index.ts.
 */
export interface Tier {
  name: TierName;
  kind: "image" | "provision";
  run(context: TierContext): Promise<TierResult>;
}

export interface TierResult {
  outcome: StepOutcome;
  /** Deterministic text for the fallback chain: no timings, no timestamps of the run. */
  detail: string;
  amiId?: string;
  image?: Image;
  /** The region the step looked in, when not the target region. */
  region?: string;
  copyPlan?: CopyPlan;
  userData?: string;
}

export interface Selection {
  tier: TierName;
  amiId: string;
  image: Image;
  region: string;
}

export interface TierContext {
  template: Template;
  /** The template's ami_config, or undefined when it has none (every AMI tier is then not_configured). */
  config: AmiConfig | undefined;
  /** The region this tier looks in (a neighbour, when run by the cross-region tier). */
  region: string;
  /** The region the workstation will run in. */
  targetRegion: string;
  architecture: Architecture;
  instanceType: string;
  strategy: Strategy;
  fallbackStrategy: FallbackStrategy;
  /** Consent to plan a cross-region copy (template allow_cross_region_copy, or the caller's allowCrossRegionCopy). */
  crossRegionConsent: boolean;
  crossRegionMaxHops: number;
  requirements: Omit<ImageRequirements, "ownedBySelf">;
  clients: AwsClients;
  cache: ImageCache;
  signal: AbortSignal;
  /** Collected into the result's warnings (deduplicated, in order). */
  warnings: string[];
  /** What an earlier tier selected, if anything. */
  selected?: Selection;
  /** The image tiers that run inside one region (for the cross-region tier). */
  regionalTiers: readonly Tier[];
  /** Neighbour probes the engine started early (see startNeighbourProbes); absent: the cross-region tier starts them. */
  neighbourProbes?: NeighbourProbes;
}

/** The cross-region tier's lookups in the neighbours, one per region, nearest first. */
export interface NeighbourProbes {
  regions: string[];
  /** Never rejects: a failure is kept as `error` and surfaces only if the cross-region tier reads that region. */
  probes: Promise<NeighbourProbe>[];
}

/** What one neighbour's regional tiers found (or how they failed), with the warnings they raised there. */
export type NeighbourProbe = ({ found?: { amiId: string; image: Image; tier: TierName } } | { error: unknown }) & {
  warnings: string[];
};

export interface CandidateOutcome {
  selected?: { amiId: string; image: Image };
  /** "rejected ami-… : reason" lines, in the order the candidates were tried. */
  rejections: string[];
}

/**
 * Validates candidates in order and returns the first acceptable one, with the reason each earlier one was refused.
 * Every tier funnels through here, so trusted_owners, architecture, state and deprecation apply to all of them.
 */
export async function firstAcceptable(
  context: TierContext,
  candidates: { amiId: string; image?: Image | null }[],
  overrides: Partial<ImageRequirements> = {},
): Promise<CandidateOutcome> {
  const rejections: string[] = [];
  const ec2 = context.clients.ec2(context.region);
  for (const candidate of candidates) {
    const image =
      candidate.image === undefined
        ? await context.cache.getImage(ec2, candidate.amiId, context.signal)
        : (candidate.image ?? undefined);
    const requirements: ImageRequirements = { ...context.requirements, ...overrides };
    if (image && requirements.trustedOwners?.includes("self")) {
      requirements.ownedBySelf = await context.cache.isOwnedBySelf(ec2, candidate.amiId, context.signal);
    }
    const verdict = validateImage(image, requirements);
    if (verdict.ok) return { selected: { amiId: candidate.amiId, image: verdict.image }, rejections };
    rejections.push(`rejected ${candidate.amiId} : ${verdict.reason}`);
    if (image && /not in trusted_owners/.test(verdict.reason)) {
      context.warnings.push(
        `ignored ${candidate.amiId} "${image.Name ?? ""}" in ${context.region}: ${verdict.reason} (possible name-squatting)`,
      );
    }
  }
  return { rejections };
}

/** Sorts newest first with the documented tie-break (CreationDate, then ImageId descending). */
export function newestFirst(images: Image[]): Image[] {
  return [...images].sort(compareNewestFirst);
}

/** Joins rejection lines, capped so a long search does not flood Pulumi state. */
export function summariseRejections(rejections: string[], limit = 5): string {
  if (rejections.length <= limit) return rejections.join("; ");
  return `${rejections.slice(0, limit).join("; ")}; and ${rejections.length - limit} more rejected`;
}

/** ` ("name", created …)`: how an image is named in the chain (a label, not an AWS call). */
export function imageLabel(image: Image): string {
  const parts = [
    image.Name ? `"${image.Name}"` : undefined,
    image.CreationDate ? `created ${image.CreationDate}` : undefined,
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(", ")})` : "";
}
