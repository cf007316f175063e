import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { LocalWorkspace, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { InvalidInputError } from "../../core/errors";
import { requiredPulumiVersion } from "../../dynamic/plugin-version";
import { findPackageRoot } from "../../templates/template-files";
import { findPulumiBinDir, missingPulumiMessage } from "./pulumi-cli";
import { workstationState, type WorkstationState } from "./state";

/** Every workstation `cws launch` makes is one stack of this project, named after the workstation. */
export const WORKSTATIONS_PROJECT = "cloudworkstation-workstations";

/** A stack name and a resource name at once: short, plain, and the same in every backend. */
export const WORKSTATION_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Why `name` cannot name a workstation, or undefined when it can. Each front door throws it as its own input error
 * (the CLI's with its usage line, the API's as a 400); `given` is how the caller named the value.
 */
export function workstationNameProblem(name: string, given = "<name>"): string | undefined {
  if (WORKSTATION_NAME.test(name)) return undefined;
  return `${given} "${name}" is not a workstation name: use 1-63 lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. my-research)`;
}

/** A workstation the backend does not hold: an input error (the CLI's exit 2), which the API answers with 404. */
export class WorkstationNotFoundError extends InvalidInputError {
  constructor(
    message: string,
    readonly workstation: string,
    readonly known: string[],
  ) {
    super(message);
    this.name = "WorkstationNotFoundError";
  }
}

export interface WorkstationEngine {
  state: WorkstationState;
  /** Environment for the engine's processes: the caller's, plus the backend, secrets and the CLI on PATH. */
  env: Record<string, string>;
  pulumiRoot?: string;
}

/** Finds the CLI and the backend once per command. */
export function workstationEngine(
  env: NodeJS.ProcessEnv,
  backendFlag: string | undefined,
  options: { create: boolean } = { create: false },
): WorkstationEngine {
  const state = workstationState(env, backendFlag, options.create);
  const binDir = findPulumiBinDir(env);
  // An unused local backend holds no workstation: saying so needs no engine.
  if (!binDir && !state.unused) throw new Error(missingPulumiMessage(env));
  const inherited = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return {
    state,
    env: {
      ...inherited,
      ...state.env,
      PATH: [binDir, env.PATH].filter(Boolean).join(path.delimiter),
      PULUMI_SKIP_UPDATE_CHECK: "true",
    },
    // PulumiCommand wants the installation root (it runs <root>/bin/pulumi); a PATH directory not named bin is used via PATH.
    ...(binDir && path.basename(binDir) === "bin" ? { pulumiRoot: path.dirname(binDir) } : {}),
  };
}

/**
 * The cloudworkstation provider plugin our resources register with: the launcher in this package's bin/ (Pulumi.yaml's
 * `plugins`), and the CLI versions it needs (`requiredPulumiVersion`: the engine refuses an older CLI by name, before
 * anything runs). The Automation API's project settings type declares neither but writes both as given.
 */
function pluginSettings(): { plugins: { providers: { name: string; path: string }[] }; requiredPulumiVersion: string } {
  const root = findPackageRoot(__dirname);
  if (!root)
    throw new Error(`cws found no cloudworkstation package.json above ${__dirname}: reinstall cloudworkstation`);
  return {
    plugins: { providers: [{ name: "cloudworkstation", path: path.join(root, "bin") }] },
    requiredPulumiVersion: requiredPulumiVersion(),
  };
}

/** The workstations project's workspace (Pulumi.yaml in a fresh directory, the state in the backend). */
export async function openWorkstationsWorkspace(
  engine: WorkstationEngine,
  program: PulumiFn,
  region?: string,
): Promise<LocalWorkspace> {
  // Loaded lazily: the Automation API pulls in gRPC and the language runtime, which no other command needs.
  const automation = require("@pulumi/pulumi/automation") as typeof import("@pulumi/pulumi/automation");
  return automation.LocalWorkspace.create({
    pulumiCommand: await automation.PulumiCommand.get({ root: engine.pulumiRoot, skipVersionCheck: true }),
    workDir: workspaceDir(),
    program,
    // The default aws provider's region; every regional resource of a workstation names its region anyway.
    envVars: region ? { ...engine.env, AWS_REGION: region } : engine.env,
    secretsProvider: "passphrase",
    projectSettings: { name: WORKSTATIONS_PROJECT, runtime: "nodejs", ...pluginSettings() },
  });
}

/**
 * The workstation's stack through the Automation API. `program` is the inline Pulumi program (`up`/`preview` run
 * it; refresh and destroy do not). `create: false` refuses a workstation that does not exist.
 */
export async function openWorkstationStack(
  engine: WorkstationEngine,
  name: string,
  program: PulumiFn,
  options: { create: boolean; region?: string },
): Promise<Stack> {
  const { Stack } = require("@pulumi/pulumi/automation") as typeof import("@pulumi/pulumi/automation");
  if (!options.create && engine.state.unused) throw noWorkstation(engine, name, []);
  const workspace = await openWorkstationsWorkspace(engine, program, options.region);
  try {
    if (options.create) return await Stack.createOrSelect(name, workspace);
    const known = (await workspace.listStacks()).map((stack) => stack.name);
    if (!known.includes(name)) throw noWorkstation(engine, name, known);
    return await Stack.select(name, workspace);
  } catch (error) {
    releaseWorkspace(workspace);
    throw error;
  }
}

function noWorkstation(engine: WorkstationEngine, name: string, known: string[]): WorkstationNotFoundError {
  return new WorkstationNotFoundError(
    `no workstation "${name}" in ${engine.state.backendUrl}` +
      (known.length ? ` (there are: ${known.join(", ")})` : " (it holds none)") +
      ": see `cws list`",
    name,
    known,
  );
}

/**
 * A fresh directory for the workspace's Pulumi.yaml, whose node_modules is the one cws runs from: the engine's
 * dynamic-provider host resolves @pulumi/pulumi (and our resources' logic) from the project directory. The state
 * lives in the backend, never here; the directory is in the system's temp space and holds nothing else.
 */
function workspaceDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-workspace-"));
  const pulumiPackage = require.resolve("@pulumi/pulumi/package.json");
  const nodeModules = path.dirname(path.dirname(path.dirname(pulumiPackage)));
  fs.symlinkSync(nodeModules, path.join(dir, "node_modules"), "dir");
  // The engine's processes use it until the operation ends, so it goes when cws exits (or the operation says so).
  if (!removingOnExit) process.once("exit", removeWorkspaceDirs);
  removingOnExit = true;
  workspaceDirs.add(dir);
  return dir;
}

/** Workspace directories still to remove: one exit listener for all, as `cws serve` opens one per request. */
const workspaceDirs = new Set<string>();
let removingOnExit = false;

function removeWorkspaceDirs(): void {
  for (const dir of workspaceDirs) fs.rmSync(dir, { recursive: true, force: true });
  workspaceDirs.clear();
}

/** Removes a workspace's directory once its operation is over (a long-running server must not collect them). */
export function releaseWorkspace(workspace: { workDir: string }): void {
  if (!workspaceDirs.delete(workspace.workDir)) return;
  fs.rmSync(workspace.workDir, { recursive: true, force: true });
}

/** A program for operations that never run one (refresh, destroy): registers nothing. */
export const NO_PROGRAM: PulumiFn = async () => ({});
