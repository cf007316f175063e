/**
 * The imaging engine: capture an instance as an AMI, copy it across regions, share it, and describe it as a
 * template. Plain AWS SDK (no Pulumi): the SavedTemplate/RegionalAmiCopy resources and the `cws save` / `cws ami copy`
 * / `cws ami share` commands all call these same functions.
 */
export * from "./build";
export { BUILDER_AGENT_POLICY, provisioningCheckScript, tailLines } from "./build-builder";
export * from "./build-plan";
export * from "./capture";
export * from "./cleanup";
export * from "./copy";
export * from "./errors";
export * from "./protection";
export * from "./retire";
export * from "./saved-template-yaml";
export * from "./share";
export * from "./waiters";
