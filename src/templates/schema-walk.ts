import type { z } from "zod";
import type { TemplatePath } from "./errors";

/**
 * Reads the zod schema as data: which keys a mapping allows at a path. Used for "did you mean" on unknown keys, so
 * suggestions always come from the schema itself and never from a hand-kept list that could drift.
 */

type Schema = z.core.$ZodType;

/** Wrappers that do not change which keys are allowed. */
function unwrap(schema: Schema): Schema {
  let current = schema;
  for (let i = 0; i < 20; i++) {
    const def = current._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
    switch (def.type) {
      case "optional":
      case "nullable":
      case "default":
      case "prefault":
      case "readonly":
      case "catch":
      case "nonoptional":
        current = def.innerType as Schema;
        break;
      case "pipe":
        current = def.in as Schema;
        break;
      case "lazy":
        current = (def.getter as () => Schema)();
        break;
      default:
        return current;
    }
  }
  return current;
}

/** Every schema a value at `path` may be checked against (more than one through unions). */
export function schemasAt(root: Schema, path: TemplatePath): Schema[] {
  let current = expand(unwrap(root));
  for (const segment of path) {
    const next: Schema[] = [];
    for (const schema of current) {
      const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
      if (def.type === "object") {
        const shape = def.shape as Record<string, Schema>;
        if (typeof segment === "string" && segment in shape) next.push(shape[segment]);
      } else if (def.type === "record") {
        next.push(def.valueType as Schema);
      } else if (def.type === "array" && typeof segment === "number") {
        next.push(def.element as Schema);
      }
    }
    current = next.flatMap((schema) => expand(unwrap(schema)));
  }
  return current;
}

function expand(schema: Schema): Schema[] {
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  if (def.type === "union") return (def.options as Schema[]).flatMap((option) => expand(unwrap(option)));
  return [schema];
}

/** The keys an object at `path` allows, in schema order; empty when there is no object schema there. */
export function allowedKeysAt(root: Schema, path: TemplatePath): string[] {
  const keys = new Set<string>();
  for (const schema of schemasAt(root, path)) {
    const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
    if (def.type === "object") for (const key of Object.keys(def.shape as object)) keys.add(key);
  }
  return [...keys];
}

/** Whether a value at `path` may be text (a string, enum or literal); true where the schema has nothing to say. */
export function takesTextAt(root: Schema, path: TemplatePath): boolean {
  const schemas = schemasAt(root, path);
  if (schemas.length === 0) return true;
  return schemas.some((schema) => {
    const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
    return def.type === "string" || def.type === "enum" || def.type === "literal" || def.type === "template_literal";
  });
}
