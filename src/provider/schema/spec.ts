import { PLUGIN_PACKAGE, pluginType } from "../../dynamic/host";

/**
 * The shape of the plugin's one description table: every resource and component the `cloudworkstation` plugin
 * serves, its properties with their types and descriptions. The Pulumi package schema (`schema.json`, GetSchema) is
 * generated from it, and `construct` reads and checks component inputs by it, so the two can never disagree.
 */

/** A property's type, as the Pulumi package schema can say it in every language (no unions). */
export type PropertyType =
  | "string"
  | "integer"
  | "number"
  | "boolean"
  | "any"
  | { array: PropertyType }
  | { map: PropertyType }
  /** A named enum or object type of this package (`cloudworkstation:index:<name>`). */
  | { ref: string };

export interface PropertySpec {
  type: PropertyType;
  description: string;
  /**
   * Component inputs only: the component reads the value itself while building (a template, a size), so it must be
   * known at preview; the schema says `plain`, and construct refuses an unknown value naming the property.
   */
  plain?: boolean;
  /** Input only: a value from a secret stays secret. */
  secret?: boolean;
}

export interface ResourceSpec {
  /** `cloudworkstation:index:<name>` */
  name: string;
  description: string;
  /** A component (served by construct) rather than a custom resource (served by check/diff/create/…). */
  component: boolean;
  inputs: Record<string, PropertySpec>;
  requiredInputs: string[];
  outputs: Record<string, PropertySpec>;
  requiredOutputs: string[];
}

export interface EnumSpec {
  name: string;
  description: string;
  values: readonly string[];
}

export interface ObjectSpec {
  name: string;
  description: string;
  properties: Record<string, PropertySpec>;
  required: string[];
}

export const PACKAGE = PLUGIN_PACKAGE;

/** The type token of a resource, component, enum or object of ours: `cloudworkstation:index:<name>`. */
export const token: (name: string) => string = pluginType;

/** The token's `<name>`, or undefined for a token that is not ours. */
export function nameOfToken(type: string): string | undefined {
  const prefix = token("");
  return type.startsWith(prefix) ? type.slice(prefix.length) : undefined;
}

/** Shorthands that keep the tables readable. */
export const str = (description: string, extra: Partial<PropertySpec> = {}): PropertySpec => ({
  type: "string",
  description,
  ...extra,
});
export const int = (description: string, extra: Partial<PropertySpec> = {}): PropertySpec => ({
  type: "integer",
  description,
  ...extra,
});
export const num = (description: string): PropertySpec => ({ type: "number", description });
export const bool = (description: string, extra: Partial<PropertySpec> = {}): PropertySpec => ({
  type: "boolean",
  description,
  ...extra,
});
export const strings = (description: string, extra: Partial<PropertySpec> = {}): PropertySpec => ({
  type: { array: "string" },
  description,
  ...extra,
});
export const stringMap = (description: string, extra: Partial<PropertySpec> = {}): PropertySpec => ({
  type: { map: "string" },
  description,
  ...extra,
});
export const ref = (name: string, description: string, extra: Partial<PropertySpec> = {}): PropertySpec => ({
  type: { ref: name },
  description,
  ...extra,
});
