/** A path into a template: keys of mappings and indexes of lists, e.g. `["ami_config", "ami_search", "owners"]`. */
export type TemplatePath = (string | number)[];

/**
 * One problem found in a template, where it is and what to do about it.
 *
 * `line` and `column` are 1-based positions in `file`. They are 0 when the template has no source text to point
 * into (an object passed from code, or a file that could not be found).
 */
export interface TemplateIssue {
  /** The file as the user would type it: relative to the working directory when inside it. */
  file: string;
  line: number;
  column: number;
  /** The mapping or value the message is about. For a missing key this is the mapping that lacks it. */
  path: TemplatePath;
  message: string;
  /** Absent means "error". */
  severity?: "error" | "warning";
}

/** Every error found in a template (and the templates it inherits), reported together. */
export class TemplateError extends Error {
  readonly issues: TemplateIssue[];

  constructor(issues: TemplateIssue[]) {
    const sorted = sortIssues(issues);
    super(sorted.map(formatIssue).join("\n"));
    this.name = "TemplateError";
    this.issues = sorted;
  }
}

/** Longest key or value quoted whole in a message; longer ones are cut (a 100k-character key is not worth echoing). */
export const MAX_QUOTED_LENGTH = 60;

/** `text` itself when short, else its first MAX_QUOTED_LENGTH characters and `…(N chars)`. */
export function clip(text: string): string {
  return text.length <= MAX_QUOTED_LENGTH ? text : `${text.slice(0, MAX_QUOTED_LENGTH)}…(${text.length} chars)`;
}

/** `ami_config.ami_search`, `services[0].port`, `ami_config.ami_mappings["us-east-1"]` when a key is not a plain word. */
export function formatPath(path: TemplatePath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (segment.length > MAX_QUOTED_LENGTH) out += `[${JSON.stringify(clip(segment))}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * `templates/python-ml.yml:12:5 ami_config.ami_search: owners is required (…)`.
 * Without a position (objects, missing files) it is `file: path: message`; the path is left out when the issue is
 * about the whole template, and warnings say so after the path.
 */
export function formatIssue(issue: TemplateIssue): string {
  const location = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : `${issue.file}:`;
  const path = formatPath(issue.path);
  const warning = issue.severity === "warning" ? "warning: " : "";
  return `${location} ${path === "" ? "" : `${path}: `}${warning}${issue.message}`;
}

export function isError(issue: TemplateIssue): boolean {
  return issue.severity !== "warning";
}

/** Grouped by file (in order of first appearance), then by position; issues without a position come first. */
export function sortIssues(issues: readonly TemplateIssue[]): TemplateIssue[] {
  const fileOrder = new Map<string, number>();
  for (const issue of issues) if (!fileOrder.has(issue.file)) fileOrder.set(issue.file, fileOrder.size);
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort(
      (a, b) =>
        (fileOrder.get(a.issue.file) ?? 0) - (fileOrder.get(b.issue.file) ?? 0) ||
        a.issue.line - b.issue.line ||
        a.issue.column - b.issue.column ||
        a.index - b.index,
    )
    .map(({ issue }) => issue);
}
