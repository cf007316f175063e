/**
 * Writes schema.json, the `cloudworkstation` plugin's Pulumi package schema, from the plugin's description table
 * (src/provider/schema) at package.json's version (`npm run schema`). With --check, writes nothing and exits 1 when
 * the file is missing or stale. The SDK generators (`pulumi package gen-sdk schema.json`) read this file.
 */
import fs from "node:fs";
import path from "node:path";
import { renderProviderSchema } from "../src/provider/schema";
import { pluginVersion } from "../src/dynamic/plugin-version";

export const PROVIDER_SCHEMA_FILE = path.join(__dirname, "..", "schema.json");

/** The file's exact contents: what the plugin answers GetSchema with. */
export function renderProviderSchemaFile(): string {
  return renderProviderSchema(pluginVersion());
}

function main(argv: readonly string[]): number {
  const expected = renderProviderSchemaFile();
  const current = fs.existsSync(PROVIDER_SCHEMA_FILE) ? fs.readFileSync(PROVIDER_SCHEMA_FILE, "utf8") : undefined;
  const shown = path.relative(process.cwd(), PROVIDER_SCHEMA_FILE);
  if (argv.includes("--check")) {
    if (current === expected) return 0;
    process.stderr.write(`${shown} is ${current === undefined ? "missing" : "out of date"}: run npm run schema\n`);
    return 1;
  }
  if (current !== expected) fs.writeFileSync(PROVIDER_SCHEMA_FILE, expected);
  process.stdout.write(`${shown} ${current === expected ? "is up to date" : "written"}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
