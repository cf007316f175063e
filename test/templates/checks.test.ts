import assert from "node:assert/strict";
import path from "node:path";
import { loadTemplate, validateTemplateFile } from "../../src/templates";
import { at, fixtureDir, issueWith, yaml } from "./helpers";

describe("provisioning warnings", () => {
  it("warns that ami_required never installs the template's packages, at the strategy", () => {
    const dir = fixtureDir({
      "t.yml": yaml(
        "name: t",
        "packages:",
        "  pip: [numpy]",
        "ami_config:",
        "  strategy: ami_required",
        "  ssm_parameter: /lab/image",
      ),
    });
    const issue = issueWith(validateTemplateFile(path.join(dir, "t.yml")).issues, "ami_required never runs");
    assert.equal(issue.severity, "warning");
    assert.equal(
      issue.message,
      "ami_required never runs the provisioning script, so this template's packages are not applied: bake them into the image, or use ami_fallback to run the script on the image found",
    );
    assert.equal(at(issue), "5:13");
  });

  it("warns that ami_preferred launches a stock OS image as is, pointing into the parent that chose the strategy", () => {
    const dir = fixtureDir({
      "parent.yml": yaml(
        "name: parent",
        "ami_config:",
        "  strategy: ami_preferred",
        "  ssm_parameter: /aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id",
      ),
      "child.yml": yaml("name: child", "inherits: parent", "services:", "  - name: jupyter", "    port: 8888"),
    });
    const { warnings } = loadTemplate(path.join(dir, "child.yml"));
    assert.equal(warnings.length, 1);
    assert.ok(
      warnings[0].startsWith(
        `${path.join(dir, "parent.yml")}:3:13 ami_config.strategy: ssm_parameter finds a stock OS image`,
      ),
    );
    assert.match(warnings[0], /services would not be applied\. Use strategy: ami_fallback/);
  });

  it("stays quiet when trusted_owners admits no stock-OS publisher (a saved template inheriting stock sources)", () => {
    const dir = fixtureDir({
      "parent.yml": yaml(
        "name: parent",
        "ami_config:",
        "  strategy: ami_preferred",
        "  ssm_parameter: /aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id",
      ),
      "saved.yml": yaml(
        "name: saved",
        "inherits: parent",
        "services:",
        "  - name: jupyter",
        "    port: 8888",
        "ami_config:",
        "  ami_mappings:",
        "    us-east-1: ami-0123456789abcdef0",
        '  trusted_owners: ["123456789012"]',
      ),
    });
    assert.deepEqual(loadTemplate(path.join(dir, "saved.yml")).warnings, []);
  });

  it("stays quiet when the script runs on the image (ami_fallback) or the image is the lab's own", () => {
    const dir = fixtureDir({
      "fallback.yml": yaml(
        "name: fallback",
        "packages:",
        "  system: [git]",
        "ami_config:",
        "  strategy: ami_fallback",
        "  ssm_parameter: /aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id",
      ),
      "own.yml": yaml(
        "name: own",
        "packages:",
        "  system: [git]",
        "ami_config:",
        "  ami_search:",
        '    owners: ["123456789012"]',
        "    name_pattern: lab-*",
      ),
    });
    assert.deepEqual(loadTemplate(path.join(dir, "fallback.yml")).warnings, []);
    assert.deepEqual(loadTemplate(path.join(dir, "own.yml")).warnings, []);
  });
});
