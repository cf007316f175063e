/**
 * Writes templates/schema.json from the zod template schema (`npm run schema`). With --check, writes nothing and
 * exits 1 when the file is missing or stale, for CI.
 */
import fs from "node:fs";
import path from "node:path";
import { DEFAULT_TEMPLATES_DIR } from "../src/templates/loader";
import { templateJsonSchema } from "../src/templates/json-schema";

export const SCHEMA_FILE = path.join(DEFAULT_TEMPLATES_DIR, "schema.json");

/** The file's exact contents: 2-space JSON and a final newline. */
export function renderSchemaFile(): string {
  return `${JSON.stringify(templateJsonSchema(), null, 2)}\n`;
}

function main(argv: readonly string[]): number {
  const expected = renderSchemaFile();
  const current = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, "utf8") : undefined;
  if (argv.includes("--check")) {
    if (current === expected) return 0;
    process.stderr.write(
      `${path.relative(process.cwd(), SCHEMA_FILE)} is ${current === undefined ? "missing" : "out of date"}: run npm run schema\n`,
    );
    return 1;
  }
  if (current !== expected) fs.writeFileSync(SCHEMA_FILE, expected);
  process.stdout.write(
    `${path.relative(process.cwd(), SCHEMA_FILE)} ${current === expected ? "is up to date" : "written"}\n`,
  );
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
