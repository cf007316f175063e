/**
 * Writes catalog/entry.schema.json from the zod entry schema. With --check, writes nothing and exits 1 when the file
 * is missing or stale, for CI.
 */
import fs from "node:fs";
import path from "node:path";
import { catalogEntryJsonSchema } from "../src/catalog/format";

export const CATALOG_SCHEMA_FILE = path.resolve(__dirname, "..", "catalog", "entry.schema.json");

function main(argv: readonly string[]): number {
  const expected = `${JSON.stringify(catalogEntryJsonSchema(), null, 2)}\n`;
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

if (require.main === module) process.exitCode = main(process.argv.slice(2));
