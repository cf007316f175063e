import { isError } from "./errors";
import { sha256 } from "./hash";
import { displayPath, readTemplateFile, templateNameOf } from "./template-files";
import { prepareUnit, type TemplateUnit } from "./template-unit";
import { MAX_NESTING_DEPTH, parseYamlSource, type TemplateSource } from "./yaml-source";

// One template file or inline object, parsed and checked on its own, cached by content: a long-running process (the
// Pulumi provider checks every workstation of a fleet) loads the same templates again and again. Files are always
// read; only parsing and checking are reused, for byte-identical files and inline objects of identical content.

/**
 * What loads did in this process: template files read, units parsed and checked on their own (a file's text or an
 * inline object), and loads merged and validated (counted by the loader). A cache hit adds only its file reads.
 * Internal. Exported for testing (and for counting how often a workstation's template is loaded).
 */
export const loaderWork = { filesRead: 0, unitsPrepared: 0, loadsChecked: 0 };

/** The most entries each cache keeps (templates are few; this only bounds a process that reads many distinct ones). */
const CONTENT_CACHE_ENTRIES = 256;
/** A unit by its content: a file's display path, absolute path and exact text, or an inline object's JSON hash. */
const unitsByContent = new Map<string, TemplateUnit>();
/** Units held by unitsByContent: a load made only of these is identified by its units' content. */
const sharedUnits = new WeakSet<TemplateUnit>();

export function remember<T>(cache: Map<string, T>, key: string, value: T): void {
  if (cache.size >= CONTENT_CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
}

/** Whether this unit is cached by its content (not an unreadable file, not an object JSON cannot say exactly). */
export function isSharedUnit(unit: TemplateUnit): boolean {
  return sharedUnits.has(unit);
}

export function clearUnitsByContent(): void {
  unitsByContent.clear();
}

/** A file's unit, once per load (`units`, by absolute path) and once per content in this process. */
export function fileUnit(absolutePath: string, units: Map<string, TemplateUnit>): TemplateUnit {
  const cached = units.get(absolutePath);
  if (cached) return cached;
  const file = displayPath(absolutePath);
  const read = readTemplateFile(absolutePath);
  loaderWork.filesRead++;
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
      loaderWork.unitsPrepared++;
      const parsed = parseYamlSource(read.text, file);
      const source: TemplateSource = { file, absolutePath, yaml: parsed.yaml };
      unit = parsed.issues.some(isError)
        ? { source, name: templateNameOf(absolutePath), parents: [], issues: parsed.issues }
        : prepareUnit(parsed.value, source, templateNameOf(absolutePath), parsed.issues);
      remember(unitsByContent, key, unit);
      sharedUnits.add(unit);
    }
  }
  units.set(absolutePath, unit);
  return unit;
}

/**
 * An inline template's unit, cached by the hash of its exact JSON text (key order included: it is the order the
 * template keeps), so a fleet's resolutions of one object parse it once. Anything JSON cannot say exactly (undefined,
 * NaN, a class instance, a cycle) is checked afresh every time, as before.
 */
export function objectUnit(raw: unknown, source: TemplateSource): TemplateUnit {
  if (!isJsonData(raw, 0)) {
    loaderWork.unitsPrepared++;
    return prepareUnit(raw, source, "inline", []);
  }
  const key = `\u0001inline\u0000${source.file}\u0000${sha256(JSON.stringify(raw))}`;
  const known = unitsByContent.get(key);
  if (known) return known;
  loaderWork.unitsPrepared++;
  // The unit keeps parts of what it was given: a copy, so a caller editing its object later changes nothing cached.
  const unit = prepareUnit(structuredClone(raw), source, "inline", []);
  remember(unitsByContent, key, unit);
  sharedUnits.add(unit);
  return unit;
}

/** Plain JSON data that JSON.stringify writes exactly (no undefined, NaN, holes, class instances or cycles). */
function isJsonData(value: unknown, depth: number): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (typeof value !== "object" || depth > MAX_NESTING_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!(i in value) || !isJsonData(value[i], depth + 1)) return false;
    return true;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(value).every((entry) => isJsonData(entry, depth + 1));
}
