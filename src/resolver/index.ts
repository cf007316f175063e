/**
 * The Universal AMI System's public surface: `resolveAmi` and everything other layers (dynamic providers,
 * components, CLI) need from the resolver. No `@pulumi/*` import anywhere below this folder.
 */
export {
  resolveAmi,
  chooseArchitecture,
  parseDuration,
  formatDuration,
  DEFAULT_FALLBACK_TIMEOUT,
  DEFAULT_SCRIPT_TIER_TIMEOUT_MS,
} from "./engine";
export type { EngineOptions } from "./engine";
export { ImageCache, defaultImageCache, DEFAULT_CACHE_TTL_MS } from "../core/image-cache";
export * from "../core/aws-errors";
export type { ImageCacheOptions, ImageSearch, LookupStats } from "../core/image-cache";
export {
  validateImage,
  ownerIsTrusted,
  isDeprecated,
  compareNewestFirst,
  snapshotGigabytes,
  normaliseArchitecture,
} from "./validate-image";
export type { ImageRequirements, ImageVerdict } from "./validate-image";
export { REGION_FALLBACKS, regionFallbacks, crossRegionSearchOrder } from "./regions-fallback";
export {
  TIERS,
  REGIONAL_TIERS,
  directMappingTier,
  ssmParameterTier,
  dynamicSearchTier,
  marketplaceTier,
  crossRegionTier,
  fallbackScriptTier,
  imageVersion,
  MARKETPLACE_OWNER_ALIAS,
} from "./tiers";
export type { NeighbourProbe, NeighbourProbes, Tier, TierContext, TierResult, Selection } from "./tiers";
export { BASE_PUBLISHERS } from "./tiers/fallback-script";
export * from "./types";
export * from "../core/errors";
export * from "../core/clients";
export * from "./instance-families";
export * from "./instance-types";
export * from "./cost";
export * from "./user-data";
export * from "./base-images";
