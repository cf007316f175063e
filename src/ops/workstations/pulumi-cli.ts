import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Where `cws launch` finds the Pulumi CLI: a directory on PATH holding `pulumi`, else the setup cache that
 * `npm run setup` fills (`${XDG_CACHE_HOME:-~/.cache}/cloudworkstation/pulumi-<version>/bin`), newest first. Only
 * `pulumi` is needed: the program runs in this process and our resources in the package's own plugin launcher
 * (bin/pulumi-resource-cloudworkstation, named in the stack's project settings).
 */
export const PULUMI_NEEDS = ["pulumi"] as const;

/** True for a file this process may execute. */
export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** True when `dir` holds every one of `names`, executable. */
export const holdsExecutables = (dir: string, names: readonly string[]) =>
  names.every((name) => isExecutable(path.join(dir, name)));

/** scripts/install-pulumi.sh's cache: `${XDG_CACHE_HOME:-$HOME/.cache}/cloudworkstation` (pulumi-<version>/bin). */
export function pulumiSetupCache(env: NodeJS.ProcessEnv): string {
  return path.join(env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), ".cache"), "cloudworkstation");
}

/** The setup cache's Pulumi builds (`…/pulumi-<version>/bin`), `preferVersion` first, then newest first. */
export function cachedPulumiBinDirs(env: NodeJS.ProcessEnv, preferVersion?: string): string[] {
  const cache = pulumiSetupCache(env);
  let cached: string[];
  try {
    cached = fs.readdirSync(cache).filter((name) => /^pulumi-\d+\.\d+\.\d+$/.test(name));
  } catch {
    return [];
  }
  const version = (name: string) => name.slice("pulumi-".length).split(".").map(Number);
  cached.sort((a, b) => {
    if (a === `pulumi-${preferVersion}`) return -1;
    if (b === `pulumi-${preferVersion}`) return 1;
    const [x, y] = [version(a), version(b)];
    return y[0] - x[0] || y[1] - x[1] || y[2] - x[2];
  });
  return cached.map((name) => path.join(cache, name, "bin"));
}

/** The directory holding the Pulumi CLI, or undefined when neither PATH nor the setup cache has one. */
export function findPulumiBinDir(env: NodeJS.ProcessEnv): string | undefined {
  const onPath = (env.PATH ?? "").split(path.delimiter).filter(Boolean);
  return [...onPath, ...cachedPulumiBinDirs(env)].find((dir) => holdsExecutables(dir, PULUMI_NEEDS));
}

/** What to do when there is no Pulumi CLI: the error a user reads. */
export function missingPulumiMessage(env: NodeJS.ProcessEnv): string {
  return (
    `the Pulumi CLI (${PULUMI_NEEDS.join(", ")}) is neither on PATH nor in ${path.join(pulumiSetupCache(env), "pulumi-<version>", "bin")}: ` +
    "install it (https://www.pulumi.com/docs/install/) or run `npm run setup` in a CloudWorkstation checkout"
  );
}
