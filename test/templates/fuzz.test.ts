import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { renderUserData } from "../../src/resolver/user-data";
import {
  DEFAULT_TEMPLATES_DIR,
  loadTemplate,
  loadTemplateFromObject,
  TemplateError,
  validateTemplateFile,
  type TemplateIssue,
} from "../../src/templates";

/**
 * Property-based fuzzing of the loader (issue 16): shipped templates mutated with hostile values and odd YAML, a
 * fixed seed and a fixed number of runs, so a failure reproduces exactly.
 */

const SEED = 20261129;
const OBJECT_MUTANTS = 1000;
const TEXT_MUTANTS = 1000;
/** loadTemplate (which throws) is run on every LOAD_EVERY-th mutant; validateTemplateFile (same checks) on all. */
const LOAD_EVERY = 4;

const shippedFiles = fs
  .readdirSync(DEFAULT_TEMPLATES_DIR)
  .filter((name) => name.endsWith(".yml"))
  .sort()
  .map((name) => path.join(DEFAULT_TEMPLATES_DIR, name));
const shippedTexts = shippedFiles.map((file) => fs.readFileSync(file, "utf8"));
const shippedObjects = shippedTexts.map((text) => parse(text) as Record<string, unknown>);

const deepList = (depth: number): unknown => {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

const hostileString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom(
    "",
    "-rf",
    "--index-url=http://evil.example",
    "__proto__",
    "constructor",
    "a\0b",
    "\0",
    "{{x}}",
    "{{undeclared}}",
    "ami-12345678",
    "ami-XYZ",
    "us-east1",
    "../../etc",
    "xx-newplace-1",
    "us-gov-west-1",
    "600h",
    "0s",
    "24h",
    "99999999999h",
    "#cloud-config\npackages: [x]",
    "\u202e\u0000\uffff",
    "'\"; rm -rf / #",
    "$(reboot)",
    "/dev/zero",
    "/etc/passwd",
    "ubuntu-24.04-base",
    "python-ml",
  ),
  fc.integer({ min: 1000, max: 20_000 }).map((n) => "k".repeat(n)),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 4 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 4 }),
  fc.constant(JSON.parse('{"__proto__": {"polluted": "yes"}}') as unknown),
  fc.integer({ min: 10, max: 150 }).map(deepList),
  fc.jsonValue({ maxDepth: 4 }),
);

/** Every path of a value (mappings and lists), the root first. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) value.forEach((item, i) => out.push(...pathsOf(item, [...prefix, i])));
  else if (value && typeof value === "object")
    for (const [key, item] of Object.entries(value)) out.push(...pathsOf(item, [...prefix, key]));
  return out;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** A shipped template with one value set, deleted, or replaced by the template itself (a cycle). */
const objectMutant = fc
  .record({
    base: fc.nat(shippedObjects.length - 1),
    at: fc.nat(),
    op: fc.constantFrom("set", "set", "add", "delete", "cycle"),
    key: hostileString,
    value: hostileValue,
  })
  .map(({ base, at, op, key, value }) => {
    const root = clone(shippedObjects[base]);
    const paths = pathsOf(root);
    const target = paths[at % paths.length];
    let parent: unknown = root;
    for (const segment of target.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[segment];
    const last = target[target.length - 1];
    const container = (target.length === 0 ? root : parent) as Record<string | number, unknown>;
    if (op === "add" || target.length === 0) {
      const node = target.length === 0 ? root : container[last];
      if (node && typeof node === "object" && !Array.isArray(node))
        Object.defineProperty(node, key, { value, enumerable: true, configurable: true, writable: true });
    } else if (op === "delete") {
      delete container[last];
    } else if (op === "cycle") {
      container[last] = root;
    } else {
      container[last] = value;
    }
    return root;
  });

const SNIPPETS = [
  "tags: &a {x: *a}",
  "tags: *nowhere",
  "packages: &p\n  system: [git]\npackages: *p",
  "---\nname: second",
  "%YAML 1.1\n---",
  "\tname: tab",
  "name: [unclosed",
  "? [complex, key]\n: value",
  "<<: {name: merged}",
  "tags: !!binary aGVsbG8=",
  "tags: !custom {x: 1}",
  "post_install: !!js/function 'function () {}'",
  `tags: ${"[".repeat(120)}${"]".repeat(120)}`,
  "__proto__: {polluted: yes}",
  "tags:\n  __proto__: x",
  'tags:\n  "a\\0b": c',
  "name: t\nname: t",
  "ami_config:\n  fallback_timeout: 600h",
  "ami_config:\n  ami_mappings:\n    ../../etc: ami-12345678\n    xx-new-1: ami-12345678",
  "inherits: /dev/zero",
  "inherits: ../../../../etc/passwd",
  "inherits: [python-ml, python-ml]",
  `description: ${"x".repeat(5000)}`,
  "users:\n  - name: -root",
  "services:\n  - name: '-H'",
  "user_data: '#cloud-config'",
  "&anchor",
  ": :",
  "- just\n- a list",
  "~",
  "",
];

/** A shipped template's text with a snippet inserted, a line removed or duplicated, or the text cut short. */
const textMutant = fc
  .record({
    base: fc.nat(shippedTexts.length - 1),
    op: fc.constantFrom("insert", "insert", "insert", "remove", "duplicate", "truncate", "indent"),
    line: fc.nat(),
    snippet: fc.constantFrom(...SNIPPETS),
    cut: fc.nat(),
  })
  .map(({ base, op, line, snippet, cut }) => {
    const text = shippedTexts[base];
    const lines = text.split("\n");
    const at = line % lines.length;
    switch (op) {
      case "insert":
        lines.splice(at, 0, snippet);
        break;
      case "remove":
        lines.splice(at, 1);
        break;
      case "duplicate":
        lines.splice(at, 0, lines[at]);
        break;
      case "indent":
        lines[at] = ` ${lines[at]}`;
        break;
      case "truncate":
        return text.slice(0, cut % text.length);
    }
    return lines.join("\n");
  });

/** Fails the run when `fn` throws anything but a TemplateError. */
function loadsOrTemplateError(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    for (const issue of error.issues) assert.equal(typeof issue.message, "string");
  }
}

/**
 * Issues about the document rather than a field, and root-level keys (whose path is the root mapping, []); the count
 * of issues not listed takes the place (and path) of one that may be either.
 */
const NOT_A_FIELD =
  /^(YAML|a template file holds one YAML document|the template is empty|a template is a mapping|unknown key|\w+ is required|a key must be plain text|… and \d+ more problems? in this file)/;

/** (b): every issue in a file has a position; one that points inside the document names the field. */
function assertPositioned(issues: readonly TemplateIssue[]): void {
  for (const issue of issues) {
    assert.ok(issue.line > 0 && issue.column > 0, `no position: ${JSON.stringify(issue).slice(0, 300)}`);
    if (issue.column > 1 && !NOT_A_FIELD.test(issue.message)) {
      assert.ok(issue.path.length > 0, `no field path: ${JSON.stringify(issue).slice(0, 300)}`);
    }
  }
}

/** (c): a template that validates is rendered by the user-data renderer without complaint. True when accepted. */
function assertRenders(file: string): boolean {
  const result = validateTemplateFile(file);
  assertPositioned(result.issues);
  if (!result.ok) return false;
  assert.ok(result.template);
  for (const architecture of ["x86_64", "arm64"] as const) renderUserData(result.template, { architecture });
  return true;
}

describe("template loader fuzzing (fast-check, fixed seed)", function () {
  this.timeout(120_000);
  let dir: string;
  let file: string;
  before(() => {
    // Thousands of rewrites of one file: on tmpfs when there is one (a busy disk made writing the slowest step).
    const tmpfs = "/dev/shm";
    dir = fs.mkdtempSync(path.join(fs.existsSync(tmpfs) ? tmpfs : os.tmpdir(), "cws-fuzz-"));
    file = path.join(dir, "mutant.yml");
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`never throws anything but TemplateError, positions every issue and renders what it accepts: ${OBJECT_MUTANTS} value mutants`, () => {
    let run = 0;
    let accepted = 0;
    fc.assert(
      fc.property(objectMutant, (mutant) => {
        let text: string;
        try {
          text = stringify(mutant, { aliasDuplicateObjects: true });
        } catch {
          text = "";
        }
        fs.writeFileSync(file, text);
        if (assertRenders(file)) accepted++;
        if (run++ % LOAD_EVERY === 0) loadsOrTemplateError(() => loadTemplate(file));
        loadsOrTemplateError(() => loadTemplateFromObject(mutant));
      }),
      { seed: SEED, numRuns: OBJECT_MUTANTS },
    );
    // Rendering is only checked on accepted mutants: make sure there are plenty of them.
    assert.ok(accepted > OBJECT_MUTANTS / 10, `only ${accepted} of ${OBJECT_MUTANTS} mutants were accepted`);
  });

  it(`never throws anything but TemplateError, positions every issue and renders what it accepts: ${TEXT_MUTANTS} YAML text mutants`, () => {
    let run = 0;
    let accepted = 0;
    fc.assert(
      fc.property(textMutant, (text) => {
        fs.writeFileSync(file, text);
        if (assertRenders(file)) accepted++;
        if (run++ % LOAD_EVERY === 0) loadsOrTemplateError(() => loadTemplate(file));
      }),
      { seed: SEED + 1, numRuns: TEXT_MUTANTS },
    );
    assert.ok(accepted > TEXT_MUTANTS / 10, `only ${accepted} of ${TEXT_MUTANTS} mutants were accepted`);
  });
});
