import fs from "node:fs";
import path from "node:path";
import { didYouMean } from "../core/suggest";

/**
 * Where templates live and how a template file is read: by name in the templates directories, by path, or as a
 * parent named in `inherits`. Only regular files of bounded size are read, and their contents are never echoed.
 */

const PACKAGE_NAME = "cloudworkstation";
export const TEMPLATE_EXTENSIONS = [".yml", ".yaml"];

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

export function looksLikePath(nameOrPath: string): boolean {
  return (
    nameOrPath.includes("/") ||
    nameOrPath.includes(path.sep) ||
    TEMPLATE_EXTENSIONS.some((ext) => nameOrPath.endsWith(ext))
  );
}

export function findTemplateFile(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    for (const ext of TEMPLATE_EXTENSIONS) {
      const candidate = path.join(dir, `${name}${ext}`);
      if (fs.existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/** A parent by path (relative to the inheriting file) or by name: the inheriting file's directory first, then the search dirs. */
export function findParentFile(
  reference: string,
  fromFile: string | undefined,
  searchDirs: readonly string[],
): string | { searched: string[] } | { notTemplate: true } {
  const baseDir = fromFile ? path.dirname(fromFile) : process.cwd();
  if (looksLikePath(reference)) {
    if (!TEMPLATE_EXTENSIONS.some((ext) => reference.endsWith(ext))) return { notTemplate: true };
    const file = path.resolve(baseDir, reference);
    return fs.existsSync(file) ? file : { searched: [] };
  }
  const dirs = unique([...(fromFile ? [baseDir] : []), ...searchDirs]);
  return findTemplateFile(reference, dirs) ?? { searched: dirs };
}

/**
 * A parent named by a submitted template: by name only, in `searchDirs`, never relative to the submitted file. A path
 * is refused without being touched, and a name whose file resolves (through a symlink) outside the directory it was
 * found in is refused without being read, so a submitted template can reach only the templates those directories hold.
 */
export function findParentFileByName(
  reference: string,
  searchDirs: readonly string[],
): string | { searched: string[] } | { isPath: true } | { outside: string } {
  if (looksLikePath(reference)) return { isPath: true };
  for (const dir of searchDirs) {
    const file = findTemplateFile(reference, [dir]);
    if (file === undefined) continue;
    return isInsideDirectory(file, dir) ? file : { outside: dir };
  }
  return { searched: [...searchDirs] };
}

/** Whether `file`, symlinks resolved, lies inside `dir` (symlinks resolved too). */
export function isInsideDirectory(file: string, dir: string): boolean {
  try {
    const relative = path.relative(fs.realpathSync(dir), fs.realpathSync(file));
    return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
  } catch {
    return false;
  }
}

export function notFoundMessage(reference: string, searched: readonly string[], what = "template"): string {
  if (searched.length === 0) return `${what} file "${reference}" not found`;
  const available = unique(searched.flatMap((dir) => templateFilesIn(dir).map(templateNameOf)));
  return (
    `${what} "${reference}" not found${didYouMean(reference, available)} ` +
    `(searched ${searched.map(displayPath).join(", ")} for ${reference}.yml and ${reference}.yaml; ` +
    `available: ${available.length > 0 ? available.sort().join(", ") : "none"})`
  );
}

export function templateFilesIn(dir: string): string[] {
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

export function templateNameOf(file: string): string {
  return path.basename(file).replace(/\.ya?ml$/, "");
}

/**
 * A template file's text, read only if it is a regular file of at most MAX_TEMPLATE_FILE_BYTES: a device would be
 * read forever (`/dev/zero`) and a FIFO would block. The problem never quotes the file's contents.
 */
export function readTemplateFile(file: string): { text: string } | { problem: string } {
  let fd: number | undefined;
  try {
    const kind = fileKind(fs.statSync(file));
    if (kind !== "file") return { problem: `is ${kind}, not a regular file: a template is a .yml or .yaml file` };
    // O_NONBLOCK: if the path was swapped for a FIFO since the stat, opening it must not wait for a writer.
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const stat = fs.fstatSync(fd);
    const opened = fileKind(stat);
    if (opened !== "file") return { problem: `is ${opened}, not a regular file: a template is a .yml or .yaml file` };
    // Sized by the file, not the limit: a 1 MiB buffer per read made every cached re-read of a template allocate
    // 1 MiB (3-4× slower on Node 24). A file that grew since the fstat is read on, up to the limit plus one byte.
    let buffer = Buffer.allocUnsafe(Math.min(stat.size, MAX_TEMPLATE_FILE_BYTES) + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length <= MAX_TEMPLATE_FILE_BYTES; length += n) {
      if (length === buffer.length) {
        const larger = Buffer.allocUnsafe(MAX_TEMPLATE_FILE_BYTES + 1);
        buffer.copy(larger, 0, 0, length);
        buffer = larger;
      }
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

export function fileKind(stat: fs.Stats): string {
  if (stat.isFile()) return "file";
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a named pipe (FIFO)";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  if (stat.isSocket()) return "a socket";
  return "not a regular file";
}

/** What a value is, without quoting it (it may be a line of a file that is not a template at all). */
export function describeKind(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return "text";
  if (typeof value === "number") return "a number";
  if (typeof value === "boolean") return "a boolean";
  return typeof value;
}

/** Relative to the working directory when inside it (how a user would type it), else absolute. */
export function displayPath(absolutePath: string): string {
  const relative = path.relative(process.cwd(), absolutePath);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : absolutePath;
}

export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
