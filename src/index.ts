/**
 * CloudWorkstation: Pulumi components for research workstations on AWS, and the Universal AMI System behind them.
 *
 *   import { ResearchWorkstation } from "cloudworkstation";
 *
 * Components and dynamic resources need `@pulumi/pulumi` (and `@pulumi/aws`); the resolver and template modules
 * (also exported here) do not, and can be used from plain scripts.
 */
export { ResearchWorkstation, type ResearchWorkstationArgs } from "./components/research-workstation";
export { MultiRegionAmi, type MultiRegionAmiArgs } from "./components/multi-region-ami";
export { AmiResolution, type AmiResolutionArgs } from "./dynamic/ami-resolution";
export { SavedTemplate, type SavedTemplateArgs } from "./dynamic/saved-template";
export { RegionalAmiCopy, type RegionalAmiCopyArgs } from "./dynamic/regional-ami-copy";
export { SavedTemplateMappings, type SavedTemplateMappingsArgs } from "./dynamic/saved-template-mappings";
export { parseFleet, type FleetEntry } from "./components/fleet";
export { deployFleet, fleetOutputs, readFleet } from "./components/lab-fleet";

export {
  loadTemplate,
  loadTemplateFromObject,
  listTemplates,
  validateTemplateFile,
  TemplateError,
  DEFAULT_TEMPLATES_DIR,
  type Template,
} from "./templates";
export { resolveAmi, createAwsClients, InvalidInputError } from "./resolver";
export type { ResolutionResult, FallbackStep, ResolveOptions, ResolutionMethod } from "./resolver";
