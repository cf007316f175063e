/**
 * CloudWorkstation: Pulumi components for research workstations on AWS, and the Universal AMI System behind them.
 *
 *   import { ResearchWorkstation } from "cloudworkstation";
 *
 * Components and dynamic resources need `@pulumi/pulumi` (and `@pulumi/aws`); the resolver and template modules
 * (also exported here) do not, and can be used from plain scripts.
 */
export {
  ResearchWorkstation,
  WorkstationArgumentsError,
  type ResearchWorkstationArgs,
} from "./components/research-workstation";
export type { DataVolumeType } from "./components/data-volume-plan";
export type { LaunchMode, ConnectionHints } from "./components/workstation-plan";
export { MultiRegionAmi, type MultiRegionAmiArgs } from "./components/multi-region-ami";
export { AmiResolution, type AmiResolutionArgs } from "./dynamic/ami-resolution";
export type { AmiFreshness } from "./dynamic/ami-resolution/freshness-line";
export { SavedTemplate, type SavedTemplateArgs } from "./dynamic/saved-template";
export { RegionalAmiCopy, type RegionalAmiCopyArgs } from "./dynamic/regional-ami-copy";
export { SavedTemplateMappings, type SavedTemplateMappingsArgs } from "./dynamic/saved-template-mappings";
export { TemplateImage, type TemplateImageArgs, type TemplateContents } from "./dynamic/template-image";
export type { RefreshMode } from "./dynamic/pinning";
export { parseFleet, type FleetEntry, type FleetDefaults, type Located } from "./components/fleet";
export {
  deployFleet,
  fleetOutputs,
  readFleet,
  type FleetOptions,
  type WorkstationSummary,
} from "./components/lab-fleet";
export type { CaptureMode, SharingOptions } from "./imaging";

export {
  loadTemplate,
  loadTemplateFromObject,
  listTemplates,
  validateTemplateFile,
  TemplateError,
  DEFAULT_TEMPLATES_DIR,
  type Template,
  type TemplateIssue,
  type TemplatePath,
  type TemplateSummary,
  type LoadOptions,
  type LoadedTemplate,
  type Architecture,
  type Size,
  type Strategy,
  type FallbackStrategy,
  type AmiConfig,
} from "./templates";
export type { YamlSource } from "./templates/yaml-source";
export { resolveAmi, createAwsClients, InvalidInputError } from "./resolver";
export type {
  ResolutionResult,
  FallbackStep,
  ResolveOptions,
  ResolutionMethod,
  StepOutcome,
  TierName,
  CopyPlan,
  CostEstimate,
  AwsClients,
  EngineOptions,
  ImageCache,
  ImageCacheOptions,
  ImageSearch,
  LookupStats,
  ImageRequirements,
  NeighbourProbe,
  NeighbourProbes,
  Tier,
  TierContext,
  TierResult,
  Selection,
} from "./resolver";
export type { AwsClientOptions } from "./core/clients";
