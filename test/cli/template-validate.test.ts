import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createAwsClients } from "../../src/core/clients";
import { runCws } from "./in-process";

/** `cws template validate` reads files only: no AWS call (the clients point at a closed port). */
describe("cws template validate (runCli in-process, no AWS)", () => {
  const clients = createAwsClients({ endpoint: "http://127.0.0.1:9", maxAttempts: 1 });
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-validate-dir-"));
    fs.writeFileSync(path.join(dir, "good.yml"), "name: good\nbase: ubuntu-24.04\n");
    fs.writeFileSync(
      path.join(dir, "broken.yaml"),
      "name: broken\nbase: ubuntu-24.04\nami_config:\n  strategy: sometimes\n",
    );
    fs.writeFileSync(path.join(dir, "notes.txt"), "not a template\n");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("with --templates-dir DIR and no file arguments validates every template found there", async () => {
    const run = await runCws(["template", "validate", "--json"], { clients, templatesDir: dir });
    assert.equal(run.code, 2, run.err);
    const reports = JSON.parse(run.out) as { file: string; ok: boolean }[];
    assert.deepEqual(
      reports.map((report) => [path.basename(report.file), report.ok]),
      [
        ["broken.yaml", false],
        ["good.yml", true],
      ],
    );
    fs.rmSync(path.join(dir, "broken.yaml"));
    const clean = await runCws(["template", "validate"], { clients, templatesDir: dir });
    assert.equal(clean.code, 0, clean.err);
    assert.match(clean.out, /good\.yml: ✓ valid/);
  });

  it("without files or --templates-dir, or with a directory holding no templates, says what to give (exit 2)", async () => {
    const none = await runCws(["template", "validate"], { clients });
    assert.equal(none.code, 2);
    assert.match(
      none.err,
      /missing <file…>: give template files, or --templates-dir DIR to validate every template in it/,
    );
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "cws-validate-empty-"));
    try {
      const nothing = await runCws(["template", "validate"], { clients, templatesDir: empty });
      assert.equal(nothing.code, 2);
      assert.match(nothing.err, /no template files \(\*\.yml, \*\.yaml\) in /);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
