import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Where the workstations' Pulumi state lives. Default: a local file backend under the user's config directory that
 * needs nothing set up, its secrets encrypted with a passphrase generated once into a file only the user can read.
 * A lab that outgrows one laptop passes `--backend URL` (or sets PULUMI_BACKEND_URL), e.g. an s3:// bucket.
 */
export interface WorkstationState {
  backendUrl: string;
  /** Where the URL came from, for messages. */
  backendSource: "--backend" | "PULUMI_BACKEND_URL" | "default";
  /** Environment for the engine: the backend and how to decrypt secrets. */
  env: Record<string, string>;
}

export function configDir(env: NodeJS.ProcessEnv): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), ".config"), "cloudworkstation");
}

export function defaultStateDir(env: NodeJS.ProcessEnv): string {
  return path.join(configDir(env), "state");
}

/** The generated passphrase file (mode 0600), made on first use. */
export function ensurePassphraseFile(dir: string): string {
  const file = path.join(dir, "passphrase");
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, crypto.randomBytes(32).toString("base64url") + "\n", { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return file;
}

export function workstationState(env: NodeJS.ProcessEnv, backendFlag?: string): WorkstationState {
  const stateDir = defaultStateDir(env);
  const chosen =
    backendFlag !== undefined
      ? { backendUrl: backendFlag, backendSource: "--backend" as const }
      : env.PULUMI_BACKEND_URL
        ? { backendUrl: env.PULUMI_BACKEND_URL, backendSource: "PULUMI_BACKEND_URL" as const }
        : { backendUrl: `file://${stateDir}`, backendSource: "default" as const };
  if (chosen.backendSource === "default") fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  // A passphrase the user set wins; otherwise the generated one (a team backend's members share that file).
  const secrets: Record<string, string> =
    env.PULUMI_CONFIG_PASSPHRASE !== undefined || env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined
      ? {}
      : { PULUMI_CONFIG_PASSPHRASE_FILE: ensurePassphraseFile(stateDir) };
  return { ...chosen, env: { PULUMI_BACKEND_URL: chosen.backendUrl, ...secrets } };
}
