import * as fs from "node:fs";
import * as path from "node:path";
import semver from "semver";
import type { z } from "zod";
import type { TemplateIssue, TemplatePath } from "../templates/errors";
import { didYouMean } from "../core/suggest";
import { locate, parseYamlSource, type Anchor, type YamlSource } from "../templates/yaml-source";
import { checkAgainstSchema } from "../templates/zod-issues";
import {
  ALLOWED_SIGNERS_FILE,
  catalogEntrySchema,
  catalogManifestSchema,
  MANIFEST_FILE,
  reviewSchema,
  SIGNATURE_NAMESPACE,
  type CatalogEntry,
  type CatalogManifest,
  type Review,
} from "./format";

/**
 * Reads a catalog directory: the manifest, every entry and review, each validated with positioned errors (the same
 * file:line:column, field path and "did you mean" as templates). Never throws for bad content: problems are issues.
 * Signatures are not checked here (see signatures.ts); ratings are computed from the review files.
 */

export interface LoadedReview {
  review: Review;
  file: string;
}

export interface Rating {
  average: number;
  count: number;
}

export interface LoadedEntry {
  /** From the path entries/<template>/<version>.yml, so an invalid file can still be named. */
  template: string;
  version: string;
  /** As shown in messages and answers: relative to the catalog root (`entries/python-ml/2.1.0.yml`). */
  file: string;
  absolutePath: string;
  /** The entry, when the file is valid. */
  entry?: CatalogEntry;
  /** Errors and warnings of this file. */
  issues: TemplateIssue[];
  reviews: LoadedReview[];
  /** Computed from the valid reviews; undefined when there are none. */
  rating?: Rating;
  yaml?: YamlSource;
}

export interface LoadedCatalog {
  root: string;
  /** Undefined only when the manifest is missing or invalid (see issues). */
  manifest?: CatalogManifest;
  /** Every entry file, valid or not, sorted by template then newest version first. */
  entries: LoadedEntry[];
  /** Every problem of every file (entries' issues included). */
  issues: TemplateIssue[];
  allowedSignersPath: string;
}

export interface ReadCatalogOptions {
  /**
   * Prefix for file names in messages; default none, so files are named relative to the catalog root whatever the
   * machine it was read on (a server never shows its own paths, and a catalog's CI prints what its repository holds).
   */
  displayRoot?: string;
}

const ENTRY_FILE = /^(.+)\.yml$/;

export function readCatalogDirectory(root: string, options: ReadCatalogOptions = {}): LoadedCatalog {
  const displayRoot = options.displayRoot ?? "";
  const show = (relative: string) => (displayRoot === "" ? relative : path.join(displayRoot, relative));
  const issues: TemplateIssue[] = [];

  const manifestPath = path.join(root, MANIFEST_FILE);
  let manifest: CatalogManifest | undefined;
  if (!fs.existsSync(manifestPath)) {
    issues.push(
      fileIssue(show(MANIFEST_FILE), `missing: a catalog needs ${MANIFEST_FILE} (at least: name: <catalog>)`),
    );
  } else {
    const checked = checkYamlFile(manifestPath, show(MANIFEST_FILE), catalogManifestSchema);
    issues.push(...checked.issues);
    manifest = checked.data;
  }
  const allowedSignersPath = path.join(root, ALLOWED_SIGNERS_FILE);
  if (manifest?.require_signatures && !fs.existsSync(allowedSignersPath)) {
    issues.push(
      fileIssue(
        show(ALLOWED_SIGNERS_FILE),
        `missing: ${MANIFEST_FILE} requires signatures, so list who may sign, one line each: <principal> namespaces="${SIGNATURE_NAMESPACE}" <public key>`,
      ),
    );
  }

  const entries: LoadedEntry[] = [];
  const entriesDir = path.join(root, "entries");
  for (const template of listDir(entriesDir)) {
    const templateDir = path.join(entriesDir, template);
    if (!fs.statSync(templateDir).isDirectory()) {
      issues.push(fileIssue(show(path.join("entries", template)), "expected a folder entries/<template>/"));
      continue;
    }
    for (const fileName of listDir(templateDir)) {
      const relative = path.join("entries", template, fileName);
      if (fileName.endsWith(".yml.sig")) {
        if (!fs.existsSync(path.join(templateDir, fileName.slice(0, -4))))
          issues.push(fileIssue(show(relative), `signature without an entry: ${fileName.slice(0, -4)} does not exist`));
        continue;
      }
      const match = ENTRY_FILE.exec(fileName);
      if (!match) {
        issues.push(fileIssue(show(relative), "unexpected file: entries hold <version>.yml and <version>.yml.sig"));
        continue;
      }
      entries.push(readEntry(path.join(templateDir, fileName), show(relative), template, match[1], manifest));
    }
  }

  const reviewsDir = path.join(root, "reviews");
  for (const template of listDir(reviewsDir)) {
    for (const version of listDir(path.join(reviewsDir, template))) {
      const entry = entries.find((e) => e.template === template && e.version === version);
      for (const fileName of listDir(path.join(reviewsDir, template, version))) {
        const relative = path.join("reviews", template, version, fileName);
        if (!entry) {
          issues.push(
            fileIssue(show(relative), `review of ${template}@${version}, which has no entry in this catalog`),
          );
          continue;
        }
        const match = ENTRY_FILE.exec(fileName);
        if (!match) {
          issues.push(fileIssue(show(relative), "unexpected file: reviews hold <reviewer>.yml"));
          continue;
        }
        const checked = checkYamlFile(path.join(reviewsDir, template, version, fileName), show(relative), reviewSchema);
        const reviewIssues = [...checked.issues];
        if (checked.data && checked.data.reviewer !== match[1]) {
          reviewIssues.push(
            issueAt(checked, ["reviewer"], `is "${checked.data.reviewer}" but the file is named ${fileName}`),
          );
        }
        issues.push(...reviewIssues);
        if (checked.data && !reviewIssues.some((i) => i.severity !== "warning"))
          entry.reviews.push({ review: checked.data, file: show(relative) });
      }
    }
  }

  for (const entry of entries) {
    if (entry.reviews.length > 0) {
      const total = entry.reviews.reduce((sum, r) => sum + r.review.rating, 0);
      entry.rating = { average: Math.round((total / entry.reviews.length) * 100) / 100, count: entry.reviews.length };
    }
    issues.push(...entry.issues);
  }
  entries.sort(
    (a, b) =>
      a.template.localeCompare(b.template) ||
      (semver.valid(a.version) && semver.valid(b.version)
        ? semver.rcompare(a.version, b.version)
        : b.version.localeCompare(a.version)),
  );
  return { root, manifest, entries, issues, allowedSignersPath };
}

function readEntry(
  absolutePath: string,
  file: string,
  template: string,
  version: string,
  manifest: CatalogManifest | undefined,
): LoadedEntry {
  const checked = checkYamlFile(absolutePath, file, catalogEntrySchema);
  const issues = [...checked.issues];
  const entry = checked.data;
  if (entry) {
    if (entry.template !== template)
      issues.push(issueAt(checked, ["template"], `is "${entry.template}" but the entry is in entries/${template}/`));
    if (entry.version !== version)
      issues.push(issueAt(checked, ["version"], `is "${entry.version}" but the file is named ${version}.yml`));
    if (manifest) {
      entry.channels.forEach((channel, index) => {
        if (!manifest.channels.includes(channel))
          issues.push(
            issueAt(
              checked,
              ["channels", index],
              `"${channel}" is not a channel of this catalog (${manifest.channels.join(", ")})${didYouMean(channel, manifest.channels)}`,
            ),
          );
      });
    }
  }
  const valid = entry !== undefined && !issues.some((issue) => issue.severity !== "warning");
  return {
    template,
    version,
    file,
    absolutePath,
    ...(valid ? { entry } : {}),
    issues,
    reviews: [],
    ...(checked.yaml ? { yaml: checked.yaml } : {}),
  };
}

interface CheckedFile<T> {
  data?: T;
  issues: TemplateIssue[];
  yaml?: YamlSource;
  file: string;
}

/** Parses and validates one YAML file against a schema; every problem positioned in the file. */
export function checkYamlFile<S extends z.ZodType>(absolutePath: string, file: string, schema: S) {
  return checkYamlText(fs.readFileSync(absolutePath, "utf8"), file, schema);
}

export function checkYamlText<S extends z.ZodType>(text: string, file: string, schema: S): CheckedFile<z.output<S>> {
  const parsed = parseYamlSource(text, file);
  if (parsed.issues.some((issue) => issue.severity !== "warning"))
    return { issues: parsed.issues, yaml: parsed.yaml, file };
  if (parsed.value === null || typeof parsed.value !== "object" || Array.isArray(parsed.value)) {
    return { issues: [...parsed.issues, fileIssue(file, "expected a mapping of keys to values", 1)], file };
  }
  const result = checkAgainstSchema(schema, parsed.value);
  if (result.success) return { data: result.data, issues: parsed.issues, yaml: parsed.yaml, file };
  const issues = result.problems.map((problem) => {
    const position = locate(parsed.yaml, problem.at, problem.anchor);
    return { file, ...position, path: problem.path, message: problem.message };
  });
  return { issues: [...parsed.issues, ...issues], yaml: parsed.yaml, file };
}

function issueAt(
  checked: { file: string; yaml?: YamlSource },
  at: TemplatePath,
  message: string,
  anchor: Anchor = "value",
): TemplateIssue {
  const position = checked.yaml ? locate(checked.yaml, at, anchor) : { line: 0, column: 0 };
  return { file: checked.file, ...position, path: at, message };
}

function fileIssue(file: string, message: string, line = 0): TemplateIssue {
  return { file, line, column: line > 0 ? 1 : 0, path: [], message };
}

function listDir(dir: string): string[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => !name.startsWith("."))
    .sort();
}

/** The position of a field in an entry file, for messages that point at it (e.g. the AMI of a region). */
export function entryPosition(entry: LoadedEntry, at: TemplatePath): { line: number; column: number } {
  return entry.yaml ? locate(entry.yaml, at) : { line: 0, column: 0 };
}
