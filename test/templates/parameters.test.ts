import assert from "node:assert/strict";
import path from "node:path";
import { loadTemplate } from "../../src/templates";
import { at, fixtureDir, issueWith, templateErrorOf, yaml } from "./helpers";

const PARAMETERISED = yaml(
  "name: p",
  "parameters:",
  "  python_version:",
  '    default: "3.12"',
  '    choices: ["3.11", "3.12"]',
  "  disk_gb:",
  "    type: number",
  "    default: 60",
  "  gpu:",
  "    type: boolean",
  "    default: false",
  "packages:",
  '  conda: ["python={{python_version}}", "pip"]',
  "instance_defaults:",
  '  root_volume_gb: "{{disk_gb}}"',
  "tags:",
  '  gpu: "{{ gpu }}"',
  "  python: py{{python_version}}-{{python_version}}",
  "post_install: docker ps --format '{{.Names}}'",
);

describe("template parameters", () => {
  const dir = fixtureDir({ "p.yml": PARAMETERISED });
  const file = path.join(dir, "p.yml");

  it("substitutes defaults into every string, a whole placeholder taking the parameter's type", () => {
    const { template } = loadTemplate(file);
    assert.deepEqual(template.packages?.conda, ["python=3.12", "pip"]);
    assert.equal(template.instance_defaults?.root_volume_gb, 60);
    assert.deepEqual(template.tags, { gpu: "false", python: "py3.12-3.12" });
  });

  it("uses given values over defaults, reading command-line strings as numbers and booleans", () => {
    const { template } = loadTemplate(file, { parameters: { python_version: "3.11", disk_gb: "120", gpu: "true" } });
    assert.deepEqual(template.packages?.conda, ["python=3.11", "pip"]);
    assert.equal(template.instance_defaults?.root_volume_gb, 120);
    assert.equal(template.tags?.gpu, "true");
  });

  it("leaves {{…}} that is not a parameter name alone", () => {
    assert.equal(loadTemplate(file).template.post_install, "docker ps --format '{{.Names}}'");
  });

  it("rejects a value outside the choices, naming the parameter and the allowed values", () => {
    const issue = issueWith(
      templateErrorOf(() => loadTemplate(file, { parameters: { python_version: "3.9" } })).issues,
      "python_version",
    );
    assert.equal(issue.message, 'parameter "python_version" must be one of 3.11, 3.12, but was given the text "3.9"');
    assert.equal(at(issue), "3:3");
  });

  it("rejects a value of the wrong type, naming the parameter", () => {
    const error = templateErrorOf(() =>
      loadTemplate(file, { parameters: { disk_gb: "lots", gpu: 1 as unknown as boolean } }),
    );
    assert.equal(
      issueWith(error.issues, "disk_gb").message,
      'parameter "disk_gb" takes a number, but was given the text "lots"',
    );
    assert.equal(
      issueWith(error.issues, '"gpu"').message,
      'parameter "gpu" takes a boolean, but was given the number 1',
    );
  });

  it("rejects a value for a parameter the template does not declare", () => {
    const issue = issueWith(
      templateErrorOf(() => loadTemplate(file, { parameters: { python_versoin: "3.11" } })).issues,
      "python_versoin",
    );
    assert.match(
      issue.message,
      /^a value was given for parameter "python_versoin", which the template does not declare; did you mean "python_version"\?/,
    );
    assert.equal(at(issue), "2:1");
  });

  it("reports an undeclared placeholder at the string that uses it, with a suggestion", () => {
    const dir2 = fixtureDir({
      "u.yml": yaml(
        "name: u",
        "parameters:",
        "  region_name:",
        "    default: x",
        "tags:",
        '  where: "in {{regoin_name}}"',
      ),
    });
    const issue = issueWith(templateErrorOf(() => loadTemplate(path.join(dir2, "u.yml"))).issues, "regoin_name");
    assert.equal(
      issue.message,
      '{{regoin_name}} names no declared parameter; did you mean "region_name"? (declared: region_name)',
    );
    assert.deepEqual(issue.path, ["tags", "where"]);
    assert.equal(at(issue), "6:10");
  });

  it("requires a value for a parameter without a default", () => {
    const dir2 = fixtureDir({
      "r.yml": yaml("name: r", "parameters:", "  project: {}", "tags:", '  project: "{{project}}"'),
    });
    const error = templateErrorOf(() => loadTemplate(path.join(dir2, "r.yml")));
    assert.match(
      issueWith(error.issues, "project").message,
      /^parameter "project" has no default and no value was given/,
    );
    assert.equal(
      loadTemplate(path.join(dir2, "r.yml"), { parameters: { project: "genomics" } }).template.tags?.project,
      "genomics",
    );
  });

  it("checks a substituted value against the schema, at the line that holds the placeholder", () => {
    const issue = issueWith(
      templateErrorOf(() => loadTemplate(file, { parameters: { disk_gb: 4 } })).issues,
      "at least 8",
    );
    assert.equal(at(issue), "15:19");
  });

  it("warns about a declared parameter that nothing uses", () => {
    const dir2 = fixtureDir({ "w.yml": yaml("name: w", "parameters:", "  unused:", "    default: x") });
    const { warnings } = loadTemplate(path.join(dir2, "w.yml"));
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0],
      /w\.yml:3:3 parameters\.unused: parameter "unused" is declared but no value uses \{\{unused\}\}$/,
    );
  });

  it("substitutes a parent's placeholders with parameters the child declares or sets", () => {
    const dir2 = fixtureDir({
      "parent.yml": yaml(
        "name: parent",
        "parameters:",
        "  flavour:",
        "    default: plain",
        "tags:",
        '  flavour: "{{flavour}}"',
      ),
      "child.yml": yaml("name: child", "inherits: parent", "parameters:", "  flavour:", "    default: spicy"),
    });
    assert.equal(loadTemplate(path.join(dir2, "child.yml")).template.tags?.flavour, "spicy");
    assert.equal(
      loadTemplate(path.join(dir2, "child.yml"), { parameters: { flavour: "sweet" } }).template.tags?.flavour,
      "sweet",
    );
  });
});
