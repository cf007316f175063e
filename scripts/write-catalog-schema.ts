/**
 * Writes catalog/entry.schema.json from the zod entry schema, formatted by Prettier (the tree's formatter, so
 * `prettier --check .` and this script agree). With --check, writes nothing and exits 1 when the file is missing or
 * stale, for CI.
 */
import fs from "node:fs";
import path from "node:path";
import prettier from "prettier";
import { catalogEntryJsonSchema } from "../src/catalog/format";

export const CATALOG_SCHEMA_FILE = path.resolve(__dirname, "..", "catalog", "entry.schema.json");

export async function renderCatalogSchemaFile(): Promise<string> {
  const options = (await prettier.resolveConfig(CATALOG_SCHEMA_FILE)) ?? {};
  return prettier.format(JSON.stringify(catalogEntryJsonSchema()), { ...options, parser: "json" });
}

async function main(argv: readonly string[]): Promise<number> {
  const expected = await renderCatalogSchemaFile();
  const current = fs.existsSync(CATALOG_SCHEMA_FILE) ? fs.readFileSync(CATALOG_SCHEMA_FILE, "utf8") : undefined;
  const shown = path.relative(process.cwd(), CATALOG_SCHEMA_FILE);
  if (argv.includes("--check")) {
    if (current === expected) return 0;
    process.stderr.write(
      `${shown} is ${current === undefined ? "missing" : "out of date"}: run npx tsx scripts/write-catalog-schema.ts\n`,
    );
    return 1;
  }
  if (current !== expected) fs.writeFileSync(CATALOG_SCHEMA_FILE, expected);
  process.stdout.write(`${shown} ${current === expected ? "is up to date" : "written"}\n`);
  return 0;
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
