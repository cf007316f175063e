import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Where `cws launch` finds the Pulumi CLI: a directory on PATH holding `pulumi`, else the setup cache that
 * `npm run setup` fills (`${XDG_CACHE_HOME:-~/.cache}/cloudworkstation/pulumi-<version>/bin`), newest first. The
 * engine also needs `pulumi-resource-pulumi-nodejs` (our dynamic resources) beside it.
 */
export const PULUMI_NEEDS = ["pulumi", "pulumi-resource-pulumi-nodejs"] as const;

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

const holdsPulumi = (dir: string) => PULUMI_NEEDS.every((name) => isExecutable(path.join(dir, name)));

export function pulumiSetupCache(env: NodeJS.ProcessEnv): string {
  return path.join(env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), ".cache"), "cloudworkstation");
}

/** The directory holding the Pulumi CLI, or undefined when neither PATH nor the setup cache has one. */
export function findPulumiBinDir(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) if (holdsPulumi(dir)) return dir;
  const cache = pulumiSetupCache(env);
  let cached: string[];
  try {
    cached = fs.readdirSync(cache).filter((name) => /^pulumi-\d+\.\d+\.\d+$/.test(name));
  } catch {
    return undefined;
  }
  const version = (name: string) => name.slice("pulumi-".length).split(".").map(Number);
  cached.sort((a, b) => {
    const [x, y] = [version(a), version(b)];
    return y[0] - x[0] || y[1] - x[1] || y[2] - x[2];
  });
  return cached.map((name) => path.join(cache, name, "bin")).find(holdsPulumi);
}

/** What to do when there is no Pulumi CLI: the error a user reads. */
export function missingPulumiMessage(env: NodeJS.ProcessEnv): string {
  return (
    `the Pulumi CLI (${PULUMI_NEEDS.join(", ")}) is neither on PATH nor in ${path.join(pulumiSetupCache(env), "pulumi-<version>", "bin")}: ` +
    "install it (https://www.pulumi.com/docs/install/) or run `npm run setup` in a CloudWorkstation checkout"
  );
}
