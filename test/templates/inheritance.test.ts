import assert from "node:assert/strict";
import path from "node:path";
import { DEFAULT_TEMPLATES_DIR, loadTemplate } from "../../src/templates";
import { at, fixtureDir, issueWith, templateErrorOf, yaml } from "./helpers";

const BASE = yaml(
  "name: base",
  "description: the base",
  "category: base",
  "base: ubuntu-24.04",
  "packages:",
  "  system: [git, curl]",
  "services:",
  "  - name: jupyter",
  "    port: 8888",
  "  - name: sshd",
  "users:",
  "  - name: researcher",
  "    groups: [sudo]",
  "instance_defaults:",
  "  size: M",
  "  root_volume_gb: 50",
  "tags:",
  "  team: a",
  "  os: ubuntu",
  "post_install: echo base",
  "ami_config:",
  "  strategy: ami_fallback",
  "  ami_mappings:",
  "    us-east-1:",
  "      x86_64: ami-0aaaaaaaaaaaaaaaa",
  "      arm64: ami-0bbbbbbbbbbbbbbbb",
  "    eu-west-1: ami-0cccccccccccccccc",
  "  ssm_parameter: /aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id",
  "  ami_search:",
  '    owners: ["099720109477"]',
  "    name_pattern: ubuntu/images/*",
  "    architecture: [x86_64, arm64]",
  '  trusted_owners: ["099720109477"]',
);

const CHILD = yaml(
  "name: child",
  "inherits: base",
  "category: child-category",
  "packages:",
  "  system: [curl, htop]",
  "  pip: [numpy]",
  "services:",
  "  - name: jupyter",
  "    port: 9999",
  "    enable: false",
  "users:",
  "  - name: analyst",
  "instance_defaults:",
  "  type: m7i.large",
  "tags:",
  "  team: b",
  "post_install: echo child",
  "ami_config:",
  "  ami_mappings:",
  "    us-east-1:",
  "      x86_64: ami-0dddddddddddddddd",
  "  ami_search:",
  '    owners: ["123456789012"]',
  "    name_pattern: lab-images/*",
  '  trusted_owners: ["123456789012"]',
);

describe("template inheritance", () => {
  const dir = fixtureDir({ "base.yml": BASE, "child.yml": CHILD });
  const { template, chain } = loadTemplate(path.join(dir, "child.yml"));

  it("never inherits name, description or inherits", () => {
    assert.equal(template.name, "child");
    assert.equal(template.description, undefined);
    assert.equal(template.inherits, "base");
  });

  it("overrides the parent's scalars with the child's and keeps the ones the child does not set", () => {
    assert.equal(template.category, "child-category");
    assert.equal(template.base, "ubuntu-24.04");
  });

  it("appends lists parent first and drops repeated items", () => {
    assert.deepEqual(template.packages, { system: ["git", "curl", "htop"], pip: ["numpy"] });
  });

  it("merges services and users by name, the child's entry replacing the parent's in its place", () => {
    assert.deepEqual(template.services, [
      { name: "jupyter", port: 9999, enable: false },
      { name: "sshd", enable: true },
    ]);
    assert.deepEqual(template.users, [{ name: "researcher", groups: ["sudo"] }, { name: "analyst" }]);
  });

  it("merges mappings key by key", () => {
    assert.deepEqual(template.tags, { team: "b", os: "ubuntu" });
  });

  it("lets a child's instance type replace the parent's size (they are alternatives)", () => {
    assert.deepEqual(template.instance_defaults, { type: "m7i.large", root_volume_gb: 50 });
  });

  it("concatenates post_install scripts, parent's first", () => {
    assert.equal(template.post_install, "echo base\necho child");
  });

  it("merges ami_mappings per region, a child's region entry replacing the parent's whole entry", () => {
    assert.deepEqual(template.ami_config?.ami_mappings, {
      "us-east-1": { x86_64: "ami-0dddddddddddddddd" },
      "eu-west-1": "ami-0cccccccccccccccc",
    });
  });

  it("replaces ami_search and trusted_owners whole, and inherits the other ami_config keys", () => {
    assert.deepEqual(template.ami_config?.ami_search, {
      owners: ["123456789012"],
      name_pattern: "lab-images/*",
      include_deprecated: false,
    });
    assert.deepEqual(template.ami_config?.trusted_owners, ["123456789012"]);
    assert.equal(template.ami_config?.strategy, "ami_fallback");
    assert.match(String(template.ami_config?.ssm_parameter), /^\/aws\/service\/canonical\//);
  });

  it("reports the chain child first", () => {
    assert.deepEqual(chain, ["child", "base"]);
  });
});

describe("multiple parents", () => {
  const dir = fixtureDir({
    "root.yml": yaml(
      "name: root",
      "packages:",
      "  system: [a]",
      "instance_defaults:",
      "  size: S",
      "tags:",
      "  from: root",
    ),
    "left.yml": yaml(
      "name: left",
      "inherits: root",
      "packages:",
      "  system: [b]",
      "instance_defaults:",
      "  size: M",
      "tags:",
      "  side: left",
    ),
    "right.yml": yaml("name: right", "inherits: root", "packages:", "  system: [c]", "tags:", "  side: right"),
    "both.yml": yaml("name: both", "inherits: [left, right]", "packages:", "  system: [d]"),
    "p1.yml": yaml("name: p1", "category: one", "instance_defaults:", "  size: L"),
    "p2.yml": yaml("name: p2", "instance_defaults:", "  size: XL"),
    "two.yml": yaml("name: two", "inherits: [p1, p2]"),
  });

  it("merges parents left to right, then the child", () => {
    const { template, chain } = loadTemplate(path.join(dir, "two.yml"));
    assert.equal(template.instance_defaults?.size, "XL");
    assert.equal(template.category, "one");
    assert.deepEqual(chain, ["two", "p2", "p1"]);
  });

  it("merges a grandparent shared by two parents once, before either, so it cannot undo the first parent", () => {
    const { template, chain } = loadTemplate(path.join(dir, "both.yml"));
    assert.deepEqual(chain, ["both", "right", "left", "root"]);
    assert.deepEqual(template.packages?.system, ["a", "b", "c", "d"]);
    assert.equal(template.instance_defaults?.size, "M");
    assert.deepEqual(template.tags, { from: "root", side: "right" });
  });
});

describe("inheritance errors", () => {
  it("detects a cycle and prints it with the files, at the inherits that closes it", () => {
    const dir = fixtureDir({
      "a.yml": yaml("name: a", "inherits: b"),
      "b.yml": yaml("name: b", "inherits: c"),
      "c.yml": yaml("name: c", "category: x", "inherits: a"),
    });
    const error = templateErrorOf(() => loadTemplate(path.join(dir, "a.yml")));
    const issue = issueWith(error.issues, "inheritance cycle");
    assert.match(
      issue.message,
      /^inheritance cycle: a → b → c → a \(a: .*a\.yml, b: .*b\.yml, c: .*c\.yml\); remove one of these inherits$/,
    );
    assert.equal(issue.file, path.join(dir, "c.yml"));
    assert.equal(at(issue), "3:11");
  });

  it("detects a template that inherits itself", () => {
    const dir = fixtureDir({ "a.yml": yaml("name: a", "inherits: [a]") });
    const issue = issueWith(templateErrorOf(() => loadTemplate(path.join(dir, "a.yml"))).issues, "cycle");
    assert.match(issue.message, /^inheritance cycle: a → a /);
    assert.equal(at(issue), "2:12");
  });

  it("reports an error in a parent at the parent's file and line", () => {
    const dir = fixtureDir({
      "parent.yml": yaml("name: parent", "instance_defaults:", "  size: HUGE"),
      "child.yml": yaml("name: child", "inherits: parent"),
    });
    const issue = issueWith(templateErrorOf(() => loadTemplate(path.join(dir, "child.yml"))).issues, "HUGE");
    assert.equal(issue.file, path.join(dir, "parent.yml"));
    assert.equal(at(issue), "3:9");
  });

  it("checks whole-template rules after merging: a parent's AMI source satisfies a child's ami_required", () => {
    const dir = fixtureDir({
      "parent.yml": yaml("name: parent", "ami_config:", "  ssm_parameter: /lab/images/current"),
      "child.yml": yaml("name: child", "inherits: parent", "ami_config:", "  strategy: ami_required"),
    });
    assert.equal(loadTemplate(path.join(dir, "child.yml")).template.ami_config?.strategy, "ami_required");
  });

  it("reports a whole-template rule broken after merging at the child's line", () => {
    const dir = fixtureDir({
      "parent.yml": yaml("name: parent", "category: x"),
      "child.yml": yaml("name: child", "inherits: parent", "ami_config:", "  strategy: ami_required"),
    });
    const issue = issueWith(
      templateErrorOf(() => loadTemplate(path.join(dir, "child.yml"))).issues,
      "ami_required needs an AMI source",
    );
    assert.equal(issue.file, path.join(dir, "child.yml"));
    assert.equal(at(issue), "4:13");
  });

  it("reports a merged value that breaks a parent's rule in the file that wrote the value", () => {
    const dir = fixtureDir({
      "parent.yml": yaml(
        "name: parent",
        "parameters:",
        "  flavour:",
        "    default: a",
        "    choices: [a, b]",
        "tags:",
        '  flavour: "{{flavour}}"',
      ),
      "child.yml": yaml("name: child", "inherits: parent", "parameters:", "  flavour:", "    default: c"),
    });
    const issue = issueWith(templateErrorOf(() => loadTemplate(path.join(dir, "child.yml"))).issues, "choices");
    assert.equal(issue.message, "default must be one of the choices: a, b");
    assert.equal(issue.file, path.join(dir, "child.yml"));
    assert.equal(at(issue), "5:14");
  });

  it("reports an unknown parent at the inherits entry, with the directories searched and a suggestion", () => {
    const dir = fixtureDir({
      "base.yml": yaml("name: base"),
      "child.yml": yaml("name: child", "inherits:", "  - base", "  - bsae"),
    });
    const issue = issueWith(templateErrorOf(() => loadTemplate(path.join(dir, "child.yml"))).issues, "bsae");
    assert.match(issue.message, /^parent template "bsae" not found; did you mean "base"\? \(searched /);
    assert.ok(issue.message.includes(dir) && issue.message.includes("bsae.yml and bsae.yaml"));
    assert.equal(at(issue), "4:5");
  });
});

describe("finding parents", () => {
  it("looks in the inheriting file's own directory before the shipped templates", () => {
    const dir = fixtureDir({
      "ubuntu-24.04-base.yml": yaml("name: ubuntu-24.04-base", "tags:", "  local: yes"),
      "mine.yml": yaml("name: mine", "inherits: ubuntu-24.04-base"),
    });
    const { template } = loadTemplate(path.join(dir, "mine.yml"));
    assert.deepEqual(template.tags, { local: "yes" });
  });

  it("finds parents in templatesDirs and in the shipped templates", () => {
    const parents = fixtureDir({
      "lab-base.yml": yaml("name: lab-base", "inherits: ubuntu-24.04-base", "tags:", "  lab: x"),
    });
    const children = fixtureDir({ "mine.yml": yaml("name: mine", "inherits: lab-base") });
    const loaded = loadTemplate(path.join(children, "mine.yml"), { templatesDirs: [parents] });
    assert.deepEqual(loaded.chain, ["mine", "lab-base", "ubuntu-24.04-base"]);
    assert.equal(loaded.template.tags?.lab, "x");
    assert.ok(loaded.template.packages?.system?.includes("git"));
    assert.ok(DEFAULT_TEMPLATES_DIR.endsWith("templates"));
  });

  it("accepts a parent given as a path relative to the inheriting file", () => {
    const dir = fixtureDir({
      "parents/p.yml": yaml("name: p", "category: from-path"),
      "c.yml": yaml("name: c", "inherits: ./parents/p.yml"),
    });
    assert.equal(loadTemplate(path.join(dir, "c.yml")).template.category, "from-path");
  });
});
