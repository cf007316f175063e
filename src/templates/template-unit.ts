import path from "node:path";
import { contentProblems } from "./content";
import { checkAgainstSchema, type Problem } from "./zod-issues";
import { MAX_ISSUES_PER_FILE, type TemplateIssue, type TemplatePath } from "./errors";
import { normaliseLegacyAmis } from "./legacy";
import { isPlainObject, toIssue, track, type Tracked } from "./origins";
import { hasPlaceholder } from "./parameters";
import { templateFileSchema } from "./schema";
import { describeKind, templateNameOf } from "./template-files";
import { locate, NO_POSITION, type TemplateSource } from "./yaml-source";

/**
 * One template on its own, before inheritance: normalised (legacy keys), validated at its own positions, its
 * parents read from `inherits`. The loader caches units by content and merges them.
 */

export interface TemplateUnit {
  source: TemplateSource;
  name: string;
  /** Absent when the source could not be used at all (syntax error, not a mapping). */
  tracked?: Tracked;
  parents: { name: string; at: TemplatePath }[];
  issues: TemplateIssue[];
  /** Why the file could not be read at all (not a regular file, too large, unreadable); its issues say the same. */
  readProblem?: string;
  /** Schema problems found beyond MAX_ISSUES_PER_FILE, counted but not worded (see limitIssuesPerFile). */
  notListed?: number;
}

/** Normalise and validate one template on its own, and read what it inherits. */
export function prepareUnit(
  raw: unknown,
  source: TemplateSource,
  fallbackName: string,
  earlier: TemplateIssue[],
): TemplateUnit {
  if (!isPlainObject(raw)) {
    const message =
      raw === undefined || raw === null
        ? "the template is empty: write a YAML mapping that starts with name: …"
        : `a template is a mapping of keys (name:, description:, …), but this is ${describeKind(raw)}`;
    return {
      source,
      name: fallbackName,
      parents: [],
      issues: [...earlier, locatedIn({ source }, { at: [], anchor: "value", path: [], message })],
    };
  }
  // Cycles and deep nesting (objects from code) stop here: every later step walks the whole value.
  const content = contentProblems(raw).map((problem) => locatedIn({ source }, problem));
  if (content.some((issue) => /cycle|nested more than/.test(issue.message))) {
    return { source, name: fallbackName, parents: [], issues: [...earlier, ...content] };
  }
  const { value, sourcePathOf, warnings } = normaliseLegacyAmis(raw);
  const tracked = track(value, source, sourcePathOf);
  const inherits = value.inherits;
  const result = checkAgainstSchema(templateFileSchema, value, {
    max: MAX_ISSUES_PER_FILE,
    keep: (problem) =>
      !(problem.mergedOnly && inherits !== undefined) &&
      // A value written with a placeholder is checked once the parameters are substituted.
      !(problem.anchor === "value" && hasPlaceholder(valueAt(value, problem.at))),
  });
  const problems = result.success ? [] : result.problems;
  const issues = [
    ...earlier,
    ...content,
    ...warnings.map((warning) => locatedIn({ source }, warning)),
    ...problems.map((problem) => toIssue(problem, tracked.origins, source)),
  ];

  const name = typeof value.name === "string" ? value.name : fallbackName;
  if (source.absolutePath && typeof value.name === "string" && value.name !== templateNameOf(source.absolutePath)) {
    issues.push(
      locatedIn(
        { source },
        {
          at: ["name"],
          anchor: "value",
          path: ["name"],
          severity: "warning",
          message: `name "${value.name}" differs from the file name ${path.basename(source.absolutePath)}: templates are found and inherited by file name`,
        },
      ),
    );
  }
  const parents =
    typeof inherits === "string"
      ? [{ name: inherits, at: ["inherits"] }]
      : Array.isArray(inherits)
        ? inherits.flatMap((entry, i) =>
            typeof entry === "string" && entry !== "" ? [{ name: entry, at: ["inherits", i] }] : [],
          )
        : [];
  const notListed = result.success ? 0 : result.notListed;
  return { source, name, tracked, parents, issues, ...(notListed > 0 ? { notListed } : {}) };
}

export function locatedIn(unit: { source: TemplateSource }, problem: Problem): TemplateIssue {
  const position = unit.source.yaml
    ? locate(unit.source.yaml, problem.at, problem.anchor, problem.textLine)
    : NO_POSITION;
  return {
    file: unit.source.file,
    ...position,
    path: problem.path,
    message: problem.message,
    ...(problem.severity ? { severity: problem.severity } : {}),
  };
}

function valueAt(value: unknown, at: TemplatePath): unknown {
  let node = value;
  for (const segment of at) {
    if (!(Array.isArray(node) || isPlainObject(node))) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}
