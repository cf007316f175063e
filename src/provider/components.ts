import * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import { looksLikePath } from "../templates/template-files";
import { isTemplateName, TEMPLATE_NAME_RULE } from "../templates/template-name";
import type { PropertySpec, PropertyType, ResourceSpec } from "./schema";

/**
 * `construct` for the plugin's components: the inputs a program sent, checked against the component's table in
 * schema/components.ts (an undeclared property, a wrong type or an unknown plain value is refused, never ignored),
 * then the existing component class, built in this process, whose children register with the engine as they would
 * from a TypeScript program.
 */

type Inputs = Record<string, unknown>;

/** The component classes load on first construct: a process serving only custom resources never loads @pulumi/aws. */
const BUILDERS: Record<
  string,
  (name: string, args: Inputs, opts: pulumi.ComponentResourceOptions) => pulumi.ComponentResource
> = {
  ResearchWorkstation(name, args, opts) {
    const { ResearchWorkstation } =
      require("../components/research-workstation") as typeof import("../components/research-workstation");
    const { templateName, templatePath, ...rest } = args;
    const template = templatePath !== undefined ? asPath(templatePath as string) : (templateName as string);
    return new ResearchWorkstation(name, { ...rest, template }, opts);
  },
  MultiRegionAmi(name, args, opts) {
    const { MultiRegionAmi } =
      require("../components/multi-region-ami") as typeof import("../components/multi-region-ami");
    return new MultiRegionAmi(name, args as never, opts);
  },
  LabFleet(name, args, opts) {
    const { LabFleet } = require("../components/lab-fleet") as typeof import("../components/lab-fleet");
    return new LabFleet(name, args as never, opts);
  },
};

/**
 * A templatePath the loader reads as a path even without a slash or extension. Paths stay as the program wrote
 * them: relative ones are relative to the program's directory, the plugin's working directory, and state holds no
 * path of this machine.
 */
const asPath = (file: string) => (looksLikePath(file) ? file : `./${file}`);

/** Whether `value` has the schema type `type` (enums are checked by the component against their own lists). */
function hasType(value: unknown, type: PropertyType): boolean {
  if (type === "any") return true;
  if (type === "string") return typeof value === "string";
  if (type === "integer") return Number.isInteger(value);
  if (type === "number") return typeof value === "number";
  if (type === "boolean") return typeof value === "boolean";
  if ("array" in type) return Array.isArray(value) && value.every((item) => hasType(item, type.array));
  if ("map" in type)
    return (
      Boolean(value) &&
      typeof value === "object" &&
      !Array.isArray(value) &&
      Object.values(value as Inputs).every((item) => pulumi.Output.isInstance(item) || hasType(item, type.map))
    );
  return typeof value === "string" || (Boolean(value) && typeof value === "object");
}

/** A plain input's value: the component reads it while building, so it must be known now. */
async function plainValue(value: unknown): Promise<{ known: boolean; value: unknown }> {
  if (!pulumi.Output.isInstance(value)) return { known: true, value };
  // Output has no public way to ask whether it is known; these promises are what its apply uses.
  const internal = value as unknown as { isKnown: Promise<boolean>; promise(): Promise<unknown> };
  if (!(await internal.isKnown)) return { known: false, value: undefined };
  return { known: true, value: await internal.promise() };
}

/**
 * The component's arguments from the program's inputs, every problem of them at once. Internal. Exported for
 * testing.
 */
export async function componentArgs(spec: ResourceSpec, name: string, inputs: Inputs): Promise<Inputs> {
  const errors: pulumi.InputPropertyErrorDetails[] = [];
  const args: Inputs = {};
  for (const [key, raw] of Object.entries(inputs)) {
    const property: PropertySpec | undefined = spec.inputs[key];
    if (!property) {
      errors.push({
        propertyPath: key,
        reason: `${spec.name} has no input "${key}"; its inputs are ${Object.keys(spec.inputs).join(", ")}`,
      });
      continue;
    }
    if (raw === undefined || raw === null) continue;
    if (!property.plain) {
      args[key] = raw;
      continue;
    }
    const { known, value } = await plainValue(raw);
    if (!known) {
      errors.push({
        propertyPath: key,
        reason: `must be known at preview: ${spec.name} reads it while building (give a plain value, not another resource's output)`,
      });
    } else if (value !== undefined && !hasType(value, property.type)) {
      errors.push({
        propertyPath: key,
        reason: `expected ${describeType(property.type)}, got ${JSON.stringify(value)}`,
      });
    } else if (value !== undefined) {
      args[key] = value;
    }
  }
  for (const key of spec.requiredInputs)
    if (args[key] === undefined && !errors.some((error) => error.propertyPath === key))
      errors.push({ propertyPath: key, reason: "is required" });
  if (spec.name === "ResearchWorkstation") errors.push(...templateChoiceErrors(args));
  if (errors.length)
    throw new pulumi.InputPropertiesError({
      message: `${spec.name} "${name}": ${errors.length === 1 ? "1 input is" : `${errors.length} inputs are`} wrong`,
      errors,
    });
  return args;
}

/** Exactly one of templateName and templatePath; a name is a name (a path goes in templatePath). */
function templateChoiceErrors(args: Inputs): pulumi.InputPropertyErrorDetails[] {
  const { templateName, templatePath } = args;
  if (templateName === undefined && templatePath === undefined)
    return [
      { propertyPath: "templateName", reason: "give templateName (e.g. python-ml) or templatePath (a YAML file)" },
    ];
  if (templateName !== undefined && templatePath !== undefined)
    return [{ propertyPath: "templatePath", reason: "give templateName or templatePath, not both" }];
  if (typeof templateName === "string" && !isTemplateName(templateName))
    return [
      { propertyPath: "templateName", reason: `"${templateName}": ${TEMPLATE_NAME_RULE}; a file goes in templatePath` },
    ];
  return [];
}

function describeType(type: PropertyType): string {
  if (typeof type === "string") return `a${/^[aeiou]/.test(type) ? "n" : ""} ${type}`;
  if ("array" in type) return `a list of ${describeType(type.array).replace(/^an? /, "")}s`;
  if ("map" in type) return `a map of ${describeType(type.map).replace(/^an? /, "")}s`;
  return `a ${type.ref}`;
}

/** Builds the component `spec` names and answers construct with its URN and outputs. */
export async function constructComponent(
  spec: ResourceSpec,
  name: string,
  inputs: Inputs,
  options: pulumi.ComponentResourceOptions,
): Promise<provider.ConstructResult> {
  const build = BUILDERS[spec.name];
  if (!build) throw new Error(`cloudworkstation plugin bug: no builder for component ${spec.name}`);
  const args = await componentArgs(spec, name, inputs);
  const component = build(name, args, options);
  // The component's properties named like the schema's outputs are its outputs.
  const state = Object.fromEntries(
    Object.keys(spec.outputs)
      .map((key) => [key, (component as unknown as Inputs)[key]])
      .filter(([, value]) => value !== undefined),
  );
  return { urn: component.urn, state };
}
