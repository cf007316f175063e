import { catalogTier } from "./catalog";
import { crossRegionTier } from "./cross-region";
import { directMappingTier } from "./direct-mapping";
import { dynamicSearchTier } from "./dynamic-search";
import { fallbackScriptTier } from "./fallback-script";
import { marketplaceTier } from "./marketplace";
import { ssmParameterTier } from "./ssm-parameter";
import type { Tier } from "./tier";

/** The image tiers that look inside one region; the cross-region tier runs these in each neighbour. */
export const REGIONAL_TIERS: readonly Tier[] = [
  directMappingTier,
  catalogTier,
  ssmParameterTier,
  dynamicSearchTier,
  marketplaceTier,
];

/**
 * Every tier, in the order the engine runs them (the order of TIER_ORDER in types.ts, which names them). Adding a
 * tier: one file implementing Tier, its name in TIER_ORDER, one line here.
 */
export const TIERS: readonly Tier[] = [...REGIONAL_TIERS, crossRegionTier, fallbackScriptTier];

export { crossRegionTier, directMappingTier, dynamicSearchTier, fallbackScriptTier, marketplaceTier, ssmParameterTier };
export * from "./tier";
export { imageVersion, MARKETPLACE_OWNER_ALIAS, marketplaceQuery, carriesProductCode } from "./marketplace";
export { amiSearchQuery, createdSinceMinimum, describeSearchQuery } from "./dynamic-search";
