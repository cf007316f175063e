import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from "yaml";
import type { TemplateIssue, TemplatePath } from "./errors";

/**
 * Positions in template files. The parsed YAML document is kept next to the plain object so any path in the
 * object can be turned back into the line and column a user should look at.
 */

export interface YamlSource {
  doc: Document.Parsed;
  lineCounter: LineCounter;
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

export interface ParsedYaml {
  value: unknown;
  yaml: YamlSource;
  /** Syntax errors and YAML warnings, positioned. */
  issues: TemplateIssue[];
}

/** Parse one YAML document. Syntax errors are returned as issues, never thrown. */
export function parseYamlSource(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const yaml: YamlSource = { doc, lineCounter };
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const issues: TemplateIssue[] = [
    ...doc.errors.map((error) => ({
      file,
      ...at(error.pos[0]),
      path: [],
      message: describeYamlError(error.code, error.message, text, error.pos),
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
    Alias(_, alias) {
      if (!alias.resolve(doc)) {
        issues.push({
          file,
          ...at(alias.range?.[0] ?? 0),
          path: [],
          message: `YAML alias *${alias.source} has no anchor &${alias.source} before it`,
        });
      }
    },
  });
  if (issues.some((issue) => issue.severity !== "warning")) return { value: undefined, yaml, issues };
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

function describeYamlError(code: string, message: string, text: string, pos: [number, number]): string {
  switch (code) {
    case "DUPLICATE_KEY":
      return `duplicate key "${keyTextAt(text, pos[0])}": a key may appear only once in a mapping`;
    case "TAB_AS_INDENT":
      return "YAML syntax error: tabs are not allowed for indentation; indent with spaces";
    case "MULTIPLE_DOCS":
      return "a template file holds one YAML document; remove the second `---` or split the file";
    default:
      return `YAML syntax error: ${lowerFirst(message)}`;
  }
}

/** The key written at `offset`: up to the colon that ends it, without quotes. */
function keyTextAt(text: string, offset: number): string {
  const key = /^[^:\n]*/.exec(text.slice(offset))?.[0] ?? "";
  return key.trim().replace(/^(["'])(.*)\1$/, "$2");
}

function lowerFirst(message: string): string {
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/**
 * The position of `path` in the document. When the path does not exist (a missing key), the position of the
 * deepest part that does: the mapping that lacks the key.
 */
export function locate(yaml: YamlSource, path: TemplatePath, anchor: Anchor = "value"): Position {
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
  return at(node, keyNode);
}

function resolve(doc: Document, node: Node | null | undefined): Node | null | undefined {
  return isAlias(node) ? (node.resolve(doc) ?? node) : node;
}

/** `key:` with nothing after it: the value has no text of its own, so point at the key. */
function isEmptyScalar(node: Node): boolean {
  return isScalar(node) && node.value === null && (node.range ? node.range[0] === node.range[1] : true);
}
