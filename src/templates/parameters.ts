import type { TemplatePath } from "./errors";
import { isPlainObject } from "./origins";
import { didYouMean } from "../core/suggest";
import { describeValue, type Problem } from "./zod-issues";

/**
 * Template parameters: `parameters: { name: { type, default, choices } }` declares them, `{{name}}` uses them in any
 * string value. Values come from the caller (LoadOptions.parameters) over the declared defaults.
 *
 * A string that is exactly one placeholder, in a field that does not take text, becomes the parameter's value itself
 * (`root_volume_gb: "{{disk_gb}}"` becomes a number); everywhere else placeholders are replaced by the value's text. `{{…}}` that is not an identifier
 * (`{{.Names}}` in a docker format string) is left alone. The `parameters` block itself is never substituted.
 */

export type ParameterValue = string | number | boolean;
export type ParameterValues = Record<string, ParameterValue>;

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;

export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((match) => match[1]);
}

export function hasPlaceholder(value: unknown): boolean {
  return typeof value === "string" && placeholdersIn(value).length > 0;
}

/** Every placeholder in the template's strings (outside `parameters`), with the path of its string. */
export function findPlaceholders(template: Record<string, unknown>): { path: TemplatePath; name: string }[] {
  const found: { path: TemplatePath; name: string }[] = [];
  const walk = (node: unknown, path: TemplatePath) => {
    if (typeof node === "string") for (const name of placeholdersIn(node)) found.push({ path, name });
    else if (Array.isArray(node)) node.forEach((item, i) => walk(item, [...path, i]));
    else if (isPlainObject(node)) for (const [key, value] of Object.entries(node)) walk(value, [...path, key]);
  };
  for (const [key, value] of Object.entries(template)) if (key !== "parameters") walk(value, [key]);
  return found;
}

/** Placeholders naming no declared parameter, as errors at the string that uses them. */
export function undeclaredPlaceholders(template: Record<string, unknown>, declared: readonly string[]): Problem[] {
  return findPlaceholders(template)
    .filter(({ name }) => !declared.includes(name))
    .map(({ path, name }) => ({
      at: path,
      anchor: "value" as const,
      path,
      message:
        `{{${name}}} names no declared parameter${didYouMean(name, declared)}` +
        (declared.length > 0 ? ` (declared: ${declared.join(", ")})` : "; declare it under parameters:"),
    }));
}

interface Declaration {
  type: "string" | "number" | "boolean";
  default?: ParameterValue;
  choices?: (string | number)[];
}

function declarationOf(raw: unknown): Declaration {
  const entry = isPlainObject(raw) ? raw : {};
  const type = entry.type === "number" || entry.type === "boolean" ? entry.type : "string";
  const fallback = entry.default;
  return {
    type,
    default:
      typeof fallback === "string" || typeof fallback === "number" || typeof fallback === "boolean"
        ? fallback
        : undefined,
    choices: Array.isArray(entry.choices) ? (entry.choices as (string | number)[]) : undefined,
  };
}

/** A given value in the parameter's type; strings from a command line are read as numbers and booleans. */
function coerce(value: ParameterValue, type: Declaration["type"]): ParameterValue | undefined {
  if (type === "number") {
    if (typeof value === "number") return value;
    if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
    return undefined;
  }
  if (type === "boolean") {
    if (typeof value === "boolean") return value;
    if (value === "true" || value === "false") return value === "true";
    return undefined;
  }
  return typeof value === "string" ? value : undefined;
}

/**
 * The value of every declared parameter: the given one (checked against type and choices), else the default.
 * Problems point at the parameter's declaration, or at `parameters` for a value given for no declared parameter.
 */
export function resolveParameterValues(
  declarations: Record<string, unknown> | undefined,
  given: Readonly<Record<string, ParameterValue>> = {},
): { values: ParameterValues; problems: Problem[] } {
  const declared = declarations ?? {};
  const names = Object.keys(declared);
  const values: ParameterValues = {};
  const problems: Problem[] = [];
  const at = (name: string): Problem["at"] => ["parameters", name];

  for (const name of Object.keys(given)) {
    if (name in declared) continue;
    problems.push({
      at: ["parameters"],
      anchor: "key",
      path: ["parameters"],
      message:
        `a value was given for parameter "${name}", which the template does not declare${didYouMean(name, names)}` +
        (names.length > 0 ? ` (declared: ${names.join(", ")})` : " (it declares no parameters)"),
    });
  }

  for (const name of names) {
    const declaration = declarationOf(declared[name]);
    const raw = given[name];
    if (raw === undefined) {
      if (declaration.default === undefined) {
        problems.push({
          at: at(name),
          anchor: "key",
          path: at(name),
          message: `parameter "${name}" has no default and no value was given: pass one (parameters: { ${name}: … })`,
        });
      } else {
        values[name] = declaration.default;
      }
      continue;
    }
    const value = coerce(raw, declaration.type);
    if (value === undefined) {
      const article = declaration.type === "string" ? "text" : `a ${declaration.type}`;
      problems.push({
        at: at(name),
        anchor: "key",
        path: at(name),
        message: `parameter "${name}" takes ${article}, but was given ${describeValue(raw)}`,
      });
      continue;
    }
    if (declaration.choices && !declaration.choices.includes(value as string | number)) {
      const suggestion = typeof value === "string" ? didYouMean(value, declaration.choices.map(String)) : "";
      problems.push({
        at: at(name),
        anchor: "key",
        path: at(name),
        message: `parameter "${name}" must be one of ${declaration.choices.join(", ")}, but was given ${describeValue(raw)}${suggestion}`,
      });
      continue;
    }
    values[name] = value;
  }
  return { values, problems };
}

/**
 * The template with every placeholder replaced. Same shape (so origins still apply); inputs untouched.
 * `takesText(path)` says whether the field at `path` accepts text (default: every field does).
 */
export function substituteParameters(
  template: Record<string, unknown>,
  values: ParameterValues,
  takesText: (path: TemplatePath) => boolean = () => true,
): Record<string, unknown> {
  const replace = (node: unknown, path: TemplatePath): unknown => {
    if (typeof node === "string") {
      const whole = WHOLE_PLACEHOLDER.exec(node);
      if (whole && whole[1] in values && !takesText(path)) return values[whole[1]];
      return node.replace(PLACEHOLDER, (text, name: string) => (name in values ? String(values[name]) : text));
    }
    if (Array.isArray(node)) return node.map((item, i) => replace(item, [...path, i]));
    if (isPlainObject(node))
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, replace(value, [...path, key])]));
    return node;
  };
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) => [key, key === "parameters" ? value : replace(value, [key])]),
  );
}
