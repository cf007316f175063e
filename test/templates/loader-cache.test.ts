import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadTemplate, loadTemplateFromObject } from "../../src/templates";
import { loaderWork } from "../../src/templates/units-by-content";

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

  /** What `load` made the loader do: files read, units parsed and checked, loads validated. */
  const workOf = (load: () => unknown) => {
    const before = { ...loaderWork };
    load();
    return {
      filesRead: loaderWork.filesRead - before.filesRead,
      unitsPrepared: loaderWork.unitsPrepared - before.unitsPrepared,
      loadsChecked: loaderWork.loadsChecked - before.loadsChecked,
    };
  };

  it("parses and validates an inline object once per content: a second load of an equal object reads only its parents", () => {
    const inline = () => ({ name: "inline-lab", inherits: "lab-base", description: `cached ${dir}` });
    assert.deepEqual(
      workOf(() => loadTemplateFromObject(inline(), { templatesDirs: [dir] })),
      { filesRead: 1, unitsPrepared: 2, loadsChecked: 1 },
      "the object and its parent lab-base, parsed; the merge validated",
    );
    assert.deepEqual(
      workOf(() => loadTemplateFromObject(inline(), { templatesDirs: [dir] })),
      {
        filesRead: 1,
        unitsPrepared: 0,
        loadsChecked: 0,
      },
    );
    assert.equal(
      workOf(() => loadTemplateFromObject({ ...inline(), description: "other" }, { templatesDirs: [dir] }))
        .unitsPrepared,
      1,
      "other content is its own entry",
    );
  });

  it("keeps what an inline object said when it was loaded: editing the object afterwards changes nothing cached", () => {
    const original = () => ({
      name: "inline-lab",
      base: "ubuntu-24.04",
      parameters: { v: { type: "string", default: "a" } },
      description: `v={{v}} ${dir}`,
      packages: { system: ["git"] },
    });
    const edited = original();
    loadTemplateFromObject(edited);
    edited.packages.system.push("vim");
    // Other parameter values: a new merge of the cached object, which must still say what it said when loaded.
    const again = loadTemplateFromObject(original(), { parameters: { v: "b" } }).template;
    assert.deepEqual(again.packages?.system, ["git"]);
    assert.match(String(again.description), /^v=b /);
  });

  it("sees an edit of the file an inline object inherits from on the next load", () => {
    const inline = { name: "inline-lab", inherits: "lab-base", description: dir };
    assert.deepEqual(loadTemplateFromObject(inline, { templatesDirs: [dir] }).template.packages?.system, ["git"]);
    fs.writeFileSync(
      path.join(dir, "lab-base.yml"),
      "name: lab-base\nbase: ubuntu-24.04\npackages:\n  system: [git, htop]\n",
    );
    assert.deepEqual(loadTemplateFromObject(inline, { templatesDirs: [dir] }).template.packages?.system, [
      "git",
      "htop",
    ]);
  });

  it("checks afresh every time an object JSON cannot say exactly (an undefined value)", () => {
    const inline = { name: "inline-lab", base: "ubuntu-24.04", description: dir, category: undefined };
    loadTemplateFromObject(inline);
    assert.equal(workOf(() => loadTemplateFromObject(inline)).unitsPrepared, 1);
  });
});
