import path from "node:path";
import { isMap, isScalar, isSeq, Scalar, type Document, type YAMLMap } from "yaml";
import { isError, TemplateError, type TemplateIssue, type TemplatePath } from "./errors";
import { loadTemplateFromObject } from "./loader";
import { TEMPLATE_NAME_PATTERN } from "./template-name";
import { isPlainObject } from "./origins";
import { ACCOUNT_ID_PATTERN, isInstanceId } from "../core/aws-ids";
import { OWNER_ALIASES } from "./schema-fields";
import { LEGACY_AMIS_KEY } from "./schema";
import { locate, parseYamlSource, type YamlSource } from "./yaml-source";

/**
 * `cws migrate template`: turns a template written in the original CloudWorkstation design's shapes (seeds 000, 003,
 * 004) into a template of ours. Each change is one line with the source line it came from; the result is validated
 * by the loader, and anything it cannot convert is a TemplateError positioned in the source file. The YAML document
 * is edited in place through the `yaml` library, so comments and quoting of untouched keys survive.
 */

export interface DesignChange {
  /** 1-based line in the source file the change comes from. */
  line: number;
  message: string;
}

export interface DesignMigration {
  /** The converted template's name. */
  name: string;
  /** The converted template, as YAML. */
  yaml: string;
  changes: DesignChange[];
  /** The loader's warnings about the converted template (formatted like errors). */
  warnings: string[];
}

export interface DesignMigrationOptions {
  /** Account ids for the design's `ami_search.owner` names that are not account ids (e.g. prism-community → 123…). */
  ownerAccounts?: Record<string, string>;
  /** Directories searched for the templates the converted one inherits from. */
  templatesDirs?: string[];
}

/** The design's keys of a saved template (seed 004) that say where it came from; we keep that in tags. */
const SAVED_FROM_KEYS = ["original_instance", "saved_from"] as const;
/**
 * The tags `cws save` writes (src/imaging/saved-template-yaml.ts, src/imaging/capture.ts), repeated because templates
 * sit below imaging; test/templates/design-migration.test.ts fails when they differ.
 */
export const SAVED_AT_TAG_KEY = "cloudworkstation:saved";
export const SOURCE_INSTANCE_TAG_KEY = "cloudworkstation:source-instance";

class Migration {
  readonly changes: DesignChange[] = [];
  /** Converted path prefix → where its value was in the source, for errors about moved keys. */
  private readonly moves: [TemplatePath, TemplatePath][] = [];

  constructor(
    readonly file: string,
    readonly source: YamlSource,
    readonly doc: Document.Parsed,
  ) {}

  lineOf(at: TemplatePath, anchor: "key" | "value" = "key"): number {
    return locate(this.source, at, anchor).line;
  }

  change(at: TemplatePath, message: string): void {
    this.changes.push({ line: this.lineOf(at), message });
  }

  moved(to: TemplatePath, from: TemplatePath): void {
    this.moves.push([to, from]);
  }

  /** Where an issue about `converted` (a path in the result) should point in the source file. */
  sourcePathOf(converted: TemplatePath): TemplatePath {
    const match = this.moves
      .filter(([to]) => to.length <= converted.length && to.every((segment, i) => converted[i] === segment))
      .sort((a, b) => b[0].length - a[0].length)[0];
    return match ? [...match[1], ...converted.slice(match[0].length)] : converted;
  }

  issue(at: TemplatePath, message: string): TemplateIssue {
    const position = locate(this.source, at, "key");
    return { file: this.file, ...position, path: at, message };
  }
}

/**
 * Converts the text of a design template file. `file` is used for positions and, when the template has no valid
 * name, for its name. Throws TemplateError (positioned in `file`) when the source cannot be parsed or the result does
 * not validate.
 */
export function migrateDesignTemplate(
  text: string,
  file: string,
  options: DesignMigrationOptions = {},
): DesignMigration {
  const parsed = parseYamlSource(text, file);
  const syntax = parsed.issues.filter(isError);
  if (syntax.length > 0) throw new TemplateError(syntax);
  if (!isMap(parsed.yaml.doc.contents)) {
    throw new TemplateError([
      {
        file,
        line: 1,
        column: 1,
        path: [],
        message: "a template is a YAML mapping (key: value lines); this file is not",
      },
    ]);
  }
  // Positions come from an untouched parse of the same text: the document below is edited in place.
  const migration = new Migration(file, parseYamlSource(text, file).yaml, parsed.yaml.doc);
  const problems: TemplateIssue[] = [];

  convertName(migration);
  convertSavedInstance(migration);
  convertAmis(migration, problems);
  convertOwnerSearch(migration, options.ownerAccounts ?? {}, problems);
  convertPorts(migration);
  convertCostEstimates(migration);
  if (problems.length > 0) throw new TemplateError(problems);

  const doc = migration.doc;
  const converted = doc.toJS() as Record<string, unknown>;
  let warnings: string[];
  try {
    warnings = loadTemplateFromObject(converted, {
      templatesDirs: options.templatesDirs,
      source: `${file} (converted)`,
    }).warnings;
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    throw new TemplateError(
      error.issues.map((issue) => {
        if (issue.file !== `${file} (converted)`) return issue;
        // An unknown key is reported on the mapping that holds it; point at the key itself.
        const unknownKey = /^unknown key "([^"]+)"/.exec(issue.message)?.[1];
        const at = migration.sourcePathOf(unknownKey === undefined ? issue.path : [...issue.path, unknownKey]);
        return {
          ...issue,
          file,
          ...locate(migration.source, at, unknownKey === undefined ? "value" : "key"),
          message: `${issue.message} (cannot convert this: fix it in ${path.basename(file)} and run cws migrate template again)`,
        };
      }),
    );
  }
  doc.commentBefore = [
    ` Converted by cws migrate template from ${path.basename(file)} (the original design's template shape).`,
    ...migration.changes.map((c) => ` line ${c.line}: ${c.message}`),
    ...(doc.commentBefore ? [doc.commentBefore] : []),
  ].join("\n");
  return {
    name: String(converted.name),
    yaml: doc.toString({ lineWidth: 0 }),
    changes: [...migration.changes].sort((a, b) => a.line - b.line),
    warnings,
  };
}

/** The design names templates for display ("Python ML (Pre-built)"); ours are file names. */
function convertName(m: Migration): void {
  const stem = path.basename(m.file).replace(/\.ya?ml$/, "");
  const fromFile = TEMPLATE_NAME_PATTERN.test(stem) ? stem : slug(stem);
  const name = m.doc.get("name");
  if (name === undefined || name === null) {
    setFirst(m.doc, "name", fromFile);
    m.change([], `added name: ${fromFile} (from the file name; the design's snippet has no name)`);
    return;
  }
  if (typeof name === "string" && TEMPLATE_NAME_PATTERN.test(name)) return;
  const display = String(name);
  m.doc.set("name", fromFile);
  m.change(["name"], `name "${display}" → ${fromFile}: a template name is its file name (lowercase, digits, . _ -)`);
  if (m.doc.get("description") === undefined) {
    setAfter(m.doc, "name", "description", display);
    m.change(["name"], `added description: "${display}" (the design's display name)`);
  }
}

/** `base: saved-instance` (seed 004): the workstation is the saved image itself, there is no script to fall back to. */
function convertSavedInstance(m: Migration): void {
  if (m.doc.get("base") === "saved-instance") {
    m.doc.delete("base");
    m.change(["base"], "removed base: saved-instance (ours: a saved template launches from its ami_mappings)");
    if (!m.doc.hasIn(["ami_config", "strategy"])) {
      m.doc.setIn(["ami_config", "strategy"], "ami_required");
      m.change(["base"], "added ami_config.strategy: ami_required (a saved instance has no script to rebuild it)");
    }
  }
  if (m.doc.get("source") === "saved-from-instance") {
    m.doc.delete("source");
    m.change(["source"], "removed source: saved-from-instance (ours marks saved templates with tags)");
  }
  for (const key of SAVED_FROM_KEYS) {
    const value = m.doc.get(key);
    if (value === undefined) continue;
    const text = String(value);
    const tag = isInstanceId(text) ? SOURCE_INSTANCE_TAG_KEY : "cloudworkstation:saved-from";
    m.doc.delete(key);
    if (m.doc.getIn(["tags", tag]) === undefined) {
      m.doc.setIn(["tags", tag], text);
      m.change([key], `${key}: ${text} → tags."${tag}"`);
    } else {
      m.change([key], `removed ${key}: ${text} (tags."${tag}" already says it)`);
    }
  }
  const savedDate = m.doc.get("saved_date");
  if (savedDate !== undefined) {
    m.doc.delete("saved_date");
    // Quoted, as cws save writes it: YAML 1.1 readers would otherwise read a date, not text.
    const quoted = new Scalar(String(savedDate));
    quoted.type = Scalar.QUOTE_DOUBLE;
    m.doc.setIn(["tags", SAVED_AT_TAG_KEY], quoted);
    m.change(["saved_date"], `saved_date → tags."${SAVED_AT_TAG_KEY}" (what cws save writes)`);
  }
}

/** `amis:` under ami_config (seed 004), or the older top-level `amis:`: the same shape as ami_config.ami_mappings. */
function convertAmis(m: Migration, problems: TemplateIssue[]): void {
  for (const at of [["ami_config", LEGACY_AMIS_KEY], [LEGACY_AMIS_KEY]] as TemplatePath[]) {
    const amis = m.doc.getIn(at, true);
    if (amis === undefined) continue;
    if (!isMap(amis)) {
      problems.push(
        m.issue(at, `${at.join(".")} is not a mapping of region → AMI; write it as ami_config.ami_mappings`),
      );
      continue;
    }
    const mappingsPath = ["ami_config", "ami_mappings"];
    const existing = m.doc.getIn(mappingsPath, true);
    if (existing !== undefined && !isMap(existing)) continue;
    for (const pair of (amis as YAMLMap).items) {
      const region = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (existing && (existing as YAMLMap).has(region)) {
        problems.push(
          m.issue(
            [...at, region],
            `${region} is in both ${at.join(".")} and ami_config.ami_mappings; keep one of the two and run cws migrate template again`,
          ),
        );
        continue;
      }
      m.doc.setIn([...mappingsPath, region], pair.value);
      m.moved([...mappingsPath, region], [...at, region]);
    }
    m.doc.deleteIn(at);
    m.change(at, `${at.join(".")} → ami_config.ami_mappings (same shape: region → AMI, or region → arch → AMI)`);
  }
}

/**
 * The design's `ami_search.owner: X` (seed 003) names one publisher. Ours requires `owners` (an image matched by
 * name alone can be anyone's), and the same owner becomes a trusted owner, so no other tier can hand over an image
 * of someone else.
 */
function convertOwnerSearch(m: Migration, ownerAccounts: Record<string, string>, problems: TemplateIssue[]): void {
  const at = ["ami_config", "ami_search", "owner"];
  const owner = m.doc.getIn(at);
  if (owner === undefined) return;
  const written = String(owner);
  const account = ownerAccounts[written] ?? written;
  if (!ACCOUNT_ID_PATTERN.test(account) && !(OWNER_ALIASES as readonly string[]).includes(account)) {
    problems.push(
      m.issue(
        at,
        `ami_search.owner "${written}" is not an AWS account id or one of ${OWNER_ALIASES.join(", ")}: ` +
          `EC2 cannot search by a community name. Give the publisher's account: cws migrate template ${path.basename(m.file)} ` +
          `--owner-account ${written}=123456789012`,
      ),
    );
    return;
  }
  const ownersPath = ["ami_config", "ami_search", "owners"];
  if (m.doc.hasIn(ownersPath)) {
    problems.push(m.issue(at, "ami_search has both owner and owners; keep owners (a list) and delete owner"));
    return;
  }
  m.doc.deleteIn(at);
  m.doc.setIn(ownersPath, m.doc.createNode([account], { flow: true }));
  m.moved(ownersPath, at);
  const mapped = account === written ? written : `${written} (account ${account})`;
  m.change(at, `ami_search.owner: ${mapped} → ami_search.owners: [${account}]`);
  const trustedPath = ["ami_config", "trusted_owners"];
  const trusted = m.doc.getIn(trustedPath, true);
  if (trusted === undefined) {
    m.doc.setIn(trustedPath, m.doc.createNode([account], { flow: true }));
    m.moved(trustedPath, at);
    m.change(at, `added ami_config.trusted_owners: [${account}] (an image from any tier must be owned by it)`);
  } else if (isSeq(trusted) && !trusted.items.some((item) => isScalar(item) && String(item.value) === account)) {
    trusted.add(m.doc.createNode(account));
    m.change(at, `added ${account} to ami_config.trusted_owners`);
  }
}

/** Top-level `ports:` (seed 004) are our instance_defaults.ports. */
function convertPorts(m: Migration): void {
  const ports = m.doc.get("ports", true);
  if (ports === undefined) return;
  const target = ["instance_defaults", "ports"];
  if (m.doc.hasIn(target)) {
    m.change(["ports"], "removed ports: instance_defaults.ports is already set and wins");
  } else {
    m.doc.setIn(target, ports);
    m.moved(target, ["ports"]);
    m.change(["ports"], "ports → instance_defaults.ports");
  }
  m.doc.delete("ports");
}

/** The design's hand-written cost placeholder; ours computes costs from the bundled price snapshot. */
function convertCostEstimates(m: Migration): void {
  const estimate = m.doc.get("estimated_cost_per_hour", true);
  if (estimate === undefined) return;
  const shown = isMap(estimate) || isPlainObject(estimate) ? JSON.stringify(m.doc.toJS().estimated_cost_per_hour) : "";
  m.doc.delete("estimated_cost_per_hour");
  const name = String(m.doc.get("name"));
  m.change(
    ["estimated_cost_per_hour"],
    `removed estimated_cost_per_hour${shown ? ` ${shown}` : ""}: costs are estimated from the price snapshot (cws costs ${name})`,
  );
}

/** Sets `key` as the first key of the template (where a reader looks for a name). */
function setFirst(doc: Document, key: string, value: unknown): void {
  const root = doc.contents as YAMLMap;
  root.items.unshift(doc.createPair(key, value) as (typeof root.items)[number]);
}

/** Sets a new `key` right after `after`, so related keys stay together. */
function setAfter(doc: Document, after: string, key: string, value: unknown): void {
  const root = doc.contents as YAMLMap;
  const index = root.items.findIndex((pair) => isScalar(pair.key) && pair.key.value === after);
  root.items.splice(index + 1, 0, doc.createPair(key, value) as (typeof root.items)[number]);
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^[^a-z0-9]+|-+$/g, "") || "migrated-template"
  );
}

/** The changes as lines (`file:line: message`), as `cws migrate template` prints them on stderr. */
export function formatDesignChanges(file: string, changes: readonly DesignChange[]): string[] {
  return changes.map((c) => `${file}:${c.line}: ${c.message}`);
}
