import {
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
} from "yaml";
import { type TemplateIssue, type TemplatePath } from "./errors";
import { clip } from "../core/suggest";

/**
 * Positions in template files. The parsed YAML document is kept next to the plain object so any path in the
 * object can be turned back into the line and column a user should look at.
 */

export interface YamlSource {
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The document's text, to point at a line inside a block of text (`user_data: |`). */
  text: string;
}

/** Where a template came from: a file (with its YAML, for positions) or an object passed from code. */
export interface TemplateSource {
  /** As shown in messages: relative to the working directory when inside it, else absolute; or a label for objects. */
  file: string;
  /** Absent for objects passed from code. */
  absolutePath?: string;
  yaml?: YamlSource;
}

/** Point at the key of the last path segment (unknown and invalid keys) or at its value (everything else). */
export type Anchor = "value" | "key";

export interface Position {
  line: number;
  column: number;
}

export const NO_POSITION: Position = { line: 0, column: 0 };

/** Deepest nesting of mappings and lists a template may have; real templates use five or six levels. */
export const MAX_NESTING_DEPTH = 64;

export interface ParsedYaml {
  value: unknown;
  yaml: YamlSource;
  /** Syntax errors and YAML warnings, positioned. */
  issues: TemplateIssue[];
}

/** Parse one YAML document. Syntax errors are returned as issues, never thrown. */
export function parseYamlSource(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // uniqueKeys: the library compares each key with every earlier one (quadratic: seconds for 8k tags); the visit below
  // finds duplicates with one set per mapping, and gives them their path.
  // logLevel "error": problems are reported as issues, never printed by the library as warnings; "silent" would also
  // drop the error for a second document (`---` and another template), which would then be ignored without a word.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, logLevel: "error" });
  const yaml: YamlSource = { doc, lineCounter, text };
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const issues: TemplateIssue[] = [
    ...doc.errors.map((error) => ({
      file,
      ...at(error.pos[0]),
      path: [],
      message: describeYamlError(error.code, error.message),
    })),
    ...doc.warnings.map((warning) => ({
      file,
      ...at(warning.pos[0]),
      path: [],
      message: `YAML: ${lowerFirst(warning.message)}`,
      severity: "warning" as const,
    })),
  ];
  visit(doc, {
    Map(_, map, ancestors) {
      const keys = new Set<string>();
      for (const pair of map.items) {
        if (isCollection(pair.key)) {
          issues.push({
            file,
            ...at(pair.key.range?.[0] ?? 0),
            path: templatePathOf(ancestors, map),
            message: "a key must be plain text, not a mapping or list (YAML's `? [a, b]` keys): write the key as text",
          });
          continue;
        }
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (!keys.has(key)) {
          keys.add(key);
          continue;
        }
        issues.push({
          file,
          ...at(pair.key.range?.[0] ?? 0),
          path: templatePathOf(ancestors, map).concat(key),
          message: `duplicate key "${clip(key)}": a key may appear only once in a mapping`,
        });
      }
    },
    Alias(_, alias, ancestors) {
      const target = alias.resolve(doc);
      if (!target) {
        issues.push({
          file,
          ...at(alias.range?.[0] ?? 0),
          path: templatePathOf(ancestors, alias),
          message: `YAML alias *${clip(alias.source)} has no anchor &${clip(alias.source)} before it`,
        });
      } else if (ancestors.includes(target)) {
        // `tags: &a {x: *a}` is an infinite value: every walk over it would recurse until the stack overflows.
        issues.push({
          file,
          ...at(alias.range?.[0] ?? 0),
          path: templatePathOf(ancestors, alias),
          message:
            `YAML alias *${clip(alias.source)} is inside the value its anchor &${clip(alias.source)} names, ` +
            "so the value would contain itself forever; write the values out instead of the alias",
        });
      }
    },
  });
  if (issues.some((issue) => issue.severity !== "warning")) return { value: undefined, yaml, issues };
  const tooDeep = firstTooDeep(doc);
  if (tooDeep) {
    return {
      value: undefined,
      yaml,
      issues: [
        ...issues,
        {
          file,
          ...at(tooDeep.offset),
          path: tooDeep.path,
          message: `nested more than ${MAX_NESTING_DEPTH} mappings or lists deep; a template is only a few levels deep`,
        },
      ],
    };
  }
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }), yaml, issues };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      value: undefined,
      yaml,
      issues: [...issues, { file, line: 1, column: 1, path: [], message: `YAML: ${lowerFirst(message)}` }],
    };
  }
}

function describeYamlError(code: string, message: string): string {
  switch (code) {
    case "TAB_AS_INDENT":
      return "YAML syntax error: tabs are not allowed for indentation; indent with spaces";
    case "MULTIPLE_DOCS":
      return "a template file holds one YAML document; remove the second `---` or split the file";
    default:
      return `YAML syntax error: ${lowerFirst(message)}`;
  }
}

/** The template path of the node below `ancestors` (as `visit` gives them): keys of pairs, indexes in lists. */
function templatePathOf(ancestors: readonly unknown[], node?: unknown): TemplatePath {
  const chain = node === undefined ? ancestors : [...ancestors, node];
  const path: TemplatePath = [];
  chain.forEach((ancestor, i) => {
    if (isPair(ancestor)) {
      if (isScalar(ancestor.key)) path.push(String(ancestor.key.value));
    } else if (isSeq(ancestor) && i + 1 < chain.length) {
      const index = ancestor.items.indexOf(chain[i + 1] as never);
      if (index >= 0) path.push(index);
    }
  });
  return path;
}

/**
 * Where the document nests deeper than MAX_NESTING_DEPTH, found without recursion (deep input is the threat). Heights
 * are memoised per node, so aliases count at every place they are used without being walked again.
 */
function firstTooDeep(doc: Document): { offset: number; path: TemplatePath } | undefined {
  type Child = { node: Node; segment: string | number };
  const childrenOf = (node: Node): Child[] => {
    if (isMap(node)) {
      return node.items.flatMap((pair) => {
        const value = resolve(doc, pair.value as Node | null);
        return isCollection(value) ? [{ node: value, segment: isScalar(pair.key) ? String(pair.key.value) : "?" }] : [];
      });
    }
    if (isSeq(node)) {
      return node.items.flatMap((item, index) => {
        const value = resolve(doc, item as Node | null);
        return isCollection(value) ? [{ node: value, segment: index }] : [];
      });
    }
    return [];
  };
  const root = resolve(doc, doc.contents);
  if (!isCollection(root)) return undefined;
  const height = new Map<Node, number>();
  const stack: { node: Node; expanded: boolean }[] = [{ node: root, expanded: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (height.has(top.node)) {
      stack.pop();
    } else if (!top.expanded) {
      top.expanded = true;
      for (const child of childrenOf(top.node))
        if (!height.has(child.node)) stack.push({ node: child.node, expanded: false });
    } else {
      stack.pop();
      height.set(top.node, 1 + Math.max(0, ...childrenOf(top.node).map((child) => height.get(child.node) ?? 0)));
    }
  }
  if ((height.get(root) ?? 0) <= MAX_NESTING_DEPTH) return undefined;
  let node: Node = root;
  const path: TemplatePath = [];
  while (path.length < MAX_NESTING_DEPTH) {
    const deepest: Child | undefined = childrenOf(node).reduce<Child | undefined>(
      (best, child) => ((height.get(child.node) ?? 0) > (best ? (height.get(best.node) ?? 0) : -1) ? child : best),
      undefined,
    );
    if (!deepest) break;
    node = deepest.node;
    path.push(deepest.segment);
  }
  return { offset: node.range?.[0] ?? 0, path };
}

function lowerFirst(message: string): string {
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/**
 * The position of `path` in the document. When the path does not exist (a missing key), the position of the
 * deepest part that does: the mapping that lacks the key. With `textLine`, the position of that line (0-based) of
 * the text value at `path` when it is a literal block (`|`), where each line of the text is a line of the file.
 */
export function locate(yaml: YamlSource, path: TemplatePath, anchor: Anchor = "value", textLine?: number): Position {
  const { doc, lineCounter } = yaml;
  const at = (node: Node | null | undefined, fallback?: Node): Position => {
    const target = node && !isEmptyScalar(node) ? node : fallback;
    if (!target?.range) return { line: 1, column: 1 };
    const { line, col } = lineCounter.linePos(target.range[0]);
    return { line, column: col };
  };

  let node = resolve(doc, doc.contents);
  let keyNode: Node | undefined;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      if (i === path.length - 1 && anchor === "key") return at(pair.key as Node);
      keyNode = pair.key as Node;
      node = resolve(doc, pair.value as Node | null);
    } else if (isSeq(node) && typeof segment === "number" && segment < node.items.length) {
      keyNode = undefined;
      node = resolve(doc, node.items[segment] as Node | null);
    } else {
      break;
    }
  }
  if (textLine !== undefined && isScalar(node) && node.type === "BLOCK_LITERAL" && node.range) {
    const line = lineCounter.linePos(node.range[0]).line + 1 + textLine;
    const start = lineCounter.lineStarts[line - 1];
    if (start !== undefined) {
      const indent = /^[ ]*/.exec(yaml.text.slice(start, start + 200))![0].length;
      return { line, column: indent + 1 };
    }
  }
  return at(node, keyNode);
}

function resolve(doc: Document, node: Node | null | undefined): Node | null | undefined {
  return isAlias(node) ? (node.resolve(doc) ?? node) : node;
}

/** `key:` with nothing after it: the value has no text of its own, so point at the key. */
function isEmptyScalar(node: Node): boolean {
  return isScalar(node) && node.value === null && (node.range ? node.range[0] === node.range[1] : true);
}
