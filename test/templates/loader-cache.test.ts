import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadTemplate } from "../../src/templates";

/** The loader's cache by content: reused for byte-identical files, never for an edited one, never shared mutably. */
describe("template loads cached by content", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-template-cache-"));
    fs.writeFileSync(
      path.join(dir, "lab-base.yml"),
      "name: lab-base\nbase: ubuntu-24.04\npackages:\n  system: [git]\n",
    );
    fs.writeFileSync(path.join(dir, "lab.yml"), "name: lab\ninherits: lab-base\ndescription: first\n");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("sees an edit of the template itself on the next load", () => {
    assert.equal(loadTemplate("lab", { templatesDirs: [dir] }).template.description, "first");
    fs.writeFileSync(path.join(dir, "lab.yml"), "name: lab\ninherits: lab-base\ndescription: second\n");
    assert.equal(loadTemplate("lab", { templatesDirs: [dir] }).template.description, "second");
  });

  it("sees an edit of a parent template on the next load of the child", () => {
    assert.deepEqual(loadTemplate("lab", { templatesDirs: [dir] }).template.packages?.system, ["git"]);
    fs.writeFileSync(
      path.join(dir, "lab-base.yml"),
      "name: lab-base\nbase: ubuntu-24.04\npackages:\n  system: [git, htop]\n",
    );
    assert.deepEqual(loadTemplate("lab", { templatesDirs: [dir] }).template.packages?.system, ["git", "htop"]);
  });

  it("gives each caller its own template: editing one load's result does not change the next", () => {
    const first = loadTemplate("lab", { templatesDirs: [dir] }).template;
    first.description = "edited by a caller";
    (first.packages?.system as string[]).push("vim");
    const second = loadTemplate("lab", { templatesDirs: [dir] }).template;
    assert.equal(second.description, "first");
    assert.deepEqual(second.packages?.system, ["git"]);
  });

  it("keys a load by its parameter values as well", () => {
    fs.writeFileSync(
      path.join(dir, "param.yml"),
      'name: param\nbase: ubuntu-24.04\nparameters:\n  v:\n    type: string\n    default: "a"\ndescription: "v={{v}}"\n',
    );
    assert.equal(loadTemplate("param", { templatesDirs: [dir] }).template.description, "v=a");
    assert.equal(loadTemplate("param", { templatesDirs: [dir], parameters: { v: "b" } }).template.description, "v=b");
    assert.equal(loadTemplate("param", { templatesDirs: [dir] }).template.description, "v=a");
  });
});
