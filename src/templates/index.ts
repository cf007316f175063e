/** The template system: schema, loader (inheritance, legacy format, parameters), errors with positions, JSON Schema. */
export * from "./schema";
export * from "./schema-ami-sources";
export { DURATION_PATTERN, MAX_FALLBACK_TIMEOUT, OWNER_ALIASES, durationMs } from "./schema-fields";
export {
  isTemplateName,
  TEMPLATE_NAME_MAX_LENGTH,
  TEMPLATE_NAME_PATTERN,
  TEMPLATE_NAME_RULE,
  TEMPLATE_REFERENCE_PATTERN,
} from "./template-name";
export {
  KNOWN_REGIONS,
  checkRegionName,
  isKnownRegion,
  isWellFormedRegion,
  type Region,
  type RegionCheck,
} from "../core/regions";
export {
  INSTANCE_FAMILY_PATTERN,
  INSTANCE_ID_PATTERN,
  INSTANCE_TYPE_PATTERN,
  REGION_NAME_PATTERN,
  SNAPSHOT_ID_PATTERN,
  isAccountId,
  isAmiId,
  isInstanceId,
  isInstanceType,
  isSnapshotId,
} from "../core/aws-ids";
export {
  BASE_PUBLISHER,
  MARKETPLACE_OWNER_ALIAS,
  PUBLISHERS,
  STOCK_OS_ACCOUNTS,
  publisherOf,
  type Publisher,
} from "./publishers";
export {
  BASE_PACKAGE_MANAGER,
  DEFAULT_BASE,
  commandArgumentProblem,
  packageManagerProblem,
  shellTextProblem,
  userDataProblem,
} from "./render-rules";
export {
  MAX_ISSUES_PER_FILE,
  TemplateError,
  formatIssue,
  formatPath,
  isError,
  sortIssues,
  type TemplateIssue,
  type TemplatePath,
} from "./errors";
export {
  DEFAULT_TEMPLATES_DIR,
  MAX_TEMPLATE_FILE_BYTES,
  findPackageRoot,
  listTemplates,
  loadTemplate,
  loadTemplateFromObject,
  parseTemplateYaml,
  validateTemplateFile,
  type LoadedTemplate,
  type LoadOptions,
  type TemplateSummary,
} from "./loader";
export { templateJsonSchema, TEMPLATE_SCHEMA_ID } from "./json-schema";
