import { COMPONENT_SPECS } from "./components";
import { CUSTOM_RESOURCE_SPECS } from "./custom-resources";
import { PACKAGE, token, type EnumSpec, type PropertySpec, type PropertyType, type ResourceSpec } from "./spec";
import { ENUM_SPECS, OBJECT_SPECS } from "./types";

export { COMPONENT_SPECS } from "./components";
export { CUSTOM_RESOURCE_SPECS } from "./custom-resources";
export { nameOfToken, PACKAGE, token, type PropertySpec, type PropertyType, type ResourceSpec } from "./spec";
export { ENUM_SPECS, OBJECT_SPECS } from "./types";

/** Every resource and component the plugin serves, by type token. */
export const RESOURCE_SPECS: ReadonlyMap<string, ResourceSpec> = new Map(
  [...CUSTOM_RESOURCE_SPECS, ...COMPONENT_SPECS].map((spec) => [token(spec.name), spec]),
);

type Json = Record<string, unknown>;

function typeJson(type: PropertyType): Json {
  if (type === "any") return { $ref: "pulumi.json#/Any" };
  if (typeof type === "string") return { type };
  if ("array" in type) return { type: "array", items: typeJson(type.array) };
  if ("map" in type) return { type: "object", additionalProperties: typeJson(type.map) };
  return { $ref: `#/types/${token(type.ref)}` };
}

function propertiesJson(properties: Record<string, PropertySpec>, asInputs: boolean): Json {
  return Object.fromEntries(
    Object.entries(properties).map(([key, spec]) => [
      key,
      {
        ...typeJson(spec.type),
        description: spec.description,
        ...(asInputs && spec.plain ? { plain: true } : {}),
        ...(spec.secret ? { secret: true } : {}),
      },
    ]),
  );
}

/** An enum value's name in generated SDKs: `GPU-S` → `GpuS`, `no-reboot` → `NoReboot`, `x86_64` → `X86_64`. */
export function enumValueName(value: string): string {
  const parts = value.split(/[-_]/);
  return parts
    .map((part, index) => {
      const word = part.charAt(0).toUpperCase() + part.slice(1).toLowerCase();
      return index > 0 && /^\d/.test(part) ? `_${word}` : word;
    })
    .join("");
}

function enumJson(spec: EnumSpec): Json {
  return {
    type: "string",
    description: spec.description,
    enum: spec.values.map((value) => ({ name: enumValueName(value), value })),
  };
}

// The engine leaves empty lists out when it re-serializes a schema (GetSchema); so does the file, so the two agree.
const nonEmpty = (key: string, list: readonly string[]): Json => (list.length ? { [key]: list } : {});

function resourceJson(spec: ResourceSpec): Json {
  return {
    description: spec.description,
    ...(spec.component ? { isComponent: true } : {}),
    inputProperties: propertiesJson(spec.inputs, true),
    ...nonEmpty("requiredInputs", spec.requiredInputs),
    properties: propertiesJson(spec.outputs, false),
    ...nonEmpty("required", spec.requiredOutputs),
  };
}

/** The Pulumi package schema of the plugin at `version` (what GetSchema answers and schema.json holds). */
export function providerSchema(version: string): Json {
  return {
    name: PACKAGE,
    displayName: "CloudWorkstation",
    version,
    description:
      "Research cloud workstations on AWS: ResearchWorkstation, MultiRegionAmi and LabFleet components, and the " +
      "AmiResolution, SavedTemplate, RegionalAmiCopy, SavedTemplateMappings and TemplateImage resources.",
    keywords: ["pulumi", "aws", "workstation", "ami", "kind/component", "category/cloud"],
    license: "Apache-2.0",
    publisher: "CloudWorkstation",
    meta: { moduleFormat: "(.*)" },
    language: {
      nodejs: { packageName: PACKAGE, respectSchemaVersion: true },
      python: { packageName: "pulumi_cloudworkstation", respectSchemaVersion: true, pyproject: { enabled: true } },
      go: {
        importBasePath: "github.com/cloudworkstation/cloudworkstation/sdk/go/cloudworkstation",
        respectSchemaVersion: true,
      },
    },
    // No provider configuration; the engine writes this empty object back when it re-serializes the schema.
    config: {},
    provider: {
      description: "The CloudWorkstation provider. It takes no configuration: every resource names its region.",
    },
    types: Object.fromEntries([
      ...ENUM_SPECS.map((spec) => [token(spec.name), enumJson(spec)]),
      ...OBJECT_SPECS.map((spec) => [
        token(spec.name),
        {
          type: "object",
          description: spec.description,
          properties: propertiesJson(spec.properties, false),
          ...nonEmpty("required", spec.required),
        },
      ]),
    ]),
    resources: Object.fromEntries([...RESOURCE_SPECS].map(([type, spec]) => [type, resourceJson(spec)])),
  };
}

/** schema.json's exact text: 2-space JSON and a final newline. */
export function renderProviderSchema(version: string): string {
  return `${JSON.stringify(providerSchema(version), null, 2)}\n`;
}
