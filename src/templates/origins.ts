import type { TemplateIssue, TemplatePath } from "./errors";
import { locate, NO_POSITION, type Anchor, type Position, type TemplateSource } from "./yaml-source";
import type { Problem } from "./zod-issues";

/**
 * Where each value of a (possibly merged, possibly rewritten) template came from, so a problem found after
 * inheritance or normalisation is still reported at the line that wrote the value.
 */

export interface Origin {
  source: TemplateSource;
  /** The path of the value in its source document (differs from the template path after normalisation). */
  path: TemplatePath;
}

/** Template path (as `pathKey`) → origin. Every mapping, list and scalar has an entry. */
export type OriginIndex = Map<string, Origin>;

/** A template object (as written, not yet parsed by the schema) with the origin of each of its values. */
export interface Tracked {
  value: Record<string, unknown>;
  origins: OriginIndex;
}

export function pathKey(path: TemplatePath): string {
  return JSON.stringify(path);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Index every value of `value` as coming from `source`, at `sourcePathOf(path)` (identity unless rewritten). */
export function track(
  value: Record<string, unknown>,
  source: TemplateSource,
  sourcePathOf: (path: TemplatePath) => TemplatePath = (path) => path,
): Tracked {
  const origins: OriginIndex = new Map();
  const walk = (node: unknown, path: TemplatePath) => {
    origins.set(pathKey(path), { source, path: sourcePathOf(path) });
    if (Array.isArray(node)) node.forEach((item, index) => walk(item, [...path, index]));
    else if (isPlainObject(node)) for (const [key, child] of Object.entries(node)) walk(child, [...path, key]);
  };
  walk(value, []);
  return { value, origins };
}

/**
 * Copy the origins of the subtree at `from` (in `origins`, holding `value`) to `to` (in `into`). Walks `value` rather
 * than scanning every origin, so merging costs the size of what is merged (scanning made 8k tags take seconds).
 */
export function copyOrigins(
  origins: OriginIndex,
  from: TemplatePath,
  value: unknown,
  into: OriginIndex,
  to: TemplatePath,
): void {
  const walk = (node: unknown, rest: TemplatePath) => {
    const origin = origins.get(pathKey([...from, ...rest]));
    if (origin) into.set(pathKey([...to, ...rest]), origin);
    if (Array.isArray(node)) node.forEach((item, index) => walk(item, [...rest, index]));
    else if (isPlainObject(node)) for (const [key, child] of Object.entries(node)) walk(child, [...rest, key]);
  };
  walk(value, []);
}

/**
 * The file and position for `path`: its origin if it has one, else the nearest ancestor's (a missing key is
 * reported at the mapping that lacks it).
 */
export function positionOf(
  origins: OriginIndex,
  path: TemplatePath,
  anchor: Anchor,
  textLine?: number,
): (Position & { source: TemplateSource }) | undefined {
  for (let length = path.length; length >= 0; length--) {
    const origin = origins.get(pathKey(path.slice(0, length)));
    if (!origin) continue;
    const exact = length === path.length;
    const position = origin.source.yaml
      ? locate(origin.source.yaml, origin.path, exact ? anchor : "value", exact ? textLine : undefined)
      : NO_POSITION;
    return { source: origin.source, ...position };
  }
  return undefined;
}

/** Give a problem its file and position, through the origins of the template it was found in. */
export function toIssue(problem: Problem, origins: OriginIndex, fallback: TemplateSource): TemplateIssue {
  const located = positionOf(origins, problem.at, problem.anchor, problem.textLine);
  const source = located?.source ?? fallback;
  return {
    file: source.file,
    line: located?.line ?? 0,
    column: located?.column ?? 0,
    path: problem.path,
    message: problem.message,
    ...(problem.severity ? { severity: problem.severity } : {}),
  };
}
