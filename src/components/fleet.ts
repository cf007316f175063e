/**
 * A lab's fleet of workstations, as declared in stack config (`cloudworkstation:fleet`) or a `fleet.yaml` file:
 * parsing and validation only (no Pulumi, no AWS). Errors name the entry (index and name) and field, and for
 * files the file:line:column, like template errors.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { formatPath, type TemplatePath } from "../templates/errors";
import { checkRegionName } from "../core/regions";
import { ARCHITECTURES, SIZES, STRATEGIES } from "../templates/schema";
import { locate, parseYamlSource, type YamlSource } from "../templates/yaml-source";
import { REFRESH_MODES } from "../dynamic/pinning";
import { isIpv4Cidr } from "./workstation-plan";
import { DATA_VOLUME_TYPES } from "./data-volume-plan";

const nonEmpty = z.string().min(1, { error: "must not be empty" });

const entryFields = {
  /** Becomes the Pulumi resource name prefix and the instance's Name tag. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
    error: "a workstation name is lowercase letters, digits and '-', starting with a letter or digit (at most 63)",
  }),
  /** A shipped template name, a path to a template file (relative to the fleet file), or an inline template. */
  template: z.union([nonEmpty, z.record(z.string(), z.unknown())], {
    error:
      "template is a template name (e.g. python-ml), a path to a template YAML file, or an inline template mapping",
  }),
  region: z
    .string()
    .refine((region) => checkRegionName(region).ok, {
      error: (issue) => {
        const check = checkRegionName(String(issue.input));
        return check.ok ? "" : check.error;
      },
    })
    .optional(),
  size: z.enum(SIZES).optional(),
  instanceType: z
    .string()
    .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'an instance type such as "m7i.large"' })
    .optional(),
  architecture: z.enum(ARCHITECTURES).optional(),
  owner: nonEmpty.optional(),
  project: nonEmpty.optional(),
  allowedCidrs: z
    .array(
      z.string().refine(isIpv4Cidr, {
        error: (issue) => `"${String(issue.input)}" is not an IPv4 CIDR block; write e.g. "203.0.113.0/24"`,
      }),
    )
    .optional(),
  subnetId: z
    .string()
    .regex(/^subnet-[0-9a-f]+$/, { error: 'a subnet id such as "subnet-0abc1234"' })
    .optional(),
  keyName: nonEmpty.optional(),
  strategy: z.enum(STRATEGIES).optional(),
  refresh: z.enum(REFRESH_MODES).optional(),
  allowCrossRegionCopy: z.boolean().optional(),
  rootVolumeGb: z.number().int().min(8).max(16384).optional(),
  /** Upgrading on purpose: bump by one to move this workstation to a newer image (replaces its instance). */
  amiGeneration: z
    .number()
    .refine((generation) => Number.isInteger(generation) && generation >= 0, {
      error: "amiGeneration is a whole number ≥ 0 (bump it by one to move to a newer image)",
    })
    .optional(),
  /** A separate data volume mounted at /data that survives the instance's replacement (GiB). */
  dataVolumeGb: z.number().int().min(1).max(65536).optional(),
  dataVolumeType: z.enum(DATA_VOLUME_TYPES).optional(),
  tags: z.record(z.string(), z.string()).optional(),
};

export const fleetEntrySchema = z.strictObject(entryFields).refine((entry) => !(entry.size && entry.instanceType), {
  error: "give size or instanceType, not both: instanceType pins one type, size picks one per region and architecture",
  path: ["size"],
});
export type FleetEntry = z.infer<typeof fleetEntrySchema>;

/** Settings shared by every entry of a fleet file (an entry's own value wins; tags are merged). */
export const fleetDefaultsSchema = z.strictObject(entryFields).omit({ name: true, template: true }).partial();
export type FleetDefaults = z.infer<typeof fleetDefaultsSchema>;

export const fleetFileSchema = z.strictObject({
  defaults: fleetDefaultsSchema.optional(),
  workstations: z.array(z.unknown()).min(1, { error: "list at least one workstation" }),
});

export interface FleetIssue {
  /** e.g. `fleet[2].size` (config) or `workstations[2].size` (file). */
  path: string;
  message: string;
  /** For fleet files: where the problem is. */
  file?: string;
  line?: number;
  column?: number;
}

export class FleetConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: FleetIssue[],
  ) {
    super(
      `${source}: ${issues.length} problem${issues.length === 1 ? "" : "s"} in the fleet:\n${issues.map((issue) => `  ${formatFleetIssue(issue)}`).join("\n")}`,
    );
    this.name = "FleetConfigError";
  }
}

export function formatFleetIssue(issue: FleetIssue): string {
  const where = issue.file ? `${issue.file}:${issue.line ?? 0}:${issue.column ?? 0} ` : "";
  return `${where}${issue.path}: ${issue.message}`;
}

export interface Located {
  yaml?: YamlSource;
  file?: string;
}

function issueAt(
  located: Located,
  fullPath: TemplatePath,
  message: string,
  entryName?: string,
  anchor: "value" | "key" = "value",
): FleetIssue {
  const label = formatPath(fullPath) + (entryName ? ` (${entryName})` : "");
  const issue: FleetIssue = { path: label, message };
  if (located.yaml && located.file) {
    const position = locate(located.yaml, fullPath, anchor);
    issue.file = located.file;
    issue.line = position.line;
    issue.column = position.column;
  }
  return issue;
}

function zodIssues(error: z.ZodError, base: TemplatePath, located: Located, entryName?: string): FleetIssue[] {
  const issues: FleetIssue[] = [];
  for (const issue of error.issues) {
    const at = [...base, ...(issue.path as (string | number)[])];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        issues.push(
          issueAt(
            located,
            [...at, key],
            `unknown field; expected one of ${Object.keys(entryFields).join(", ")}`,
            entryName,
            "key",
          ),
        );
      }
      continue;
    }
    const missing = issue.input === undefined && (issue.code === "invalid_type" || issue.code === "invalid_union");
    const generic = /^Invalid input/.test(issue.message);
    const message = missing ? `is required${generic ? "" : `: ${issue.message}`}` : issue.message;
    issues.push(issueAt(located, at, message, entryName));
  }
  return issues;
}

/**
 * Validates a list of fleet entries (from stack config or a file's `workstations`), applying `defaults`. Throws
 * FleetConfigError listing every problem: entry index (and name) and field, with file:line:column for files.
 */
export function parseFleet(
  raw: unknown,
  options: { source: string; base?: TemplatePath; defaults?: FleetDefaults; located?: Located } = {
    source: "cloudworkstation:fleet",
  },
): FleetEntry[] {
  const base = options.base ?? ["fleet"];
  const located = options.located ?? {};
  if (!Array.isArray(raw)) {
    throw new FleetConfigError(options.source, [
      issueAt(located, base, "must be a list of workstations, each with at least name and template"),
    ]);
  }
  if (raw.length === 0)
    throw new FleetConfigError(options.source, [issueAt(located, base, "list at least one workstation")]);
  const issues: FleetIssue[] = [];
  const entries: FleetEntry[] = [];
  const firstIndexByName = new Map<string, number>();
  raw.forEach((item, index) => {
    const name =
      item && typeof item === "object" && typeof (item as { name?: unknown }).name === "string"
        ? (item as { name: string }).name
        : undefined;
    const merged = mergeDefaults(item, options.defaults);
    const parsed = fleetEntrySchema.safeParse(merged);
    if (!parsed.success) {
      issues.push(...zodIssues(parsed.error, [...base, index], located, name));
      return;
    }
    const first = firstIndexByName.get(parsed.data.name);
    if (first !== undefined) {
      issues.push(
        issueAt(
          located,
          [...base, index, "name"],
          `duplicate name "${parsed.data.name}" (also ${formatPath([...base, first])}); every workstation needs its own name`,
          name,
        ),
      );
      return;
    }
    firstIndexByName.set(parsed.data.name, index);
    entries.push(parsed.data);
  });
  if (issues.length > 0) throw new FleetConfigError(options.source, issues);
  return entries;
}

function mergeDefaults(item: unknown, defaults: FleetDefaults | undefined): unknown {
  if (!defaults || !item || typeof item !== "object" || Array.isArray(item)) return item;
  const entry = item as Record<string, unknown>;
  const tags =
    defaults.tags || entry.tags
      ? { ...(defaults.tags ?? {}), ...((entry.tags as Record<string, string>) ?? {}) }
      : undefined;
  return { ...defaults, ...entry, ...(tags ? { tags } : {}) };
}

/**
 * Reads a fleet file: `workstations:` (a list of entries) and optional `defaults:`. Template paths in entries are
 * taken relative to the file. Problems are reported as `fleet.yaml:12:5 workstations[2].size (alice): …`.
 */
export function loadFleetFile(file: string, displayName = file): FleetEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new FleetConfigError(displayName, [
      {
        path: "(file)",
        message: `cannot read the fleet file: ${(error as Error).message}; check cloudworkstation:fleetFile`,
      },
    ]);
  }
  return parseFleetYaml(text, displayName, path.dirname(path.resolve(file)));
}

/** Parses fleet YAML text (see loadFleetFile). Internal. Exported for testing. */
export function parseFleetYaml(text: string, file: string, baseDir?: string): FleetEntry[] {
  const parsed = parseYamlSource(text, file);
  const errors = parsed.issues.filter((issue) => issue.severity !== "warning");
  if (errors.length > 0) {
    throw new FleetConfigError(
      file,
      errors.map((issue) => ({
        path: formatPath(issue.path) || "(document)",
        message: issue.message,
        file,
        line: issue.line,
        column: issue.column,
      })),
    );
  }
  const located: Located = { yaml: parsed.yaml, file };
  const top = fleetFileSchema.safeParse(parsed.value);
  if (!top.success) throw new FleetConfigError(file, zodIssues(top.error, [], located));
  const entries = parseFleet(top.data.workstations, {
    source: file,
    base: ["workstations"],
    defaults: top.data.defaults,
    located,
  });
  if (!baseDir) return entries;
  return entries.map((entry) =>
    typeof entry.template === "string" && /[\\/]|\.ya?ml$/.test(entry.template) && !path.isAbsolute(entry.template)
      ? { ...entry, template: stablePath(path.resolve(baseDir, entry.template)) }
      : entry,
  );
}

/**
 * Relative to the working directory (the Pulumi project) when inside it, so the path recorded in state is the same
 * in every checkout (a laptop and CI); absolute otherwise.
 */
function stablePath(absolute: string): string {
  const relative = path.relative(process.cwd(), absolute);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? `.${path.sep}${relative}` : absolute;
}
