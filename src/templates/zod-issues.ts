import type { z } from "zod";
import { type TemplatePath } from "./errors";
import { clip, didYouMean } from "../core/suggest";
import { allowedKeysAt } from "./schema-walk";
import { MERGED_ONLY } from "./schema";
import type { Anchor } from "./yaml-source";

/**
 * zod issues → readable problems: what was expected, what was found, and where to point.
 * Schema-level messages (written next to the rule in schema.ts) win; this module words everything else.
 */

/** A problem found in a template, not yet given a file position. */
export interface Problem {
  /** What to point at: the value at this path, or (anchor "key") the key of its last segment. */
  at: TemplatePath;
  anchor: Anchor;
  /** The path shown in the message: the mapping a missing or unknown key belongs to, else `at`. */
  path: TemplatePath;
  message: string;
  severity?: "warning";
  /** For a text value written as a literal block (`|`): the line of the text (0-based) to point at. */
  textLine?: number;
  /** A check of the whole template, meaningful only after inheritance (see MERGED_ONLY in schema.ts). */
  mergedOnly?: boolean;
}

type Schema = z.core.$ZodType;
type Issue = z.core.$ZodIssue;

// Placeholders the error map leaves for problemsFromIssues, which has the context to word them.
const MISSING = "\u0000missing";
const UNION = "\u0000union";

const EXPECTED: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
  null: "nothing",
  date: "a date",
};

/** How a value found in a template reads in a message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "no value";
  if (typeof value === "string") return `the text ${JSON.stringify(clip(value))}`;
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "boolean") return `the value ${value}`;
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return typeof value;
}

function describeExpected(expected: string): string {
  return EXPECTED[expected] ?? expected;
}

function wrongType(expected: string, input: unknown): string {
  let hint = "";
  if (
    (expected === "number" || expected === "int") &&
    typeof input === "string" &&
    input.trim() !== "" &&
    !Number.isNaN(Number(input))
  ) {
    hint = "; remove the quotes";
  } else if (expected === "boolean" && typeof input === "string" && /^(true|false|yes|no|on|off)$/i.test(input)) {
    hint = "; write true or false, without quotes";
  } else if (expected === "string" && (typeof input === "number" || typeof input === "boolean")) {
    hint = "; put it in quotes to keep it as text (YAML reads 3.10 as the number 3.1)";
  } else if (expected === "array" && (typeof input === "string" || typeof input === "number")) {
    hint = `; write a list: [${JSON.stringify(input)}], or one "- item" per line`;
  } else if ((expected === "object" || expected === "record") && input === null) {
    hint = "; the key has no value: add keys under it or remove it";
  }
  return `expected ${describeExpected(expected)}, found ${describeValue(input)}${hint}`;
}

function quoteList(values: readonly unknown[]): string {
  return values.map((value) => (typeof value === "string" ? value : JSON.stringify(value))).join(", ");
}

/** The per-parse error map: zod calls it for every issue whose schema has no message of its own. */
export function templateErrorMap(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined ? MISSING : wrongType(issue.expected, issue.input);
    case "invalid_value": {
      const suggestion = typeof issue.input === "string" ? didYouMean(issue.input, issue.values.map(String)) : "";
      const expected =
        issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${quoteList(issue.values)}`;
      return `expected ${expected}, found ${describeValue(issue.input)}${suggestion}`;
    }
    case "too_small": {
      const minimum = Number(issue.minimum);
      if (issue.origin === "array")
        return minimum <= 1 ? "must list at least one item" : `must list at least ${minimum} items`;
      if (issue.origin === "string")
        return minimum <= 1 ? "must not be empty" : `must be at least ${minimum} characters long`;
      return `must be ${issue.inclusive ? "at least" : "greater than"} ${minimum}, found ${describeValue(issue.input)}`;
    }
    case "too_big": {
      const maximum = Number(issue.maximum);
      if (issue.origin === "array") return `must list at most ${maximum} items`;
      if (issue.origin === "string") return `must be at most ${maximum} characters long`;
      return `must be ${issue.inclusive ? "at most" : "less than"} ${maximum}, found ${describeValue(issue.input)}`;
    }
    case "invalid_format": {
      const found = describeValue(issue.input);
      if (issue.format === "starts_with") return `must start with "${String(issue.prefix)}", found ${found}`;
      if (issue.format === "regex") return `must match ${String(issue.pattern)}, found ${found}`;
      return `is not a valid ${issue.format}, found ${found}`;
    }
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    case "invalid_union":
      return UNION;
    case "unrecognized_keys":
      return `unknown keys: ${issue.keys.join(", ")}`;
    case "invalid_key":
      return "invalid key";
    case "invalid_element":
      return "invalid element";
    case "custom":
    default:
      return "is not valid";
  }
}

/** How many problems to word, and which of them count (the others are dropped, as the caller would drop them). */
export interface ProblemLimit {
  max: number;
  keep?: (problem: Problem) => boolean;
}

/**
 * Parse `value` with `schema`, returning the output or the problems found: every one, or with `limit` the first
 * `limit.max` kept, and how many more were found (`notListed`). Wording a problem is the costly part (a "did you
 * mean" per unknown key), so the ones over the limit are counted without being worded: a file with 20,000 unknown
 * keys costs what one with fifty does.
 */
export function checkAgainstSchema<S extends z.ZodType>(
  schema: S,
  value: unknown,
  limit?: ProblemLimit,
): { success: true; data: z.output<S> } | { success: false; problems: Problem[]; notListed: number } {
  const result = schema.safeParse(value, { error: templateErrorMap, reportInput: true });
  if (result.success) return { success: true, data: result.data };
  if (!limit) return { success: false, problems: problemsFromIssues(result.error.issues, schema), notListed: 0 };
  const keep = limit.keep ?? (() => true);
  const problems: Problem[] = [];
  let notListed = 0;
  for (const issue of result.error.issues) {
    const room = limit.max - problems.length;
    if (issue.code === "unrecognized_keys" && issue.keys.length > room) {
      // Unknown keys are always kept; those beyond the room are only counted.
      notListed += issue.keys.length - room;
      problems.push(...problemsFromIssue({ ...issue, keys: issue.keys.slice(0, room) }, schema, []));
      continue;
    }
    for (const problem of problemsFromIssue(issue, schema, []).filter(keep)) {
      if (problems.length < limit.max) problems.push(problem);
      else notListed++;
    }
  }
  return { success: false, problems, notListed };
}

/** Turn zod issues into problems; `base` is where nested issues (inside a union branch) are rooted. */
export function problemsFromIssues(issues: readonly Issue[], root: Schema, base: TemplatePath = []): Problem[] {
  return issues.flatMap((issue) => problemsFromIssue(issue, root, base));
}

function problemsFromIssue(issue: Issue, root: Schema, base: TemplatePath): Problem[] {
  const path: TemplatePath = [
    ...base,
    ...issue.path.map((segment) => (typeof segment === "number" ? segment : String(segment))),
  ];
  switch (issue.code) {
    case "unrecognized_keys": {
      const allowed = allowedKeysAt(root, path);
      return issue.keys.map((key) => ({
        at: [...path, key],
        anchor: "key" as const,
        path,
        message: unknownKeyMessage(key, allowed),
      }));
    }
    case "invalid_key": {
      const inner = issue.issues.find((nested) => !nested.message.startsWith("\u0000"));
      const key = path[path.length - 1];
      return [
        {
          at: path,
          anchor: "key",
          path: path.slice(0, -1),
          message: inner?.message ?? `invalid key "${clip(String(key))}"`,
        },
      ];
    }
    case "invalid_union":
      return unionProblems(issue, path, root);
    case "invalid_type":
      if (issue.input === undefined) {
        const parent = path.slice(0, -1);
        const key = String(path[path.length - 1]);
        return [
          {
            at: parent,
            anchor: "value",
            path: parent,
            message: issue.message === MISSING ? `${key} is required` : issue.message,
          },
        ];
      }
      return [{ at: path, anchor: "value", path, message: issue.message }];
    case "custom":
      return [
        {
          at: path,
          anchor: "value",
          path,
          message: issue.message,
          ...(issue.params?.scope === MERGED_ONLY.scope ? { mergedOnly: true } : {}),
        },
      ];
    default:
      return [{ at: path, anchor: "value", path, message: issue.message }];
  }
}

export function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const suggestion = didYouMean(key, allowed);
  const shown = clip(key);
  if (suggestion) return `unknown key "${shown}"${suggestion}`;
  return allowed.length > 0 ? `unknown key "${shown}"; allowed here: ${allowed.join(", ")}` : `unknown key "${shown}"`;
}

/**
 * A value that matched no branch of a union. When a branch accepted the value's type (a string that is not a valid
 * AMI id, say), its problems are the useful ones; when none did, say which types are allowed.
 */
function unionProblems(issue: Extract<Issue, { code: "invalid_union" }>, path: TemplatePath, root: Schema): Problem[] {
  const isTypeMismatch = (nested: Issue) => nested.code === "invalid_type" && nested.path.length === 0;
  const fitting = issue.errors.filter((branch) => branch.length > 0 && !branch.some(isTypeMismatch));
  if (fitting.length > 0) {
    const best = fitting.reduce((a, b) => (b.length < a.length ? b : a));
    return problemsFromIssues(best, root, path);
  }
  const found = describeValue(issue.input);
  if (issue.message !== UNION)
    return [{ at: path, anchor: "value", path, message: `${issue.message}, found ${found}` }];
  const expected = [
    ...new Set(
      issue.errors.flatMap((branch) =>
        branch
          .filter(isTypeMismatch)
          .map((nested) => describeExpected((nested as Extract<Issue, { code: "invalid_type" }>).expected)),
      ),
    ),
  ];
  return [
    {
      at: path,
      anchor: "value",
      path,
      message: expected.length > 0 ? `expected ${expected.join(" or ")}, found ${found}` : `is not valid: ${found}`,
    },
  ];
}
