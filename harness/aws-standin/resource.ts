import type { AwsSdkClients, StandinConfig } from "./context";
import { UNKNOWN } from "./context";

/**
 * One served `aws:*` resource: the properties it reads and returns (named as in @pulumi/aws's Args and State types,
 * which test/harness/aws-standin-shapes.test.ts checks with the TypeScript compiler), the properties whose change
 * replaces it (each with the rule it copies), and its create/read/update/delete against moto.
 */

/**
 * Property names, each either a scalar/list of scalars (`true`) or a nested object whose type is
 * `<module>.<Interface>` in @pulumi/aws's types/input.d.ts (inputs) and types/output.d.ts (outputs).
 */
export interface PropertyShape {
  [property: string]: true | { type: string; properties: PropertyShape };
}

export interface StandinContext {
  config: StandinConfig;
  aws: AwsSdkClients;
}

// Inputs and state arrive as untyped JSON from the engine; each resource reads only its declared properties.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Props = Record<string, any>;

export interface StandinResource {
  /** The type token, e.g. `aws:ec2/instance:Instance` (its module/file name the .d.ts the shapes come from). */
  token: string;
  /** Every input property the stand-in acts on; any other is a check failure, never silently ignored. */
  inputs: PropertyShape;
  /** Every property it returns as state. */
  outputs: PropertyShape;
  /**
   * Input properties whose change replaces the resource → where that rule comes from (the Terraform AWS provider's
   * ForceNew, which the bridged @pulumi/aws inherits).
   */
  replaceOnChange: Record<string, string>;
  /** Replacements that depend on other inputs (aws_instance's userData with userDataReplaceOnChange). */
  conditionalReplaces?(olds: Props, news: Props, changed: string[]): string[];
  /** Arrays compared as sets (Terraform TypeSet): their order is not a change. */
  sets?: string[];
  /** Whether the resource has a `region` (v7: every regional resource), filled from the provider in check. */
  regional: boolean;
  /** A name property the provider generates (`<resource name>-<7 hex>`) when not given: Pulumi's auto-naming. */
  autoName?: string;
  create(ctx: StandinContext, inputs: Props): Promise<{ id: string; outs: Props }>;
  /** The live state, or undefined when it is gone (refresh then drops it from the stack). */
  read(ctx: StandinContext, id: string, props: Props): Promise<Props | undefined>;
  /** In-place update of the changed non-replacing properties; returns the new state. */
  update(ctx: StandinContext, id: string, olds: Props, news: Props, changed: string[]): Promise<Props>;
  delete(ctx: StandinContext, id: string, props: Props): Promise<void>;
}

/** A served function (data source), e.g. `aws:ec2/getSubnet:getSubnet`. */
export interface StandinFunction {
  token: string;
  inputs: PropertyShape;
  outputs: PropertyShape;
  invoke(ctx: StandinContext, inputs: Props): Promise<Props>;
}

const same = (a: unknown, b: unknown) =>
  (typeof a === "number" || typeof b === "number") && a !== null && b !== null ? String(a) === String(b) : a === b;

/**
 * Whether the input value `wanted` is what `current` (state) holds: every property the input gives matches (the
 * state may hold more, e.g. a root device's computed volumeId). Unknown inputs never match.
 */
export function satisfies(wanted: unknown, current: unknown, asSet = false): boolean {
  if (wanted === UNKNOWN) return false;
  if (Array.isArray(wanted)) {
    const have = Array.isArray(current) ? current : [];
    if (have.length !== wanted.length) return false;
    if (!asSet) return wanted.every((item, i) => satisfies(item, have[i]));
    const unused = [...have];
    return wanted.every((item) => {
      const index = unused.findIndex((candidate) => satisfies(item, candidate));
      if (index < 0) return false;
      unused.splice(index, 1);
      return true;
    });
  }
  if (wanted && typeof wanted === "object") {
    const have = current && typeof current === "object" ? (current as Record<string, unknown>) : {};
    return Object.entries(wanted).every(([key, value]) => value === undefined || satisfies(value, have[key]));
  }
  return same(wanted, current);
}

/** The input properties of `news` that `olds` (state) does not satisfy; dropped tags count as a change. */
export function changedProperties(resource: StandinResource, olds: Props, news: Props): string[] {
  const changed = Object.keys(news).filter((key) =>
    // A map (tags, dimensions) must match exactly; a nested block only in the properties the input gives.
    resource.inputs[key] === true && isMap(news[key])
      ? !satisfies(news[key], olds[key]) || Object.keys(olds[key] ?? {}).length !== Object.keys(news[key]).length
      : !satisfies(news[key], olds[key], resource.sets?.includes(key) ?? false),
  );
  for (const key of ["tags", "volumeTags"])
    if (news[key] === undefined && olds[key] && Object.keys(olds[key]).length > 0 && key in resource.inputs)
      changed.push(key);
  return changed;
}

const isMap = (value: unknown) => Boolean(value) && typeof value === "object" && !Array.isArray(value);

/** Paths of `value` that `shape` does not declare: an input the stand-in would otherwise ignore, or a stray output. */
export function undeclaredPaths(value: Props, shape: PropertyShape, prefix = ""): string[] {
  const paths: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    if (key.startsWith("__")) continue; // engine bookkeeping (__defaults, __provider)
    const declared = shape[key];
    if (!declared) {
      paths.push(`${prefix}${key}`);
      continue;
    }
    if (declared === true || item === UNKNOWN || item === null || typeof item !== "object") continue;
    for (const [index, element] of (Array.isArray(item) ? item : [item]).entries())
      if (element && typeof element === "object" && element !== UNKNOWN)
        paths.push(
          ...undeclaredPaths(
            element,
            declared.properties,
            `${prefix}${key}${Array.isArray(item) ? `[${index}]` : ""}.`,
          ),
        );
  }
  return paths;
}
