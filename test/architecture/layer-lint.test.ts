import { strict as assert } from "node:assert";
import * as path from "node:path";
import { ESLint } from "eslint";

const REPO_ROOT = path.resolve(__dirname, "../..");

/** The messages eslint.config.mjs gives `code` as if it were the file `file` (relative to the repository). */
async function lintAs(file: string, code: string): Promise<{ line: number; ruleId: string | null; message: string }[]> {
  const eslint = new ESLint({ cwd: REPO_ROOT });
  const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) });
  return result.messages.map(({ line, ruleId, message }) => ({ line, ruleId, message }));
}

describe("the layer rules of eslint.config.mjs", () => {
  it("refuse an upward import in every form: import, require(), import() and typeof import()", async () => {
    const messages = await lintAs(
      "src/templates/layer-probe.ts",
      [
        'import { CatalogStore } from "../catalog/store";',
        'export const engine = () => require("../resolver/engine");',
        'export const imaging = () => import("../imaging");',
        'export type Host = typeof import("../dynamic/host");',
        "export const store = CatalogStore;",
      ].join("\n"),
    );
    const layerRules = messages.filter(
      (m) => m.ruleId === "no-restricted-imports" || m.ruleId === "no-restricted-syntax",
    );
    assert.deepEqual(
      layerRules.map((m) => m.line),
      [1, 2, 3, 4],
      JSON.stringify(messages),
    );
    assert.ok(messages.some((m) => m.line === 2 && m.ruleId === "@typescript-eslint/no-require-imports"));
  });

  it("refuse the server importing the CLI, and src/ importing the package by its own name", async () => {
    const server = await lintAs("src/server/layer-probe.ts", 'export { formatTable } from "../cli/format";\n');
    assert.deepEqual(
      server.map((m) => m.ruleId),
      ["no-restricted-imports"],
    );
    const selfImport = await lintAs(
      "src/cli/layer-probe.ts",
      'export { ResearchWorkstation } from "cloudworkstation";\n',
    );
    assert.deepEqual(
      selfImport.map((m) => m.ruleId),
      ["no-restricted-imports"],
    );
  });

  it("refuse a core file importing templates or the resolver: the ground floor imports nothing of ours", async () => {
    const messages = await lintAs(
      "src/core/layer-probe.ts",
      [
        'import { loadTemplate } from "../templates/loader";',
        'export { resolveAmi } from "../resolver";',
        'export const regions = () => require("./regions");',
        "export const load = loadTemplate;",
      ].join("\n"),
    );
    assert.deepEqual(
      messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.line),
      [1, 2],
      JSON.stringify(messages),
    );
    assert.ok(
      !messages.some((m) => m.line === 3 && m.ruleId === "no-restricted-syntax"),
      "a sibling in core is not a layer violation",
    );
  });

  it("refuse a catalog file importing the resolver, in any form (the arrow back up is gone)", async () => {
    const messages = await lintAs(
      "src/catalog/layer-probe.ts",
      [
        'import type { ResolutionResult } from "../resolver/types";',
        'export const engine = () => import("../resolver/engine");',
        "export type Result = ResolutionResult;",
      ].join("\n"),
    );
    assert.deepEqual(
      messages.map((m) => [m.line, m.ruleId]),
      [
        [1, "no-restricted-imports"],
        [2, "no-restricted-syntax"],
      ],
      JSON.stringify(messages),
    );
    const core = await lintAs("src/catalog/layer-probe.ts", 'export { InvalidInputError } from "../core/errors";\n');
    assert.deepEqual(core, []);
  });

  it("let a resolver file import only the catalog tier's own sibling, not the catalog folder", async () => {
    const tiers = await lintAs("src/resolver/tiers/layer-probe.ts", 'export { catalogTier } from "./catalog";\n');
    assert.deepEqual(tiers, []);
    const engine = await lintAs(
      "src/resolver/layer-probe.ts",
      'export { candidateEntries } from "../catalog/select";\n',
    );
    assert.deepEqual(
      engine.map((m) => m.ruleId),
      ["no-restricted-imports"],
    );
  });
});
