import fs from "node:fs";
import path from "node:path";
import { findPackageRoot } from "../templates/template-files";

/** The version in our package.json (`cws --version`, the API's `info.version`); "unknown" outside the package. */
export function packageVersion(): string {
  const root = findPackageRoot(__dirname);
  if (root === undefined) return "unknown";
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version?: string };
  return manifest.version || "unknown";
}
