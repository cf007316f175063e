import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import {
  formatIssue,
  loadTemplate,
  loadTemplateFromObject,
  MAX_FALLBACK_TIMEOUT,
  TemplateError,
  validateTemplateFile,
} from "../../src/templates";
import { MAX_TEMPLATE_FILE_BYTES } from "../../src/templates/loader";
import { MAX_ISSUES_PER_FILE } from "../../src/templates/errors";
import { templateFileSchema } from "../../src/templates/schema";
import { checkAgainstSchema } from "../../src/templates/zod-issues";
import { renderUserData } from "../../src/resolver/user-data";
import { at, fixtureDir, issueWith, templateErrorOf, yaml } from "./helpers";

/** Write `text` as t.yml (plus `others`) in a fresh directory; the absolute path of t.yml. */
function fileWith(text: string, others: Record<string, string> = {}): string {
  return path.join(fixtureDir({ "t.yml": text, ...others }), "t.yml");
}

function errorsOf(text: string, others: Record<string, string> = {}): TemplateError {
  const file = fileWith(text, others);
  return templateErrorOf(() => loadTemplate(file));
}

describe("hostile template input", () => {
  describe("recursive YAML aliases", () => {
    it("reports an alias inside its own anchor at the alias, without overflowing the stack", () => {
      const file = fileWith(yaml("name: t", "tags: &a {x: *a}"));
      const result = validateTemplateFile(file);
      assert.equal(result.ok, false);
      const issue = issueWith(result.issues, "would contain itself");
      assert.equal(at(issue), "2:14");
      assert.deepEqual(issue.path, ["tags", "x"]);
      assert.throws(() => loadTemplate(file), TemplateError);
    });

    it("still accepts an alias that merely repeats an earlier value", () => {
      const file = fileWith(yaml("name: t", "packages:", "  system: &tools [git]", "  spack: *tools"));
      assert.deepEqual(loadTemplate(file).template.packages?.spack, ["git"]);
    });

    it("refuses nesting deeper than 64 levels at the point it gets too deep", () => {
      const deep = `${"[".repeat(200)}${"]".repeat(200)}`;
      const result = validateTemplateFile(fileWith(yaml("name: t", `tags: ${deep}`)));
      const issue = issueWith(result.issues, "nested more than 64");
      assert.equal(issue.line, 2);
      assert.equal(issue.path[0], "tags");
    });

    it("refuses an object from code that contains itself, with a TemplateError", () => {
      const tags: Record<string, unknown> = {};
      tags.self = tags;
      const error = templateErrorOf(() => loadTemplateFromObject({ name: "t", tags }));
      assert.deepEqual(issueWith(error.issues, "cycle").path, ["tags", "self"]);
    });
  });

  describe("fallback_timeout", () => {
    it(`refuses a timeout over ${MAX_FALLBACK_TIMEOUT}, naming the field and the maximum (Node's timer would fire at once)`, () => {
      const error = errorsOf(yaml("name: t", "ami_config:", "  fallback_timeout: 600h"));
      const issue = issueWith(error.issues, "fallback_timeout must be");
      assert.deepEqual(issue.path, ["ami_config", "fallback_timeout"]);
      assert.equal(at(issue), "3:21");
      assert.match(issue.message, /at most 24h \(the maximum\)/);
      assert.match(issue.message, /"600h"/);
    });

    it("accepts the maximum and refuses zero", () => {
      assert.equal(
        loadTemplate(fileWith(yaml("name: t", "ami_config:", "  fallback_timeout: 24h"))).template.ami_config
          ?.fallback_timeout,
        "24h",
      );
      issueWith(
        errorsOf(yaml("name: t", "ami_config:", "  fallback_timeout: 0s")).issues,
        "more than 0 and at most 24h",
      );
    });
  });

  describe("files that inherits and loading may read", () => {
    it("refuses a device as a parent at the inherits line, without reading it", () => {
      const error = errorsOf(yaml("name: t", "inherits: /dev/zero.yml"), {});
      assert.ok(error.issues.length >= 1);
      const device = templateErrorOf(() => loadTemplate(fileWith(yaml("name: t", "inherits: [ok, /dev/zero]"))));
      const issue = issueWith(device.issues, "not a .yml or .yaml file");
      assert.deepEqual(issue.path, ["inherits", 1]);
      assert.equal(at(issue), "2:16");
    });

    it("refuses a parent .yml that is a device or a named pipe, at the inherits line, without blocking", () => {
      const dir = fixtureDir({ "t.yml": yaml("name: t", "category: x", "inherits: [zero.yml, pipe.yml]") });
      fs.symlinkSync("/dev/zero", path.join(dir, "zero.yml"));
      execFileSync("mkfifo", [path.join(dir, "pipe.yml")]);
      const result = validateTemplateFile(path.join(dir, "t.yml"));
      const zero = issueWith(result.issues, "is a device, not a regular file");
      assert.deepEqual(zero.path, ["inherits", 0]);
      assert.equal(at(zero), "3:12");
      assert.ok(formatIssue(zero).includes("t.yml:3:12 inherits[0]: parent template"));
      const pipe = issueWith(result.issues, "named pipe (FIFO), not a regular file");
      assert.deepEqual(pipe.path, ["inherits", 1]);
    });

    it("refuses a template file over 1 MiB without parsing it", () => {
      const big = yaml("name: t", `description: "${"x".repeat(MAX_TEMPLATE_FILE_BYTES)}"`);
      const result = validateTemplateFile(fileWith(big));
      assert.match(issueWith(result.issues, "larger than").message, /1048576 bytes \(1 MiB\)/);
    });

    it("never echoes the contents of a parent that is not a template", () => {
      const error = errorsOf(yaml("name: t", "inherits: ./passwd.yml"), {
        "passwd.yml": "root:x:0:0:root:/root:/bin/bash\n",
      });
      assert.ok(!error.message.includes("root:x"), error.message);
      const issue = issueWith(error.issues, "is not a usable template");
      assert.deepEqual(issue.path, ["inherits"]);
      assert.equal(at(issue), "2:11");
    });
  });

  describe("a submitted template (inheritByNameOnly): parents by name from the templates directories only", () => {
    /** A secrets file where a submitted template could point, and a lab templates directory. */
    function submittedSetup(): { secrets: string; labDir: string; submittedDir: string } {
      const secretsDir = fixtureDir({ "secrets.yml": yaml("db_password: hunter2-db-password", "api_key: sk-live-1") });
      const labDir = fixtureDir({ "lab-base.yml": yaml("name: lab-base", "category: lab") });
      fs.symlinkSync(path.join(secretsDir, "secrets.yml"), path.join(labDir, "leak.yml"));
      const submittedDir = fixtureDir({});
      return { secrets: path.join(secretsDir, "secrets.yml"), labDir, submittedDir };
    }

    function validateSubmitted(setup: ReturnType<typeof submittedSetup>, inherits: string) {
      const file = path.join(setup.submittedDir, "t.yml");
      fs.writeFileSync(file, yaml("name: t", "description: submitted", `inherits: ${JSON.stringify(inherits)}`));
      return validateTemplateFile(file, { templatesDirs: [setup.labDir], inheritByNameOnly: true });
    }

    it("refuses an absolute or relative path at the inherits line, saying what to do, without echoing the file", () => {
      const setup = submittedSetup();
      const relative = path.relative(setup.submittedDir, setup.secrets);
      for (const reference of [setup.secrets, relative, "../../../../etc/passwd.yml", "/tmp/x.yaml"]) {
        const result = validateSubmitted(setup, reference);
        assert.equal(result.ok, false, reference);
        const issue = issueWith(result.issues, "is a path, but a submitted template may inherit only templates");
        assert.deepEqual(issue.path, ["inherits"]);
        assert.equal(at(issue), "3:11");
        assert.match(issue.message, /nothing was read from that path\. Write the name of a template/);
        const report = JSON.stringify(result.issues);
        assert.ok(!report.includes("hunter2") && !report.includes("db_password"), report);
      }
    });

    it("refuses a name that is a symlink out of a templates directory, without reading its target", () => {
      const result = validateSubmitted(submittedSetup(), "leak");
      const issue = issueWith(result.issues, "is a link to a file outside that directory");
      assert.deepEqual(issue.path, ["inherits"]);
      const report = JSON.stringify(result.issues);
      assert.ok(!report.includes("hunter2") && !report.includes("db_password"), report);
    });

    it("still inherits a template named from the templates directories", () => {
      const result = validateSubmitted(submittedSetup(), "lab-base");
      assert.equal(result.ok, true, JSON.stringify(result.issues));
      assert.equal(result.template?.category, "lab");
    });

    it("does not search the submitted file's own directory by name", () => {
      const setup = submittedSetup();
      fs.writeFileSync(path.join(setup.submittedDir, "beside.yml"), yaml("name: beside"));
      const result = validateSubmitted(setup, "beside");
      assert.match(issueWith(result.issues, 'parent template "beside" not found').message, /available: .*lab-base/);
    });

    it("lets a file on disk (no inheritByNameOnly) inherit by path as before", () => {
      const setup = submittedSetup();
      const file = path.join(setup.submittedDir, "t.yml");
      fs.writeFileSync(file, yaml("name: t", `inherits: ${JSON.stringify(path.join(setup.labDir, "lab-base.yml"))}`));
      assert.equal(validateTemplateFile(file).ok, true);
    });
  });

  describe("what the renderer would refuse", () => {
    it("refuses a NUL character in any string, at its line", () => {
      const error = errorsOf(yaml("name: t", 'post_install: "echo hi\\0"', "tags:", '  "a\\0b": c'));
      const value = error.issues.find((issue) => issue.path[0] === "post_install");
      assert.ok(value, error.message);
      assert.match(value.message, /contains a NUL character \(\\0\)/);
      assert.equal(at(value), "2:15");
      const key = issueWith(error.issues, 'the key "a\\u0000b" contains a NUL');
      assert.equal(at(key), "4:3");
    });

    it("refuses a NUL character brought in by a parameter value given from code", () => {
      const dir = fixtureDir({
        "t.yml": yaml("name: t", "parameters:", "  who: { default: x }", 'post_install: "echo {{who}}"'),
      });
      const error = templateErrorOf(() => loadTemplate(path.join(dir, "t.yml"), { parameters: { who: "a\0b" } }));
      assert.equal(at(issueWith(error.issues, "NUL character")), "4:15");
    });

    it("refuses package, service, group names and shells starting with '-', where they are written", () => {
      const error = errorsOf(
        yaml(
          "name: t",
          "packages:",
          "  pip: [numpy, --index-url=http://evil.example]",
          "services:",
          "  - name: -H",
          "users:",
          "  - name: ada",
          "    groups: [-x]",
        ),
      );
      const pip = issueWith(error.issues, '"--index-url=http://evil.example" starts with "-"');
      assert.deepEqual(pip.path, ["packages", "pip", 1]);
      assert.equal(at(pip), "3:16");
      assert.deepEqual(issueWith(error.issues, '"-H" starts with').path, ["services", 0, "name"]);
      assert.deepEqual(issueWith(error.issues, '"-x" starts with').path, ["users", 0, "groups", 0]);
    });

    it("refuses a package_manager contradicting the (possibly inherited) base at validation, as the renderer would", () => {
      const error = errorsOf(yaml("name: t", "inherits: parent", "package_manager: apt"), {
        "parent.yml": yaml("name: parent", "base: rocky-9"),
      });
      const issue = issueWith(error.issues, "package_manager apt does not match base rocky-9");
      assert.equal(at(issue), "3:18");
    });

    it("refuses cloud-config user_data at validation, as the renderer would", () => {
      const error = errorsOf(yaml("name: t", "user_data: |", "  #cloud-config", "  packages: [htop]"));
      assert.deepEqual(issueWith(error.issues, "is cloud-config or MIME").path, ["user_data"]);
    });

    it("renders every template it accepts with a hostile but legal string", () => {
      const loaded = loadTemplate(
        fileWith(
          yaml(
            "name: t",
            "packages:",
            '  system: ["a\'b; rm -rf /"]',
            'post_install: "echo \\"$(id)\\""',
            "version: '1'",
          ),
        ),
      );
      assert.match(renderUserData(loaded.template, { architecture: "x86_64" }), /^#!\/bin\/bash/);
    });
  });

  describe("__proto__ keys", () => {
    for (const [field, lines] of [
      ["tags", ["tags:", "  __proto__: x", "  team: y"]],
      ["parameters", ["parameters:", "  __proto__: { default: x }"]],
      ["ami_config.ami_mappings", ["ami_config:", "  ami_mappings:", "    __proto__: ami-12345678"]],
    ] as const) {
      it(`refuses __proto__ as a key of ${field} at the key, instead of dropping it`, () => {
        const error = errorsOf(yaml("name: t", ...lines));
        const issue = issueWith(error.issues, '"__proto__" cannot be a key');
        assert.equal(issue.path[issue.path.length - 1], "__proto__");
        assert.equal(issue.line, lines.findIndex((line) => line.includes("__proto__")) + 2);
      });
    }

    it("refuses an own __proto__ key in an object from code", () => {
      const raw = JSON.parse('{"name": "t", "tags": {"__proto__": "x"}}') as unknown;
      const error = templateErrorOf(() => loadTemplateFromObject(raw));
      assert.deepEqual(issueWith(error.issues, "__proto__").path, ["tags", "__proto__"]);
    });
  });

  describe("error quality at scale", () => {
    it("gives a duplicate key its field path", () => {
      const error = errorsOf(yaml("name: t", "tags:", "  team: a", "  team: b"));
      const issue = issueWith(error.issues, "duplicate key");
      assert.deepEqual(issue.path, ["tags", "team"]);
      assert.equal(at(issue), "4:3");
      assert.ok(formatIssue(issue).includes(":4:3 tags.team: duplicate key"));
    });

    it("clips a 100,000-character unknown key to 60 characters and its length, in the message and the path", () => {
      const key = "k".repeat(100_000);
      const error = errorsOf(yaml("name: t", `? ${key}`, ": 1"));
      const issue = issueWith(error.issues, "unknown key");
      assert.equal(issue.message.includes(`${"k".repeat(60)}…(100000 chars)`), true);
      assert.ok(error.message.length < 1000, `message is ${error.message.length} characters long`);
    });

    it("clips a long value quoted in a message", () => {
      const error = errorsOf(yaml("name: t", "ami_config:", `  ami_mappings: { us-east-1: ami-${"f".repeat(5000)} }`));
      assert.ok(error.message.length < 1000, `message is ${error.message.length} characters long`);
      assert.match(error.message, /…\(5004 chars\)/);
    });

    it("refuses a second YAML document at its --- line instead of ignoring it", () => {
      const result = validateTemplateFile(fileWith(yaml("name: t", "category: a", "---", "name: other")));
      assert.equal(result.ok, false);
      const issue = issueWith(result.issues, "holds one YAML document");
      assert.equal(at(issue), "3:1");
    });

    it("reports 50 issues of a file with 20,000 unknown keys, then how many more there are", () => {
      const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}: 1`);
      const result = validateTemplateFile(fileWith(yaml("name: t", ...keys)));
      assert.equal(result.ok, false);
      assert.equal(result.issues.length, MAX_ISSUES_PER_FILE + 1);
      const more = issueWith(result.issues, "more problems in this file");
      assert.match(more.message, /^… and 19950 more problems in this file, not listed: at most 50 are reported/);
      assert.equal(more.severity, undefined, "an error: the problems left out are errors");
      assert.equal(result.issues.filter((issue) => issue.message.startsWith('unknown key "k')).length, 50);
      assert.equal(issueWith(result.issues, 'unknown key "k0"').line, 2);
    });

    it("words only the first 50 of 20,000 unknown keys and counts the rest (the work is bounded, not just the report)", () => {
      const value = { name: "t", ...Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, 1])) };
      const result = checkAgainstSchema(templateFileSchema, value, { max: MAX_ISSUES_PER_FILE });
      assert.equal(result.success, false);
      if (result.success) return;
      assert.equal(result.problems.length, MAX_ISSUES_PER_FILE);
      assert.equal(result.notListed, 20_000 - MAX_ISSUES_PER_FILE);
    });

    it("caps many duplicate keys (found while parsing) the same way", () => {
      const duplicates = Array.from({ length: 500 }, () => "  team: a");
      const result = validateTemplateFile(fileWith(yaml("name: t", "tags:", ...duplicates)));
      assert.equal(result.issues.length, MAX_ISSUES_PER_FILE + 1);
      assert.match(issueWith(result.issues, "more problems").message, /… and 449 more problems/);
    });

    it("merges 8,000 inherited tags with 8,000 of the child's, keeping each tag's own line for errors", () => {
      const count = 8000;
      const tags = (prefix: string) => Array.from({ length: count }, (_, i) => `  ${prefix}${i}: v`);
      const error = errorsOf(yaml("name: t", "inherits: parent", "tags:", ...tags("c"), "  c-last: 7"), {
        "parent.yml": yaml("name: parent", "tags:", ...tags("p")),
      });
      const issue = issueWith(error.issues, "expected text, found the number 7");
      assert.deepEqual(issue.path, ["tags", "c-last"]);
      assert.equal(issue.line, count + 4);
    });
  });
});
