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
  /** The default local backend has never been used: no workstation exists, and nothing was created to find that out. */
  unused: boolean;
}

export function configDir(env: NodeJS.ProcessEnv): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), ".config"), "cloudworkstation");
}

export function defaultStateDir(env: NodeJS.ProcessEnv): string {
  return path.join(configDir(env), "state");
}

const PASSPHRASE_FILE = "passphrase";

/** The generated passphrase file (mode 0600), made on first use. */
export function ensurePassphraseFile(dir: string): string {
  const file = path.join(dir, PASSPHRASE_FILE);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, crypto.randomBytes(32).toString("base64url") + "\n", { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return file;
}

/**
 * The backend and secrets for an operation. `create` (a launch) makes the default backend's directory and the
 * passphrase file on first use; every other operation only reads, so looking never leaves files behind.
 */
export function workstationState(
  env: NodeJS.ProcessEnv,
  backendFlag: string | undefined,
  create: boolean,
): WorkstationState {
  const stateDir = defaultStateDir(env);
  const chosen =
    backendFlag !== undefined
      ? { backendUrl: backendFlag, backendSource: "--backend" as const }
      : env.PULUMI_BACKEND_URL
        ? { backendUrl: env.PULUMI_BACKEND_URL, backendSource: "PULUMI_BACKEND_URL" as const }
        : { backendUrl: `file://${stateDir}`, backendSource: "default" as const };
  if (create && chosen.backendSource === "default") fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  // A passphrase the user set wins; otherwise the generated one (a team backend's members share that file).
  const userPassphrase = env.PULUMI_CONFIG_PASSPHRASE !== undefined || env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined;
  const passphraseFile = create ? ensurePassphraseFile(stateDir) : path.join(stateDir, PASSPHRASE_FILE);
  return {
    ...chosen,
    env: {
      PULUMI_BACKEND_URL: chosen.backendUrl,
      ...(userPassphrase ? {} : { PULUMI_CONFIG_PASSPHRASE_FILE: passphraseFile }),
    },
    unused: chosen.backendSource === "default" && !fs.existsSync(stateDir),
  };
}
