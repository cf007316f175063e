import { type TemplatePath } from "./errors";
import { clip } from "../core/suggest";
import { isPlainObject } from "./origins";
import { shellTextProblem } from "./render-rules";
import { MAX_NESTING_DEPTH } from "./yaml-source";
import type { Problem } from "./zod-issues";

/**
 * Checks of a template's raw content that no field schema expresses: keys JavaScript would not keep as data
 * (`__proto__` is swallowed by object assignment and would silently vanish), NUL characters (no shell word or file
 * name can hold one, so the renderer would refuse the template), and, for objects passed from code, cycles and
 * absurd nesting (files are checked for those while parsing).
 */
export function contentProblems(value: unknown): Problem[] {
  const problems: Problem[] = [];
  const open = new Set<unknown>();
  const walk = (node: unknown, path: TemplatePath): void => {
    if (typeof node === "string") {
      const problem = shellTextProblem(node);
      if (problem) problems.push({ at: path, anchor: "value", path, message: problem });
      return;
    }
    if (!Array.isArray(node) && !isPlainObject(node)) return;
    if (open.has(node)) {
      problems.push({ at: path, anchor: "value", path, message: "contains itself (a cycle); a template is a tree" });
      return;
    }
    if (path.length >= MAX_NESTING_DEPTH) {
      problems.push({
        at: path,
        anchor: "value",
        path,
        message: `nested more than ${MAX_NESTING_DEPTH} mappings or lists deep; a template is only a few levels deep`,
      });
      return;
    }
    open.add(node);
    if (Array.isArray(node)) {
      node.forEach((item, index) => walk(item, [...path, index]));
    } else {
      for (const [key, child] of Object.entries(node)) {
        const keyPath = [...path, key];
        if (key === "__proto__") {
          problems.push({
            at: keyPath,
            anchor: "key",
            path: keyPath,
            message: '"__proto__" cannot be a key: JavaScript would swallow it instead of keeping it; rename it',
          });
        } else if (shellTextProblem(key)) {
          problems.push({
            at: keyPath,
            anchor: "key",
            path: keyPath,
            message: `the key ${JSON.stringify(clip(key))} ${shellTextProblem(key) as string}`,
          });
        }
        walk(child, keyPath);
      }
    }
    open.delete(node);
  };
  walk(value, []);
  return problems;
}
