import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  DEFAULT_TEMPLATES_DIR,
  findPackageRoot,
  listTemplates,
  loadTemplate,
  loadTemplateFromObject,
  parseTemplateYaml,
  TemplateError,
  validateTemplateFile,
} from "../../src/templates";
import { at, fixtureDir, issueWith, templateErrorOf, yaml } from "./helpers";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

describe("finding the shipped templates", () => {
  it("resolves DEFAULT_TEMPLATES_DIR to the repository's templates directory", () => {
    assert.equal(DEFAULT_TEMPLATES_DIR, path.join(REPO_ROOT, "templates"));
    assert.ok(fs.existsSync(path.join(DEFAULT_TEMPLATES_DIR, "python-ml.yml")));
  });

  it("finds the package root from the compiled location dist/src/templates too", () => {
    assert.equal(findPackageRoot(path.join(REPO_ROOT, "dist", "src", "templates")), REPO_ROOT);
    assert.equal(findPackageRoot(path.join(REPO_ROOT, "src", "templates")), REPO_ROOT);
  });

  it("does not take another package's root for its own", () => {
    const other = fixtureDir({ "package.json": JSON.stringify({ name: "someone-else" }), "deep/x.txt": "" });
    assert.equal(findPackageRoot(path.join(other, "deep")), undefined);
  });
});

describe("loading templates by name and path", () => {
  it("loads a shipped template by name, and the same file by path", () => {
    const byName = loadTemplate("python-ml");
    assert.equal(byName.file, path.join(DEFAULT_TEMPLATES_DIR, "python-ml.yml"));
    assert.deepEqual(loadTemplate(byName.file as string).template, byName.template);
  });

  it("searches templatesDirs before the shipped templates", () => {
    const dir = fixtureDir({ "python-ml.yaml": yaml("name: python-ml", "category: local-override") });
    const loaded = loadTemplate("python-ml", { templatesDirs: [dir] });
    assert.equal(loaded.file, path.join(dir, "python-ml.yaml"));
    assert.equal(loaded.template.category, "local-override");
  });

  it("reports an unknown name with the directories searched, a suggestion and the available names", () => {
    const dir = fixtureDir({});
    const error = templateErrorOf(() => loadTemplate("pyton-ml", { templatesDirs: [dir] }));
    assert.equal(error.issues.length, 1);
    const [issue] = error.issues;
    assert.equal(issue.file, "pyton-ml");
    assert.match(issue.message, /^template "pyton-ml" not found; did you mean "python-ml"\? \(searched /);
    assert.ok(issue.message.includes(`${dir}, `), "lists the extra directory first");
    assert.ok(issue.message.includes("templates for pyton-ml.yml and pyton-ml.yaml"));
    assert.match(issue.message, /available: .*python-ml.*r-research/);
    assert.equal(error.message, `pyton-ml: ${issue.message}`);
  });

  it("reports a path that does not exist", () => {
    assert.match(
      templateErrorOf(() => loadTemplate("./no/such/template.yml")).message,
      /template file "\.\/no\/such\/template\.yml" not found/,
    );
  });

  it("shows files relative to the working directory when they are inside it", () => {
    const dir = fixtureDir({ "t.yml": yaml("name: t", "size: M") });
    const previous = process.cwd();
    process.chdir(dir);
    try {
      const issue = issueWith(templateErrorOf(() => loadTemplate("./t.yml")).issues, "unknown key");
      assert.equal(issue.file, "t.yml");
    } finally {
      process.chdir(previous);
    }
  });

  it("warns when a template's name differs from its file name", () => {
    const dir = fixtureDir({ "lab.yml": yaml("name: lab-template") });
    const { warnings } = loadTemplate(path.join(dir, "lab.yml"));
    assert.match(warnings[0], /lab\.yml:1:7 name: name "lab-template" differs from the file name lab\.yml/);
  });
});

describe("templates given as objects", () => {
  it("validates and applies defaults, inheriting from the template directories", () => {
    const loaded = loadTemplateFromObject({
      name: "inline",
      inherits: "ubuntu-24.04-base",
      packages: { pip: ["requests"] },
    });
    assert.equal(loaded.file, undefined);
    assert.deepEqual(loaded.chain, ["inline", "ubuntu-24.04-base"]);
    assert.deepEqual(loaded.template.packages?.pip, ["requests"]);
    assert.equal(loaded.template.ami_config?.strategy, "ami_fallback");
  });

  it("reports a non-object with the source label", () => {
    const error = templateErrorOf(() => loadTemplateFromObject("python-ml", { source: "args.template" }));
    assert.match(error.message, /^args\.template: a template is a mapping of keys/);
  });
});

describe("listing and validating", () => {
  it("lists the shipped templates with their descriptions and categories", () => {
    const list = listTemplates();
    const python = list.find((entry) => entry.name === "python-ml");
    assert.ok(python);
    assert.equal(python.file, path.join(DEFAULT_TEMPLATES_DIR, "python-ml.yml"));
    assert.equal(python.category, "machine-learning");
    assert.match(python.description ?? "", /JupyterLab/);
    assert.deepEqual(
      list.map((entry) => entry.name),
      [...list.map((entry) => entry.name)].sort(),
    );
  });

  it("lets a template in an earlier directory hide a shipped one of the same name", () => {
    const dir = fixtureDir({
      "python-ml.yml": yaml("name: python-ml", "description: ours"),
      "notes.txt": "not a template",
    });
    const list = listTemplates({ templatesDirs: [dir] });
    const python = list.filter((entry) => entry.name === "python-ml");
    assert.deepEqual(python, [{ name: "python-ml", file: path.join(dir, "python-ml.yml"), description: "ours" }]);
    assert.ok(list.some((entry) => entry.name === "r-research"));
  });

  it("validates a file with its parents, returning warnings with severity", () => {
    const dir = fixtureDir({
      "t.yml": yaml("name: t", "inherits: ubuntu-24.04-base", "amis:", "  us-east-1: ami-0123456789abcdef0"),
    });
    const result = validateTemplateFile(path.join(dir, "t.yml"));
    assert.equal(result.ok, true);
    assert.equal(result.template?.name, "t");
    assert.deepEqual(
      result.issues.map((issue) => issue.severity),
      ["warning"],
    );
  });

  it("reports a missing file from validateTemplateFile", () => {
    const result = validateTemplateFile("/nonexistent/t.yml");
    assert.equal(result.ok, false);
    assert.match(result.issues[0].message, /not found/);
  });
});

describe("parsing one document", () => {
  it("returns the template as written, without defaults or inheritance", () => {
    const input = parseTemplateYaml(
      yaml("name: child", "inherits: parent", "ami_config:", "  strategy: ami_required"),
      "child.yml",
    );
    assert.deepEqual(input, { name: "child", inherits: "parent", ami_config: { strategy: "ami_required" } });
  });

  it("applies the whole-template checks when the document inherits nothing", () => {
    const error = templateErrorOf(() =>
      parseTemplateYaml(yaml("name: alone", "ami_config:", "  strategy: ami_required"), "alone.yml"),
    );
    assert.ok(error instanceof TemplateError);
    assert.equal(at(issueWith(error.issues, "ami_required needs")), "3:13");
    assert.equal(error.issues[0].file, "alone.yml");
  });

  it("throws YAML syntax errors as a TemplateError with the position", () => {
    const error = templateErrorOf(() => parseTemplateYaml("name: x\ntags: {a: 1\n", "x.yml"));
    assert.equal(error.issues[0].file, "x.yml");
    assert.ok(error.issues[0].line >= 2);
    assert.match(error.issues[0].message, /^YAML syntax error: /);
  });
});
