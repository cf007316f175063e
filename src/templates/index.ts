/** The template system: schema, loader (inheritance, legacy format, parameters), errors with positions, JSON Schema. */
export * from "./schema";
export { KNOWN_REGIONS, isKnownRegion, type Region } from "./regions";
export {
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
