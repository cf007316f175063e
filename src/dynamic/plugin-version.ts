import * as fs from "node:fs";
import * as path from "node:path";
import { findPackageRoot } from "../templates/template-files";

interface Manifest {
  file: string;
  version?: string;
  peerDependencies?: Record<string, string>;
}

/** Our package.json, found above `start` (the repository, the installed npm package, or the plugin directory). */
function manifestAbove(start: string): Manifest {
  const known = manifests.get(start);
  if (known) return known;
  const root = findPackageRoot(start);
  if (root === undefined)
    throw new Error(`the cloudworkstation plugin found no cloudworkstation package.json above ${start}`);
  const file = path.join(root, "package.json");
  const manifest = { file, ...(JSON.parse(fs.readFileSync(file, "utf8")) as Omit<Manifest, "file">) };
  manifests.set(start, manifest);
  return manifest;
}

/** Every resource asks; the file is read once per starting directory. */
const manifests = new Map<string, Manifest>();

/** The plugin's version: our package.json's. */
export function pluginVersion(start: string = __dirname): string {
  const manifest = manifestAbove(start);
  if (!manifest.version) throw new Error(`${manifest.file} has no version`);
  return manifest.version;
}

/**
 * The Pulumi CLI versions our programs accept (a project's `requiredPulumiVersion`, which the engine checks before a
 * preview, up, refresh or destroy): the caret range of our `@pulumi/pulumi` peer dependency, `^3.276.0` →
 * `>=3.276.0 <4.0.0`, so the engine is never older than the SDK the package was built and tested with.
 */
export function requiredPulumiVersion(start: string = __dirname): string {
  const manifest = manifestAbove(start);
  const peer = manifest.peerDependencies?.["@pulumi/pulumi"];
  const caret = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(peer ?? "");
  if (!caret)
    throw new Error(
      `${manifest.file}: peerDependencies["@pulumi/pulumi"] is ${JSON.stringify(peer)}; write it as a caret range (^3.276.0)`,
    );
  return `>=${caret[1]}.${caret[2]}.${caret[3]} <${Number(caret[1]) + 1}.0.0`;
}
