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

describe("scripts calling the other base's package manager", () => {
  function issuesOf(...lines: string[]) {
    const dir = fixtureDir({ "t.yml": yaml(...lines) });
    return validateTemplateFile(path.join(dir, "t.yml")).issues;
  }

  it("warns at the yum line of user_data on the default Ubuntu base, naming the line and what to do", () => {
    const issues = issuesOf(
      "name: t",
      "user_data: |",
      "  #!/bin/bash",
      "  set -euo pipefail",
      "  sudo -E yum install -y htop",
    );
    const issue = issueWith(issues, "runs yum");
    assert.equal(issue.severity, "warning");
    assert.deepEqual(issue.path, ["user_data"]);
    assert.equal(at(issue), "5:3");
    assert.equal(
      issue.message,
      "line 3 of user_data runs yum, but base ubuntu-24.04 (the default base) has apt, not dnf, so the command would " +
        "not be found at boot: use apt-get, list the packages under packages.system, or choose a base that uses dnf",
    );
  });

  it("warns at an apt-get line on a dnf base (post_install too), after && and VAR=value", () => {
    const issues = issuesOf(
      "name: t",
      "base: amazonlinux-2023",
      "post_install: |",
      "  echo start",
      "  cd /tmp && DEBIAN_FRONTEND=noninteractive apt-get install -y htop",
    );
    const issue = issueWith(issues, "runs apt-get");
    assert.deepEqual(issue.path, ["post_install"]);
    assert.equal(at(issue), "5:3");
    assert.match(issue.message, /^line 2 of post_install runs apt-get, but base amazonlinux-2023 has dnf, not apt/);
  });

  it("points at the value when the script is not a literal block", () => {
    const issue = issueWith(issuesOf("name: t", 'user_data: "dnf install -y git"'), "runs dnf");
    assert.equal(at(issue), "2:12");
  });

  it("stays quiet for the base's own manager, a script written for both, comments and `command -v yum`", () => {
    for (const script of [
      ["  apt-get install -y git"],
      ["  if command -v dnf >/dev/null; then dnf install -y git; else apt-get install -y git; fi"],
      ["  # yum install -y git would be the Red Hat way"],
      ["  command -v yum || echo 'no yum here'"],
      ["  echo yum"],
    ]) {
      const issues = issuesOf("name: t", "user_data: |", ...script);
      assert.deepEqual(
        issues.filter((issue) => /runs (yum|dnf|apt)/.test(issue.message)),
        [],
        script.join("\n"),
      );
    }
  });
});
