import assert from "node:assert/strict";
import path from "node:path";
import {
  formatIssue,
  loadTemplate,
  loadTemplateFromObject,
  TemplateError,
  validateTemplateFile,
} from "../../src/templates";
import { at, fixtureDir, issueWith, templateErrorOf, yaml } from "./helpers";

/** Load `text` as the file t.yml and return the TemplateError it raises, with the file's absolute path. */
function errorsOf(text: string): { error: TemplateError; file: string } {
  const dir = fixtureDir({ "t.yml": text });
  const file = path.join(dir, "t.yml");
  return { error: templateErrorOf(() => loadTemplate(file)), file };
}

describe("template errors", () => {
  it("formats an issue as file:line:column path: message", () => {
    const text = formatIssue({
      file: "templates/python-ml.yml",
      line: 12,
      column: 5,
      path: ["ami_config", "ami_search"],
      message: "owners is required",
    });
    assert.equal(text, "templates/python-ml.yml:12:5 ami_config.ami_search: owners is required");
  });

  it("formats list indexes and unusual keys in paths, and marks warnings", () => {
    const text = formatIssue({
      file: "t.yml",
      line: 3,
      column: 7,
      path: ["services", 0, "port"],
      message: "m",
      severity: "warning",
    });
    assert.equal(text, "t.yml:3:7 services[0].port: warning: m");
    assert.equal(
      formatIssue({ file: "t.yml", line: 1, column: 1, path: ["tags", "a b"], message: "m" }),
      't.yml:1:1 tags["a b"]: m',
    );
  });

  it("formats an issue without a position as file: path: message", () => {
    assert.equal(
      formatIssue({ file: "<inline template>", line: 0, column: 0, path: ["tags"], message: "m" }),
      "<inline template>: tags: m",
    );
    assert.equal(
      formatIssue({ file: "pyton-ml", line: 0, column: 0, path: [], message: "not found" }),
      "pyton-ml: not found",
    );
  });

  it("points an unknown key at the key itself and suggests the allowed key it resembles", () => {
    const { error, file } = errorsOf(yaml("name: t", "ami_config:", "  ami_serch:", '    owners: ["099720109477"]'));
    const issue = issueWith(error.issues, "ami_serch");
    assert.equal(issue.message, 'unknown key "ami_serch"; did you mean "ami_search"?');
    assert.deepEqual(issue.path, ["ami_config"]);
    assert.equal(at(issue), "3:3");
    assert.equal(issue.file, file);
  });

  it("suggests top-level keys too, and lists the allowed keys when nothing is close", () => {
    const { error } = errorsOf(yaml("name: t", "descripton: x", "zzz: 1"));
    assert.equal(
      issueWith(error.issues, "descripton").message,
      'unknown key "descripton"; did you mean "description"?',
    );
    const unrelated = issueWith(error.issues, "zzz");
    assert.match(unrelated.message, /^unknown key "zzz"; allowed here: name, description, version/);
    assert.equal(at(unrelated), "3:1");
  });

  it("reports owners missing from ami_search at the ami_search mapping, saying why and what to write", () => {
    const { error } = errorsOf(yaml("name: t", "ami_config:", "  ami_search:", '    name_pattern: "ubuntu/images/*"'));
    const issue = issueWith(error.issues, "owners is required");
    assert.deepEqual(issue.path, ["ami_config", "ami_search"]);
    assert.equal(at(issue), "4:5");
    assert.match(issue.message, /name-squatting/);
    assert.match(issue.message, /owners: \["099720109477"\]/);
  });

  it("reports a malformed AMI id at its value", () => {
    const { error } = errorsOf(yaml("name: t", "ami_config:", "  ami_mappings:", "    us-east-1: ami-12345"));
    const issue = issueWith(error.issues, "not an AMI id");
    assert.equal(
      issue.message,
      '"ami-12345" is not an AMI id: expected "ami-" followed by 8 or 17 lowercase hex digits',
    );
    assert.deepEqual(issue.path, ["ami_config", "ami_mappings", "us-east-1"]);
    assert.equal(at(issue), "4:16");
  });

  it("reports an unknown region at the region key, with the region it resembles", () => {
    const { error } = errorsOf(
      yaml("name: t", "ami_config:", "  ami_mappings:", "    us-east1: ami-0123456789abcdef0"),
    );
    const issue = issueWith(error.issues, "unknown region");
    assert.equal(issue.message, 'unknown region "us-east1"; did you mean "us-east-1"?');
    assert.deepEqual(issue.path, ["ami_config", "ami_mappings"]);
    assert.equal(at(issue), "4:5");
  });

  it("says what type was expected and what was found, with a hint for quoted numbers", () => {
    const { error } = errorsOf(
      yaml("name: t", "services:", "  - name: jupyter", '    port: "8888"', "packages:", "  system: git"),
    );
    const port = issueWith(error.issues, "expected a number");
    assert.equal(port.message, 'expected a number, found the text "8888"; remove the quotes');
    assert.deepEqual(port.path, ["services", 0, "port"]);
    assert.equal(at(port), "4:11");
    const list = issueWith(error.issues, "expected a list");
    assert.equal(
      list.message,
      'expected a list, found the text "git"; write a list: ["git"], or one "- item" per line',
    );
    assert.equal(at(list), "6:11");
  });

  it("reports a key left without a value at the key, saying a mapping was expected", () => {
    const { error } = errorsOf(yaml("name: t", "ami_config:", "tags: {}"));
    const issue = issueWith(error.issues, "expected a mapping");
    assert.equal(
      issue.message,
      "expected a mapping, found no value; the key has no value: add keys under it or remove it",
    );
    assert.equal(at(issue), "2:1");
  });

  it("suggests the enum value a misspelt one resembles", () => {
    const { error } = errorsOf(yaml("name: t", "instance_defaults:", "  size: GPU-XL"));
    const issue = issueWith(error.issues, "GPU-XL");
    assert.match(
      issue.message,
      /^expected one of XS, S, M, L, XL, GPU-S, GPU-M, GPU-L, found the text "GPU-XL"; did you mean "GPU-L"\?$/,
    );
    assert.equal(at(issue), "3:9");
  });

  it("reports ami_required without any AMI source at the strategy", () => {
    const { error } = errorsOf(yaml("name: t", "ami_config:", "  strategy: ami_required"));
    const issue = issueWith(error.issues, "ami_required needs an AMI source");
    assert.deepEqual(issue.path, ["ami_config", "strategy"]);
    assert.equal(at(issue), "3:13");
  });

  it("reports instance type and size given together at size", () => {
    const { error } = errorsOf(yaml("name: t", "instance_defaults:", "  type: m7i.large", "  size: M"));
    const issue = issueWith(error.issues, "give type or size, not both");
    assert.deepEqual(issue.path, ["instance_defaults", "size"]);
    assert.equal(at(issue), "4:9");
  });

  it("reports a malformed duration with an example of a valid one", () => {
    const { error } = errorsOf(yaml("name: t", "ami_config:", "  fallback_timeout: 10 minutes"));
    const issue = issueWith(error.issues, "not a duration");
    assert.equal(issue.message, 'not a duration: write e.g. "90s", "10m" or "1h"');
    assert.equal(at(issue), "3:21");
  });

  it("picks the union branch that fits: a string that is not an SSM parameter name", () => {
    const { error } = errorsOf(yaml("name: t", "ami_config:", "  ssm_parameter: aws/service/canonical/x"));
    const issue = issueWith(error.issues, "SSM parameter");
    assert.equal(
      issue.message,
      '"aws/service/canonical/x" is not an SSM parameter name: it starts with "/", e.g. /aws/service/…',
    );
    assert.equal(at(issue), "3:18");
  });

  it("says which forms a union allows when the value fits none of them", () => {
    const { error } = errorsOf(yaml("name: t", "inherits: 5"));
    assert.equal(at(issueWith(error.issues, "template name or a list")), "2:11");
    assert.match(error.message, /expected a template name or a list of template names, found the number 5/);
  });

  it("reports YAML syntax errors with the parser's position", () => {
    const { error, file } = errorsOf(yaml("name: t", "packages:", "\tsystem: [git]"));
    const issue = issueWith(error.issues, "tabs are not allowed");
    assert.equal(at(issue), "3:1");
    assert.equal(issue.file, file);
  });

  it("reports a duplicate key at its second occurrence", () => {
    const { error } = errorsOf(yaml("name: a", "category: x", "name: b"));
    const issue = issueWith(error.issues, "duplicate key");
    assert.equal(issue.message, 'duplicate key "name": a key may appear only once in a mapping');
    assert.equal(at(issue), "3:1");
  });

  it("reports an empty file and a file that is not a mapping", () => {
    assert.match(errorsOf("").error.message, /the template is empty/);
    assert.match(errorsOf(yaml("- name: t")).error.message, /a template is a mapping of keys .* but this is a list/);
  });

  it("reports every error of a file together, in line order, one formatted line each", () => {
    const { error, file } = errorsOf(
      yaml("name: t", "instance_defaults:", "  root_volume_gb: 4", "ami_config:", "  strategy: sometimes", "tagz: {}"),
    );
    assert.equal(error.issues.length, 3);
    assert.deepEqual(error.issues.map(at), ["3:19", "5:13", "6:1"]);
    assert.deepEqual(error.message.split("\n"), error.issues.map(formatIssue));
    assert.ok(
      error.message.startsWith(`${file}:3:19 instance_defaults.root_volume_gb: must be at least 8, found the number 4`),
    );
  });

  it("reports a missing name at the top of the file", () => {
    const { error } = errorsOf(yaml("# a comment", "category: x"));
    const issue = issueWith(error.issues, "name is required");
    assert.deepEqual(issue.path, []);
    assert.equal(at(issue), "2:1");
  });

  it("reports problems of an object template without a position, labelled by its source", () => {
    const error = templateErrorOf(() =>
      loadTemplateFromObject({ name: "t", ami_config: { ami_search: { name_pattern: "x" } } }, { source: "stack dev" }),
    );
    const issue = issueWith(error.issues, "owners is required");
    assert.deepEqual([issue.file, issue.line, issue.column], ["stack dev", 0, 0]);
    assert.match(formatIssue(issue), /^stack dev: ami_config\.ami_search: owners is required/);
  });

  it("returns errors and warnings from validateTemplateFile instead of throwing", () => {
    const dir = fixtureDir({ "t.yml": yaml("name: t", "instance_defaults:", "  size: XXL") });
    const result = validateTemplateFile(path.join(dir, "t.yml"));
    assert.equal(result.ok, false);
    assert.equal(result.template, undefined);
    assert.equal(at(issueWith(result.issues, "XXL")), "3:9");
  });
});
