import fs from "node:fs";
import path from "node:path";
import { contentProblems } from "./content";
import { checkAgainstSchema, type Problem } from "./zod-issues";
import { provisioningWarnings, regionWarnings, renderProblems } from "./checks";
import { takesTextAt } from "./schema-walk";
import { clip, formatIssue, isError, TemplateError, type TemplateIssue, type TemplatePath } from "./errors";
import { normaliseLegacyAmis } from "./legacy";
import { mergeTracked } from "./merge";
import { isPlainObject, toIssue, track, type Tracked } from "./origins";
import {
  findPlaceholders,
  hasPlaceholder,
  resolveParameterValues,
  substituteParameters,
  undeclaredPlaceholders,
} from "./parameters";
import { templateFileSchema, templateSchema, type Template, type TemplateInput } from "./schema";
import { didYouMean } from "./suggest";
import { locate, NO_POSITION, parseYamlSource, type TemplateSource } from "./yaml-source";

/**
 * Loads templates from files (by name or path) or objects: YAML parsing, validation with positions, inheritance,
 * the legacy `amis` key and parameters. All file access is synchronous. Every problem of every file involved is
 * collected and reported together in one TemplateError.
 */

const PACKAGE_NAME = "cloudworkstation";
const TEMPLATE_EXTENSIONS = [".yml", ".yaml"];

/** The largest template file read (1 MiB): real templates are a few KiB; this keeps `/dev/zero`-like input out. */
export const MAX_TEMPLATE_FILE_BYTES = 1024 * 1024;

/**
 * The nearest directory at or above `start` holding this package's package.json. Walking up (instead of a fixed
 * `../..`) finds the same root from src/templates (tsx) and from dist/src/templates (compiled).
 */
export function findPackageRoot(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    try {
      if (
        fs.existsSync(manifest) &&
        (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: unknown }).name === PACKAGE_NAME
      )
        return dir;
    } catch {
      // An unreadable or malformed package.json is not ours; keep walking.
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The templates shipped with the package: `<package root>/templates`. */
export const DEFAULT_TEMPLATES_DIR: string = path.join(
  findPackageRoot(__dirname) ?? path.resolve(__dirname, "..", ".."),
  "templates",
);

export interface LoadOptions {
  /** Directories searched (in order) before DEFAULT_TEMPLATES_DIR, for the template and the parents it inherits. */
  templatesDirs?: string[];
  /** Values for the template's parameters, over their defaults. Strings are accepted for number and boolean parameters. */
  parameters?: Record<string, string | number | boolean>;
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
interface TemplateUnit {
  source: TemplateSource;
  name: string;
  /** Absent when the source could not be used at all (syntax error, not a mapping). */
  tracked?: Tracked;
  parents: { name: string; at: TemplatePath }[];
  issues: TemplateIssue[];
  /** Why the file could not be read at all (not a regular file, too large, unreadable); its issues say the same. */
  readProblem?: string;
}

interface LoadContext {
  dirs: string[];
  units: Map<string, TemplateUnit>;
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
  return finish(load(fileUnit(file, context), context, options), file);
}

/** A template given as an object (from Pulumi code, say). Parents it inherits are found as for loadTemplate. */
export function loadTemplateFromObject(raw: unknown, options: LoadOptions & { source?: string } = {}): LoadedTemplate {
  const context = newContext(options);
  const source: TemplateSource = { file: options.source ?? "<inline template>" };
  return finish(load(prepareUnit(raw, source, "inline", []), context, options), undefined);
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
  const result = load(fileUnit(absolute, context), context, options);
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
// Caches by content: a long-running process (the Pulumi provider checks every workstation of a fleet) reads the same
// files again and again. Files are always read; only parsing and validation are reused, for byte-identical files.

/** The most entries each cache keeps (templates are few; this only bounds a process that reads many distinct ones). */
const CONTENT_CACHE_ENTRIES = 256;
/** One file's parsed and checked unit, by display path, absolute path and exact text. */
const unitsByContent = new Map<string, TemplateUnit>();
/** A load's result, by the identities of the units merged (each identifies a file's content) and the parameters. */
const loadsByUnits = new Map<string, LoadResult>();
const unitIds = new WeakMap<TemplateUnit, number>();
let nextUnitId = 0;

function remember<T>(cache: Map<string, T>, key: string, value: T): void {
  if (cache.size >= CONTENT_CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
}

function unitId(unit: TemplateUnit): number {
  let id = unitIds.get(unit);
  if (id === undefined) unitIds.set(unit, (id = nextUnitId++));
  return id;
}

function load(root: TemplateUnit, context: LoadContext, options: LoadOptions): LoadResult {
  const { order, issues: resolutionIssues } = resolveInheritance(root, context);
  // Inline objects are units of their own (never cached), so only file loads are keyed here.
  if (resolutionIssues.length > 0 || !order.every((unit) => unit.source.absolutePath)) {
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

function loadUnits(
  root: TemplateUnit,
  order: TemplateUnit[],
  resolutionIssues: TemplateIssue[],
  options: LoadOptions,
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
  const result = checkAgainstSchema(templateSchema, substituted);
  if (!result.success) return { issues: [...issues, ...located(result.problems)], chain };
  const rendering = located(renderProblems(result.data));
  if (rendering.length > 0) return { issues: [...issues, ...rendering], chain };
  issues.push(...located(regionWarnings(result.data)), ...located(provisioningWarnings(result.data)));
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
      const file = findParentFile(reference.name, unit, context);
      if (typeof file !== "string") {
        at(
          "notTemplate" in file
            ? `parent template "${clip(reference.name)}" is a path but not a .yml or .yaml file: inherit a template file, or name a template`
            : notFoundMessage(reference.name, file.searched, "parent template"),
        );
        continue;
      }
      const parent = fileUnit(file, context);
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

// ---------------------------------------------------------------------------------------------------------------
// One file on its own

function fileUnit(absolutePath: string, context: LoadContext): TemplateUnit {
  const cached = context.units.get(absolutePath);
  if (cached) return cached;
  const file = displayPath(absolutePath);
  const read = readTemplateFile(absolutePath);
  let unit: TemplateUnit;
  if ("problem" in read) {
    unit = {
      source: { file, absolutePath },
      name: templateNameOf(absolutePath),
      parents: [],
      issues: [{ file, line: 0, column: 0, path: [], message: `the file ${read.problem}` }],
      readProblem: read.problem,
    };
  } else {
    const key = `${file}\u0000${absolutePath}\u0000${read.text}`;
    const known = unitsByContent.get(key);
    if (known) {
      unit = known;
    } else {
      const parsed = parseYamlSource(read.text, file);
      const source: TemplateSource = { file, absolutePath, yaml: parsed.yaml };
      unit = parsed.issues.some(isError)
        ? { source, name: templateNameOf(absolutePath), parents: [], issues: parsed.issues }
        : prepareUnit(parsed.value, source, templateNameOf(absolutePath), parsed.issues);
      remember(unitsByContent, key, unit);
    }
  }
  context.units.set(absolutePath, unit);
  return unit;
}

/** Normalise and validate one template on its own, and read what it inherits. */
function prepareUnit(
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
  const result = checkAgainstSchema(templateFileSchema, value);
  const problems = result.success
    ? []
    : result.problems.filter(
        (problem) =>
          !(problem.mergedOnly && inherits !== undefined) &&
          // A value written with a placeholder is checked once the parameters are substituted.
          !(problem.anchor === "value" && hasPlaceholder(valueAt(value, problem.at))),
      );
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
  return { source, name, tracked, parents, issues };
}

function locatedIn(unit: { source: TemplateSource }, problem: Problem): TemplateIssue {
  const position = unit.source.yaml ? locate(unit.source.yaml, problem.at, problem.anchor) : NO_POSITION;
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

// ---------------------------------------------------------------------------------------------------------------
// Finding files

function newContext(options: LoadOptions): LoadContext {
  return {
    dirs: unique([...(options.templatesDirs ?? []).map((dir) => path.resolve(dir)), DEFAULT_TEMPLATES_DIR]),
    units: new Map(),
  };
}

function looksLikePath(nameOrPath: string): boolean {
  return (
    nameOrPath.includes("/") ||
    nameOrPath.includes(path.sep) ||
    TEMPLATE_EXTENSIONS.some((ext) => nameOrPath.endsWith(ext))
  );
}

function findTemplateFile(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    for (const ext of TEMPLATE_EXTENSIONS) {
      const candidate = path.join(dir, `${name}${ext}`);
      if (fs.existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/** A parent by path (relative to the inheriting file) or by name: the inheriting file's directory first, then the search dirs. */
function findParentFile(
  reference: string,
  from: TemplateUnit,
  context: LoadContext,
): string | { searched: string[] } | { notTemplate: true } {
  const baseDir = from.source.absolutePath ? path.dirname(from.source.absolutePath) : process.cwd();
  if (looksLikePath(reference)) {
    if (!TEMPLATE_EXTENSIONS.some((ext) => reference.endsWith(ext))) return { notTemplate: true };
    const file = path.resolve(baseDir, reference);
    return fs.existsSync(file) ? file : { searched: [] };
  }
  const dirs = unique([...(from.source.absolutePath ? [baseDir] : []), ...context.dirs]);
  return findTemplateFile(reference, dirs) ?? { searched: dirs };
}

function notFoundMessage(reference: string, searched: readonly string[], what = "template"): string {
  if (searched.length === 0) return `${what} file "${reference}" not found`;
  const available = unique(searched.flatMap((dir) => templateFilesIn(dir).map(templateNameOf)));
  return (
    `${what} "${reference}" not found${didYouMean(reference, available)} ` +
    `(searched ${searched.map(displayPath).join(", ")} for ${reference}.yml and ${reference}.yaml; ` +
    `available: ${available.length > 0 ? available.sort().join(", ") : "none"})`
  );
}

function templateFilesIn(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((entry) => TEMPLATE_EXTENSIONS.some((ext) => entry.endsWith(ext)))
      .sort()
      .map((entry) => path.join(dir, entry));
  } catch {
    return [];
  }
}

function templateNameOf(file: string): string {
  return path.basename(file).replace(/\.ya?ml$/, "");
}

/**
 * A template file's text, read only if it is a regular file of at most MAX_TEMPLATE_FILE_BYTES: a device would be
 * read forever (`/dev/zero`) and a FIFO would block. The problem never quotes the file's contents.
 */
function readTemplateFile(file: string): { text: string } | { problem: string } {
  let fd: number | undefined;
  try {
    const kind = fileKind(fs.statSync(file));
    if (kind !== "file") return { problem: `is ${kind}, not a regular file: a template is a .yml or .yaml file` };
    // O_NONBLOCK: if the path was swapped for a FIFO since the stat, opening it must not wait for a writer.
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const opened = fileKind(fs.fstatSync(fd));
    if (opened !== "file") return { problem: `is ${opened}, not a regular file: a template is a .yml or .yaml file` };
    const buffer = Buffer.allocUnsafe(MAX_TEMPLATE_FILE_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) {
      n = fs.readSync(fd, buffer, length, buffer.length - length, null);
    }
    if (length > MAX_TEMPLATE_FILE_BYTES) {
      return { problem: `is larger than ${MAX_TEMPLATE_FILE_BYTES} bytes (1 MiB), the limit for a template file` };
    }
    return { text: buffer.toString("utf8", 0, length) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: `cannot be read${code ? ` (${code})` : ""}: check that it exists and that you may read it` };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function fileKind(stat: fs.Stats): string {
  if (stat.isFile()) return "file";
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a named pipe (FIFO)";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  if (stat.isSocket()) return "a socket";
  return "not a regular file";
}

/** What a value is, without quoting it (it may be a line of a file that is not a template at all). */
function describeKind(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return "text";
  if (typeof value === "number") return "a number";
  if (typeof value === "boolean") return "a boolean";
  return typeof value;
}

/** Relative to the working directory when inside it (how a user would type it), else absolute. */
function displayPath(absolutePath: string): string {
  const relative = path.relative(process.cwd(), absolutePath);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : absolutePath;
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
