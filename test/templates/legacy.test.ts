import assert from "node:assert/strict";
import path from "node:path";
import { loadTemplate, loadTemplateFromObject, parseTemplateYaml, validateTemplateFile } from "../../src/templates";
import { at, fixtureDir, issueWith, templateErrorOf, yaml } from "./helpers";

describe("legacy amis key", () => {
  it("reads amis as ami_config.ami_mappings, per architecture and plain, and warns with the file position", () => {
    const dir = fixtureDir({
      "old.yml": yaml(
        "name: old",
        "amis:",
        "  us-east-1:",
        "    x86_64: ami-0123456789abcdef0",
        "    arm64: ami-0fedcba9876543210",
        "  eu-west-1: ami-0aaaaaaaaaaaaaaaa",
      ),
    });
    const file = path.join(dir, "old.yml");
    const loaded = loadTemplate(file);
    assert.deepEqual(loaded.template.ami_config?.ami_mappings, {
      "us-east-1": { x86_64: "ami-0123456789abcdef0", arm64: "ami-0fedcba9876543210" },
      "eu-west-1": "ami-0aaaaaaaaaaaaaaaa",
    });
    assert.equal("amis" in loaded.template, false);
    assert.equal(loaded.warnings.length, 1);
    assert.match(loaded.warnings[0], new RegExp(`^${file.replace(/[.\\/-]/g, "\\$&")}:2:1 "amis" is deprecated`));
    assert.match(loaded.warnings[0], /move its entries under ami_config: ami_mappings:/);
  });

  it("merges amis with ami_config.ami_mappings, the new key winning, and warns about both", () => {
    const dir = fixtureDir({
      "both.yml": yaml(
        "name: both",
        "amis:",
        "  us-east-1: ami-0123456789abcdef0",
        "  us-west-2: ami-0bbbbbbbbbbbbbbbb",
        "ami_config:",
        "  ami_mappings:",
        "    us-east-1: ami-0fedcba9876543210",
      ),
    });
    const result = validateTemplateFile(path.join(dir, "both.yml"));
    assert.equal(result.ok, true);
    assert.deepEqual(result.template?.ami_config?.ami_mappings, {
      "us-east-1": "ami-0fedcba9876543210",
      "us-west-2": "ami-0bbbbbbbbbbbbbbbb",
    });
    const both = issueWith(result.issues, "both");
    assert.equal(both.severity, "warning");
    assert.match(both.message, /ami_config\.ami_mappings wins for us-east-1/);
    assert.equal(at(both), "2:1");
  });

  it("reports a bad AMI id inside amis at its line in amis", () => {
    const dir = fixtureDir({ "bad.yml": yaml("name: bad", "category: x", "amis:", "  us-east-1: ami-xyz") });
    const issue = issueWith(templateErrorOf(() => loadTemplate(path.join(dir, "bad.yml"))).issues, "not an AMI id");
    assert.equal(at(issue), "4:14");
  });

  it("reports an amis that is not a mapping as a type error", () => {
    const dir = fixtureDir({ "bad.yml": yaml("name: bad", "amis: ami-0123456789abcdef0") });
    const issue = issueWith(
      templateErrorOf(() => loadTemplate(path.join(dir, "bad.yml"))).issues,
      "expected a mapping",
    );
    assert.deepEqual(issue.path, ["amis"]);
  });

  it("normalises amis in objects and single documents too", () => {
    const loaded = loadTemplateFromObject({ name: "o", amis: { "us-east-1": "ami-0123456789abcdef0" } });
    assert.deepEqual(loaded.template.ami_config?.ami_mappings, { "us-east-1": "ami-0123456789abcdef0" });
    assert.match(loaded.warnings[0], /^<inline template>: "amis" is deprecated/);
    const parsed = parseTemplateYaml(yaml("name: p", "amis:", "  us-east-1: ami-0123456789abcdef0"), "p.yml");
    assert.deepEqual(parsed.ami_config, { ami_mappings: { "us-east-1": "ami-0123456789abcdef0" } });
  });
});
