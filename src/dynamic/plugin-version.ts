import * as fs from "node:fs";
import * as path from "node:path";
import { findPackageRoot } from "../templates/template-files";

/**
 * The plugin's version: our package.json's, read from the package root above this file (the repository, the
 * installed npm package, or the plugin directory, which holds a copy of package.json).
 */
export function pluginVersion(start: string = __dirname): string {
  const known = versions.get(start);
  if (known) return known;
  const root = findPackageRoot(start);
  if (root === undefined)
    throw new Error(`the cloudworkstation plugin found no cloudworkstation package.json above ${start}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version?: string };
  if (!manifest.version) throw new Error(`${path.join(root, "package.json")} has no version`);
  versions.set(start, manifest.version);
  return manifest.version;
}

/** Every resource asks; the file is read once per starting directory. */
const versions = new Map<string, string>();
