import fs from "node:fs";
import path from "node:path";
import { contentProblems } from "./content";
import { checkAgainstSchema, type Problem } from "./zod-issues";
import { provisioningWarnings, regionWarnings, renderProblems, scriptPackageManagerWarnings } from "./checks";
import { takesTextAt } from "./schema-walk";
import {
  formatIssue,
  isError,
  limitIssuesPerFile,
  MAX_ISSUES_PER_FILE,
  TemplateError,
  type TemplateIssue,
} from "./errors";
import { clip } from "../core/suggest";
import { mergeTracked } from "./merge";
import { isPlainObject, toIssue, type Tracked } from "./origins";
import { findPlaceholders, resolveParameterValues, substituteParameters, undeclaredPlaceholders } from "./parameters";
import { templateSchema, type Template, type TemplateInput } from "./schema";
import {
  DEFAULT_TEMPLATES_DIR,
  displayPath,
  findParentFile,
  findParentFileByName,
  findTemplateFile,
  looksLikePath,
  notFoundMessage,
  readTemplateFile,
  templateFilesIn,
  templateNameOf,
  unique,
} from "./template-files";
import { parseYamlSource, type TemplateSource } from "./yaml-source";
import { locatedIn, prepareUnit, type TemplateUnit } from "./template-unit";
import { clearUnitsByContent, fileUnit, isSharedUnit, loaderWork, objectUnit, remember } from "./units-by-content";

// The file rules are part of the loader's API.
export { DEFAULT_TEMPLATES_DIR, findPackageRoot, MAX_TEMPLATE_FILE_BYTES } from "./template-files";

/**
 * Loads templates from files (by name or path) or objects: YAML parsing, validation with positions, inheritance,
 * the legacy `amis` key and parameters. All file access is synchronous. Every problem of every file involved is
 * collected and reported together in one TemplateError.
 */

export interface LoadOptions {
  /** Directories searched (in order) before DEFAULT_TEMPLATES_DIR, for the template and the parents it inherits. */
  templatesDirs?: string[];
  /** Values for the template's parameters, over their defaults. Strings are accepted for number and boolean parameters. */
  parameters?: Record<string, string | number | boolean>;
  /**
   * The template loaded was submitted by someone who may not read this machine's files (`POST
   * /api/v1/templates/validate`): its `inherits` may name templates found by name in `templatesDirs` and the shipped
   * templates only. A path is refused at its line without being read, and so is a name whose file is a link out of
   * its directory. The templates it reaches that way are the lab's own, and inherit as usual.
   */
  inheritByNameOnly?: boolean;
}

export interface LoadedTemplate {
  /** Merged, parameters substituted, validated, defaults applied. */
  template: Template;
  /** Absolute path of the template's file; undefined for an object. */
  file: string | undefined;
  /** Formatted like errors (`file:line:col path: message`). */
  warnings: string[];
  /** The template's name, then every template it inherits from, child first (reverse merge order). */
  chain: string[];
}

export interface TemplateSummary {
  name: string;
  file: string;
  description?: string;
  category?: string;
}

/** One template file or object, checked on its own. */

interface LoadContext {
  dirs: string[];
  units: Map<string, TemplateUnit>;
  inheritByNameOnly: boolean;
}

interface LoadResult {
  template?: Template;
  issues: TemplateIssue[];
  chain: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Public API

/**
 * A template by name (`python-ml`: `<dir>/python-ml.yml` or `.yaml`, searched in `templatesDirs` then the shipped
 * templates) or by path (anything containing "/" or ending in .yml/.yaml). Throws TemplateError with every problem.
 */
export function loadTemplate(nameOrPath: string, options: LoadOptions = {}): LoadedTemplate {
  const context = newContext(options);
  const file = looksLikePath(nameOrPath) ? path.resolve(nameOrPath) : findTemplateFile(nameOrPath, context.dirs);
  if (file === undefined || !fs.existsSync(file)) {
    throw new TemplateError([
      {
        file: nameOrPath,
        line: 0,
        column: 0,
        path: [],
        message: notFoundMessage(nameOrPath, looksLikePath(nameOrPath) ? [] : context.dirs),
      },
    ]);
  }
  return finish(load(fileUnit(file, context.units), context, options), file);
}

/** A template given as an object (from Pulumi code, say). Parents it inherits are found as for loadTemplate. */
export function loadTemplateFromObject(raw: unknown, options: LoadOptions & { source?: string } = {}): LoadedTemplate {
  const context = newContext(options);
  const source: TemplateSource = { file: options.source ?? "<inline template>" };
  return finish(load(objectUnit(raw, source), context, options), undefined);
}

/** Every error and warning of a template file (and the templates it inherits), without throwing. */
export function validateTemplateFile(
  file: string,
  options: LoadOptions = {},
): { ok: boolean; issues: TemplateIssue[]; template?: Template } {
  const absolute = path.resolve(file);
  if (!fs.existsSync(absolute)) {
    return { ok: false, issues: [{ file, line: 0, column: 0, path: [], message: notFoundMessage(file, []) }] };
  }
  const context = newContext(options);
  const result = load(fileUnit(absolute, context.units), context, options);
  return {
    ok: !result.issues.some(isError),
    issues: result.issues,
    ...(result.template ? { template: result.template } : {}),
  };
}

/** The templates in `templatesDirs` and the shipped ones; a name found in an earlier directory hides later ones. */
export function listTemplates(options: LoadOptions = {}): TemplateSummary[] {
  const seen = new Map<string, TemplateSummary>();
  for (const dir of newContext(options).dirs) {
    for (const file of templateFilesIn(dir)) {
      const name = templateNameOf(file);
      if (seen.has(name)) continue;
      const summary: TemplateSummary = { name, file };
      const read = readTemplateFile(file);
      const { value } = parseYamlSource("text" in read ? read.text : "", file);
      if (isPlainObject(value)) {
        if (typeof value.description === "string") summary.description = value.description;
        if (typeof value.category === "string") summary.category = value.category;
      }
      seen.set(name, summary);
    }
  }
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Parse and validate one YAML document on its own: no inheritance, no parameters. Checks that need the parents
 * (ami_required with no source, …) are skipped when the document inherits. Throws TemplateError.
 */
export function parseTemplateYaml(text: string, file: string): TemplateInput {
  const parsed = parseYamlSource(text, file);
  const source: TemplateSource = { file, yaml: parsed.yaml };
  const unit = parsed.issues.some(isError)
    ? { source, name: file, parents: [], issues: parsed.issues }
    : prepareUnit(parsed.value, source, templateNameOf(file), parsed.issues);
  const errors = unit.issues.filter(isError);
  if (errors.length > 0 || !unit.tracked) throw new TemplateError(errors);
  return unit.tracked.value as TemplateInput;
}

// ---------------------------------------------------------------------------------------------------------------
// Loading one template and its parents

function finish(result: LoadResult, file: string | undefined): LoadedTemplate {
  const errors = result.issues.filter(isError);
  if (errors.length > 0 || !result.template) throw new TemplateError(errors);
  return {
    template: result.template,
    file,
    warnings: result.issues.map((issue) => formatIssue({ ...issue, severity: undefined })),
    chain: result.chain,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Loads cached by content: the units merged (each cached by its content, units-by-content.ts) and the parameters.

/** A load's result, by the identities of the units merged (each identifies a file's content) and the parameters. */
const loadsByUnits = new Map<string, LoadResult>();
const unitIds = new WeakMap<TemplateUnit, number>();
let nextUnitId = 0;

/** Forgets every cached unit and load, as a new process starts. Internal. Exported for testing (a fresh provider). */
export function clearLoaderCaches(): void {
  clearUnitsByContent();
  loadsByUnits.clear();
}

function unitId(unit: TemplateUnit): number {
  let id = unitIds.get(unit);
  if (id === undefined) unitIds.set(unit, (id = nextUnitId++));
  return id;
}

function load(root: TemplateUnit, context: LoadContext, options: LoadOptions): LoadResult {
  const { order, issues: resolutionIssues } = resolveInheritance(root, context);
  // A unit not cached by content (an unreadable file, an object JSON cannot say exactly) makes the load uncacheable.
  if (resolutionIssues.length > 0 || !order.every(isSharedUnit)) {
    return loadUnits(root, order, resolutionIssues, options);
  }
  const key = `${order.map(unitId).join(",")}\u0000${JSON.stringify(sortedEntries(options.parameters))}`;
  let result = loadsByUnits.get(key);
  if (!result) remember(loadsByUnits, key, (result = loadUnits(root, order, resolutionIssues, options)));
  // Each caller gets its own template: a caller editing it must not change what the next one loads.
  return { ...result, issues: [...result.issues], template: result.template && structuredClone(result.template) };
}

function sortedEntries(parameters: LoadOptions["parameters"]): [string, unknown][] {
  return Object.entries(parameters ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** checkUnits, with at most MAX_ISSUES_PER_FILE issues per file (and how many more there were). */
function loadUnits(
  root: TemplateUnit,
  order: TemplateUnit[],
  resolutionIssues: TemplateIssue[],
  options: LoadOptions,
): LoadResult {
  loaderWork.loadsChecked++;
  const notListed = new Map<string, number>();
  const count = (file: string, more: number | undefined) => {
    if (more) notListed.set(file, (notListed.get(file) ?? 0) + more);
  };
  for (const unit of order) count(unit.source.file, unit.notListed);
  const result = checkUnits(root, order, resolutionIssues, options, (more) => count(root.source.file, more));
  return { ...result, issues: limitIssuesPerFile(result.issues, notListed) };
}

function checkUnits(
  root: TemplateUnit,
  order: TemplateUnit[],
  resolutionIssues: TemplateIssue[],
  options: LoadOptions,
  countNotListed: (more: number) => void,
): LoadResult {
  const chain = order.map((unit) => unit.name).reverse();
  const units = order.filter((unit): unit is TemplateUnit & { tracked: Tracked } => unit.tracked !== undefined);
  // Placeholders are checked in each file, to point at the line that wrote them, against every declared parameter.
  const declared = unique(
    units.flatMap((unit) =>
      isPlainObject(unit.tracked.value.parameters) ? Object.keys(unit.tracked.value.parameters) : [],
    ),
  );
  const issues = [
    ...order.flatMap((unit) => unit.issues),
    ...resolutionIssues,
    ...units.flatMap((unit) =>
      undeclaredPlaceholders(unit.tracked.value, declared).map((problem) =>
        toIssue(problem, unit.tracked.origins, unit.source),
      ),
    ),
  ];
  if (issues.some(isError) || units.length < order.length) return { issues, chain };

  const merged = units.map((unit) => unit.tracked).reduce((parent, child) => mergeTracked(parent, child));
  const located = (problems: Problem[]) => problems.map((problem) => toIssue(problem, merged.origins, root.source));

  const declarations = isPlainObject(merged.value.parameters) ? merged.value.parameters : undefined;
  const { values, problems } = resolveParameterValues(declarations, options.parameters);
  issues.push(...located(problems));
  const used = new Set(findPlaceholders(merged.value).map(({ name }) => name));
  issues.push(
    ...located(
      declared
        .filter((name) => !used.has(name))
        .map((name) => ({
          at: ["parameters", name],
          anchor: "key" as const,
          path: ["parameters", name],
          severity: "warning" as const,
          message: `parameter "${name}" is declared but no value uses {{${name}}}`,
        })),
    ),
  );
  if (issues.some(isError)) return { issues, chain };

  const substituted = substituteParameters(merged.value, values, (at) => takesTextAt(templateSchema, at));
  // Parameter values given from code can bring what no file may hold (a NUL character).
  const substitutedContent = located(contentProblems(substituted));
  if (substitutedContent.length > 0) return { issues: [...issues, ...substitutedContent], chain };
  const result = checkAgainstSchema(templateSchema, substituted, { max: MAX_ISSUES_PER_FILE });
  if (!result.success) {
    countNotListed(result.notListed);
    return { issues: [...issues, ...located(result.problems)], chain };
  }
  const rendering = located(renderProblems(result.data));
  if (rendering.length > 0) return { issues: [...issues, ...rendering], chain };
  issues.push(
    ...located(regionWarnings(result.data)),
    ...located(provisioningWarnings(result.data)),
    ...located(scriptPackageManagerWarnings(result.data)),
  );
  return { template: result.data, issues, chain };
}

/**
 * Every template `root` inherits from, in merge order: a depth-first walk of the parents, left to right, each
 * template placed after its own parents and only once (so a grandparent shared by two parents is merged once, first).
 */
function resolveInheritance(
  root: TemplateUnit,
  context: LoadContext,
): { order: TemplateUnit[]; issues: TemplateIssue[] } {
  const order: TemplateUnit[] = [];
  const issues: TemplateIssue[] = [];
  const done = new Set<TemplateUnit>();
  const visit = (unit: TemplateUnit, stack: TemplateUnit[]) => {
    stack.push(unit);
    for (const reference of unit.parents) {
      const at = (message: string) =>
        issues.push(locatedIn(unit, { at: reference.at, anchor: "value", path: reference.at, message }));
      const file =
        context.inheritByNameOnly && unit === root
          ? findParentFileByName(reference.name, context.dirs)
          : findParentFile(reference.name, unit.source.absolutePath, context.dirs);
      if (typeof file !== "string") {
        at(parentNotFoundMessage(reference.name, file));
        continue;
      }
      const parent = fileUnit(file, context.units);
      if (parent.readProblem !== undefined) {
        at(`parent template "${clip(reference.name)}" (${parent.source.file}) ${parent.readProblem}`);
        continue;
      }
      if (!parent.tracked)
        at(
          `parent template "${clip(reference.name)}" (${parent.source.file}) is not a usable template: see its errors`,
        );
      const cycleStart = stack.indexOf(parent);
      if (cycleStart >= 0) {
        const cycle = stack.slice(cycleStart);
        at(
          `inheritance cycle: ${[...cycle, parent].map((member) => member.name).join(" → ")} ` +
            `(${cycle.map((member) => `${member.name}: ${member.source.file}`).join(", ")}); remove one of these inherits`,
        );
        continue;
      }
      if (!done.has(parent)) visit(parent, stack);
    }
    stack.pop();
    done.add(unit);
    order.push(unit);
  };
  visit(root, []);
  return { order, issues };
}

function parentNotFoundMessage(
  reference: string,
  found: Exclude<ReturnType<typeof findParentFileByName> | ReturnType<typeof findParentFile>, string>,
): string {
  if ("notTemplate" in found)
    return `parent template "${clip(reference)}" is a path but not a .yml or .yaml file: inherit a template file, or name a template`;
  if ("isPath" in found)
    return (
      `parent template "${clip(reference)}" is a path, but a submitted template may inherit only templates found by ` +
      `name in the templates directories; nothing was read from that path. Write the name of a template listed by ` +
      `GET /api/v1/templates (e.g. inherits: python-ml), or validate the file on its own machine with cws template validate`
    );
  if ("outside" in found)
    return (
      `parent template "${clip(reference)}" in ${displayPath(found.outside)} is a link to a file outside that ` +
      `directory, which a submitted template may not inherit; nothing was read from it. Inherit another template`
    );
  return notFoundMessage(reference, found.searched, "parent template");
}

// ---------------------------------------------------------------------------------------------------------------
// Finding files (the file rules live in template-files.ts)

function newContext(options: LoadOptions): LoadContext {
  return {
    dirs: unique([...(options.templatesDirs ?? []).map((dir) => path.resolve(dir)), DEFAULT_TEMPLATES_DIR]),
    units: new Map(),
    inheritByNameOnly: options.inheritByNameOnly === true,
  };
}
