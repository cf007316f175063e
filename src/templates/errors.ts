import { clip, MAX_QUOTED_LENGTH } from "../core/suggest";

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

/**
 * The most issues reported for one file. A real template has a handful; a hostile or machine-made one (20,000
 * unknown keys) would otherwise cost seconds to word and bury the first problem under pages of the same one.
 */
export const MAX_ISSUES_PER_FILE = 50;

/**
 * `issues` sorted, with at most MAX_ISSUES_PER_FILE per file and, for a file with more (dropped here, or counted
 * without being worded: `notListed`), one last issue saying how many more there are, at the place and field of the
 * first one left out (or of the last one listed). That issue is an error when any issue left out was one (all of `notListed` are).
 */
export function limitIssuesPerFile(
  issues: readonly TemplateIssue[],
  notListed: ReadonlyMap<string, number> = new Map(),
): TemplateIssue[] {
  const byFile = new Map<string, TemplateIssue[]>();
  for (const file of [...issues.map((issue) => issue.file), ...notListed.keys()])
    if (!byFile.has(file)) byFile.set(file, []);
  for (const issue of sortIssues(issues)) byFile.get(issue.file)!.push(issue);
  return [...byFile].flatMap(([file, fileIssues]) => {
    const listed = fileIssues.slice(0, MAX_ISSUES_PER_FILE);
    const dropped = fileIssues.slice(MAX_ISSUES_PER_FILE);
    const countedOnly = notListed.get(file) ?? 0;
    const more = dropped.length + countedOnly;
    if (more === 0) return listed;
    const severity = countedOnly > 0 || dropped.some(isError) ? {} : { severity: "warning" as const };
    const at = dropped[0] ?? listed[listed.length - 1] ?? { line: 1, column: 1, path: [] };
    return [
      ...listed,
      {
        file,
        line: at.line,
        column: at.column,
        path: at.path,
        message:
          `… and ${more} more problem${more === 1 ? "" : "s"} in this file, not listed: at most ` +
          `${MAX_ISSUES_PER_FILE} are reported per file; fix the ones listed and validate again`,
        ...severity,
      },
    ];
  });
}
