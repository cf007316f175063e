import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ts from "typescript";

const REPO_ROOT = path.resolve(__dirname, "../..");
const SRC_DIR = path.join(REPO_ROOT, "src");

function sourceFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFilesUnder(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

/**
 * Every src/ file → the src/ files it imports, counting `import type`, `export … from`, `require()` and `import()`:
 * a type-only back-reference is still an arrow a reader has to follow, and the split that made it was by size.
 */
function importGraphOf(root: string): Map<string, string[]> {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
  };
  const graph = new Map<string, string[]>();
  for (const file of sourceFilesUnder(root)) {
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
    const targets = importedFiles
      .map(
        (imported) => ts.resolveModuleName(imported.fileName, file, options, ts.sys).resolvedModule?.resolvedFileName,
      )
      .filter((target): target is string => target !== undefined && target.startsWith(root + path.sep))
      .map((target) => path.resolve(target));
    graph.set(path.resolve(file), [...new Set(targets)]);
  }
  return graph;
}

/** The strongly connected components with more than one file (Tarjan): each is a cycle, or several tangled ones. */
function cyclesOf(graph: Map<string, string[]>): string[][] {
  let nextIndex = 0;
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, nextIndex);
    lowLink.set(node, nextIndex);
    nextIndex++;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        lowLink.set(node, Math.min(lowLink.get(node)!, lowLink.get(target)!));
      } else if (onStack.has(target)) {
        lowLink.set(node, Math.min(lowLink.get(node)!, index.get(target)!));
      }
    }
    if (lowLink.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

const relative = (file: string): string => path.relative(REPO_ROOT, file);

describe("the import graph of src/", () => {
  it("has no cycle, type-only imports, require() and import() included", () => {
    const cycles = cyclesOf(importGraphOf(SRC_DIR));
    assert.deepEqual(
      cycles.map((cycle) => cycle.map(relative).join(" ⇄ ")),
      [],
      "each line is a set of src/ files that import each other; move the shared type or value down to the lower module",
    );
  });

  it("sees a cycle made only of type imports, require() and import()", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cycle-probe-"));
    try {
      fs.writeFileSync(path.join(dir, "a.ts"), 'import type { B } from "./b";\nexport type A = B;\n');
      fs.writeFileSync(path.join(dir, "b.ts"), 'export type B = string;\nexport const c = () => require("./c");\n');
      fs.writeFileSync(path.join(dir, "c.ts"), 'export const a = () => import("./a");\n');
      const cycles = cyclesOf(importGraphOf(fs.realpathSync(dir)));
      assert.deepEqual(
        cycles.map((cycle) => cycle.map((file) => path.basename(file))),
        [["a.ts", "b.ts", "c.ts"]],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
