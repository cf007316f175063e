/**
 * The import-count table of docs/architecture.md: `npx tsx scripts/import-counts.ts [src-dir]`. Counts each
 * `import`, `export … from`, `require()` and `import()` of a file in another top-level folder of src/ (type-only
 * imports included, as the import-graph test counts them). src/index.ts and src/testing are the package's public entry
 * points and import from any floor, so they are left out. Prints a Markdown table, floors from the bottom up.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

/** Bottom floor first; a folder not listed here is added at the end (so a new folder is seen, not dropped). */
const FLOORS = [
  "core",
  "templates",
  "catalog",
  "resolver",
  "imaging",
  "dynamic",
  "components",
  "provider",
  "ops",
  "server",
  "cli",
];
const ENTRY_POINTS = new Set(["index.ts", "testing"]);

function sourceFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFilesUnder(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

/** "from folder → to folder" → how many imports. */
export function importCounts(srcDir: string): Map<string, Map<string, number>> {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
  };
  const folderOf = (file: string) => path.relative(srcDir, file).split(path.sep)[0];
  const counts = new Map<string, Map<string, number>>();
  for (const file of sourceFilesUnder(srcDir)) {
    const from = folderOf(file);
    if (ENTRY_POINTS.has(from)) continue;
    for (const imported of ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true).importedFiles) {
      const target = ts.resolveModuleName(imported.fileName, file, options, ts.sys).resolvedModule?.resolvedFileName;
      if (!target || !path.resolve(target).startsWith(srcDir + path.sep)) continue;
      const to = folderOf(path.resolve(target));
      if (to === from) continue;
      const row = counts.get(from) ?? new Map<string, number>();
      row.set(to, (row.get(to) ?? 0) + 1);
      counts.set(from, row);
    }
  }
  return counts;
}

function table(counts: Map<string, Map<string, number>>): string {
  const seen = new Set([...counts.keys(), ...[...counts.values()].flatMap((row) => [...row.keys()])]);
  const floors = [...FLOORS.filter((f) => seen.has(f)), ...[...seen].filter((f) => !FLOORS.includes(f)).sort()];
  const rows = floors.filter((f) => counts.has(f));
  const columns = floors.filter((f) => rows.some((row) => counts.get(row)?.has(f)));
  const header = "from ↓ / to →";
  const width = Math.max(header.length, ...rows.map((r) => r.length));
  const cell = (c: string) => Math.max(c.length, 3);
  const line = (first: string, cells: string[]) =>
    `| ${first.padEnd(width)} | ${cells.map((text, i) => text.padStart(cell(columns[i]))).join(" | ")} |`;
  return [
    line(header, columns),
    `| ${"-".repeat(width)} | ${columns.map((c) => `${"-".repeat(cell(c) - 1)}:`).join(" | ")} |`,
    ...rows.map((row) =>
      line(
        row,
        columns.map((c) => String(counts.get(row)?.get(c) ?? "")),
      ),
    ),
  ].join("\n");
}

if (require.main === module) {
  const srcDir = path.resolve(process.argv[2] ?? path.join(__dirname, "..", "src"));
  console.log(table(importCounts(srcDir)));
}
