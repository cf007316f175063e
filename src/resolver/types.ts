import type { Architecture, Size, Strategy, Template } from "../templates/schema";

/** The tiers of the Universal AMI System, in the order the engine runs them. */
export const TIER_ORDER = [
  "direct_mapping",
  "catalog",
  "ssm_parameter",
  "dynamic_search",
  "marketplace",
  "cross_region",
  "fallback_script",
] as const;
export type TierName = (typeof TIER_ORDER)[number];

/** How a workstation will be launched: one of the tiers, or `failed` when no tier produced anything usable. */
export type ResolutionMethod = TierName | "failed";

export type StepOutcome = "selected" | "rejected" | "not_found" | "not_configured" | "skipped" | "error";

/** One line of the fallback chain: what a tier did and why. Every tier appears, configured or not. */
export interface FallbackStep {
  tier: TierName;
  outcome: StepOutcome;
  /** Human-readable and deterministic (no timings or timestamps), so it can live in Pulumi state. */
  detail: string;
  /** The region the step looked in, when not the target region (cross-region tiers). */
  region?: string;
  /** The AMI the step selected or rejected, when there was one. */
  amiId?: string;
}

/** A cross-region copy the resolver found possible; made only with consent (and never by `resolveAmi` itself). */
export interface CopyPlan {
  sourceRegion: string;
  sourceAmiId: string;
  targetRegion: string;
  /** Estimate, not a measurement. */
  estimatedMinutes: number;
  /** Estimate (transfer + storage for the first month), not a measurement. */
  estimatedCostUsd: number;
  consented: boolean;
}

/** All figures are estimates from a bundled price snapshot; `label` says so in words. */
export interface CostEstimate {
  currency: "USD";
  instanceType: string;
  region: string;
  /** On-demand $/hour for the instance type in the region, or undefined when the snapshot has no price. */
  hourlyUsd?: number;
  /** Minutes of script provisioning before the workstation is usable (0 on the AMI path). */
  setupMinutes: number;
  /** What those setup minutes cost at the hourly price. */
  setupCostUsd: number;
  /** One-off cross-region copy cost when a copy is planned. */
  copyCostUsd?: number;
  /** e.g. "AMI: $0.45/h now · script: $0.45/h + 6 min setup ($0.045)". */
  comparison: string;
  /** e.g. "estimate from AWS on-demand prices snapshot 2026-10 (source …)". */
  label: string;
  source: { name: string; date: string };
}

export interface ResolveOptions {
  region: string;
  architecture?: Architecture;
  instanceType?: string;
  size?: Size;
  /** Overrides the template's `ami_config.strategy`. */
  strategy?: Strategy;
  /** Overrides the template's `ami_config.allow_cross_region_copy`. */
  allowCrossRegionCopy?: boolean;
  /** Overrides the template's `ami_config.fallback_timeout` (milliseconds). */
  timeoutMs?: number;
  /** Clock for deprecation checks; defaults to now. */
  now?: Date;
}

export interface ResolutionResult {
  template: string;
  region: string;
  strategy: Strategy;
  method: ResolutionMethod;
  amiId?: string;
  /** For `cross_region`: where the AMI lives now (before the copy). */
  sourceRegion?: string;
  architecture: Architecture;
  instanceType: string;
  /** The rendered provisioning script, on the script path (and for `ami_fallback`, see the engine's docs). */
  userData?: string;
  fallbackChain: FallbackStep[];
  warnings: string[];
  /** Estimate, not a measurement: seconds until the workstation is usable. */
  estimatedLaunchSeconds: number;
  cost: CostEstimate;
  copyPlan?: CopyPlan;
}

export type { Architecture, Size, Strategy, Template };
