import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cachedPulumiBinDirs, holdsExecutables, pulumiSetupCache } from "../src/ops/workstations/pulumi-cli";

/**
 * Finding and running the real Pulumi CLI for the end-to-end tests and `npm run demo`: a sandbox (temporary
 * PULUMI_HOME and local file backend, never the user's own), projects whose program is a plain JS file requiring the
 * compiled `dist/`, and commands run with `--non-interactive --color never`.
 */

export const REPO_ROOT = path.resolve(__dirname, "..");

/** The three executables the engine needs for a Node.js program with dynamic resources. */
export const PULUMI_EXECUTABLES = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"] as const;

export interface PulumiCli {
  /** Directory holding the PULUMI_EXECUTABLES. */
  binDir: string;
  /** Where it was found. */
  source: "PATH" | "setup cache";
}

/** The @pulumi/pulumi version in package-lock.json: the version scripts/install-pulumi.sh builds. */
export function lockedPulumiVersion(root = REPO_ROOT): string | undefined {
  try {
    const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8"));
    return lock.packages?.["node_modules/@pulumi/pulumi"]?.version;
  } catch {
    return undefined;
  }
}

/** scripts/install-pulumi.sh's cache: `${XDG_CACHE_HOME:-$HOME/.cache}/cloudworkstation/pulumi-<version>/bin`. */
export function pulumiCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return pulumiSetupCache(env);
}

/**
 * The Pulumi CLI: first a directory on PATH holding `pulumi` and the Node.js language host (an official install has
 * the dynamic-provider launcher there too), then the setup cache — the locked version first, then any other cached
 * build, newest first. Looks only; never builds (scripts/install-pulumi.sh does, and a cold build takes minutes).
 */
export function findPulumiCli(env: NodeJS.ProcessEnv = process.env, root = REPO_ROOT): PulumiCli | undefined {
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    if (holdsExecutables(dir, ["pulumi", "pulumi-language-nodejs"])) return { binDir: dir, source: "PATH" };
  }
  const bin = cachedPulumiBinDirs(env, lockedPulumiVersion(root)).find((dir) =>
    holdsExecutables(dir, PULUMI_EXECUTABLES),
  );
  return bin ? { binDir: bin, source: "setup cache" } : undefined;
}

export type E2eGate = { run: true; cli: PulumiCli } | { run: false; reason: string };

/**
 * Whether the end-to-end tests can run. A missing CLI or build is an ERROR that says what to run, never a quiet
 * skip; only `CWS_SKIP_E2E=1` turns it into a skip (whose reason the caller prints loudly).
 */
export function e2eGate(options: { env?: NodeJS.ProcessEnv; root?: string; distFiles: string[] }): E2eGate {
  const env = options.env ?? process.env;
  const root = options.root ?? REPO_ROOT;
  const problems: string[] = [];
  const cli = findPulumiCli(env, root);
  if (!cli) {
    problems.push(
      `the Pulumi CLI (${PULUMI_EXECUTABLES.join(", ")}) is neither on PATH nor in ` +
        `${path.join(pulumiCacheDir(env), `pulumi-${lockedPulumiVersion(root) ?? "<version>"}`, "bin")}: run \`npm run setup\` ` +
        "(it builds the CLI once into that cache), or put an installed Pulumi CLI on PATH",
    );
  }
  const missing = options.distFiles.filter((file) => !fs.existsSync(file));
  if (missing.length) {
    problems.push(
      `the compiled provider is missing (${missing.map((f) => path.relative(root, f)).join(", ")}): run \`npm run build\` (npm test builds first)`,
    );
  }
  if (problems.length === 0) return { run: true, cli: cli as PulumiCli };
  const reason = `end-to-end tests cannot run: ${problems.join("; and ")}`;
  if (env.CWS_SKIP_E2E === "1") return { run: false, reason };
  throw new Error(`${reason}. To skip them deliberately, set CWS_SKIP_E2E=1.`);
}

export interface CommandResult {
  command: string;
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout then stderr, for assertions on what a user would read. */
  output: string;
}

/** Environment variables that keep the CLI quiet, offline and inside the sandbox. */
export function pulumiEnv(cli: PulumiCli, home: string, backendDir: string): Record<string, string> {
  return {
    PATH: `${cli.binDir}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: "cloudworkstation-local",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    // The real AWS provider plugin cannot be downloaded here: tests that need one install the stand-in
    // (harness/aws-standin) into this PULUMI_HOME; the others run only our dynamic resources.
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // The program and the provider are plain JS from dist/: no loader hooks from the parent (tsx, mocha).
    NODE_OPTIONS: "",
  };
}

/** A temporary PULUMI_HOME + file backend; projects live under it. `dispose()` removes everything. */
export class PulumiSandbox {
  readonly env: NodeJS.ProcessEnv;

  private constructor(
    readonly root: string,
    readonly cli: PulumiCli,
    extraEnv: Record<string, string>,
  ) {
    fs.mkdirSync(path.join(root, "state"));
    this.env = { ...process.env, ...extraEnv, ...pulumiEnv(cli, path.join(root, "home"), path.join(root, "state")) };
  }

  /** `extraEnv`: e.g. moto's AWS_ENDPOINT_URL and dummy credentials, for the program and its provider processes. */
  static create(cli: PulumiCli, extraEnv: Record<string, string> = {}, prefix = "cws-pulumi-"): PulumiSandbox {
    return new PulumiSandbox(fs.mkdtempSync(path.join(os.tmpdir(), prefix)), cli, extraEnv);
  }

  /**
   * A project directory with Pulumi.yaml and either `program` (written as index.js) or `main` (an absolute path to a
   * compiled program elsewhere). node_modules is a symlink to the repository's: the dynamic-provider launcher
   * resolves @pulumi/pulumi from the project directory.
   */
  project(
    name: string,
    source: { program: string } | { main: string },
    options: { installedFrom?: string } = {},
  ): PulumiProject {
    const dir = path.join(this.root, name);
    fs.mkdirSync(dir);
    if (options.installedFrom) installPackage(dir, options.installedFrom);
    else fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    const main = "program" in source ? "index.js" : source.main;
    if ("program" in source) fs.writeFileSync(path.join(dir, "index.js"), source.program);
    // The cloudworkstation plugin our resources register with: the launcher of the package the program requires
    // (relative to the project, as a lab's Pulumi.yaml names it; none in a checkout from before the plugin).
    const pluginDir = options.installedFrom ? "./node_modules/cloudworkstation/bin" : path.join(REPO_ROOT, "bin");
    const plugins = fs.existsSync(path.resolve(dir, pluginDir))
      ? `plugins:\n  providers:\n    - name: cloudworkstation\n      path: ${JSON.stringify(pluginDir)}\n`
      : "";
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      `name: ${name}\nruntime: nodejs\nmain: ${JSON.stringify(main)}\n${plugins}`,
    );
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, private: true, main }, null, 2));
    return new PulumiProject(dir, this.env);
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Installs `packageRoot` (a checkout with a build in dist/) into `projectDir` the way `npm install cloudworkstation`
 * lays it out: a real copy of package.json, dist/src, templates and bin (the plugin launcher) in node_modules/cloudworkstation (so the modules'
 * absolute paths lie inside the project and move with it), and the repository's dependencies linked beside it.
 * Programs then `require("cloudworkstation")` as a user's would.
 */
export function installPackage(projectDir: string, packageRoot: string = REPO_ROOT): void {
  const modules = path.join(projectDir, "node_modules");
  fs.mkdirSync(modules);
  const dependencies = fs.realpathSync(path.join(REPO_ROOT, "node_modules"));
  for (const entry of fs.readdirSync(dependencies)) {
    if (entry === "cloudworkstation" || entry.startsWith(".")) continue;
    fs.symlinkSync(path.join(dependencies, entry), path.join(modules, entry), "dir");
  }
  const installed = path.join(modules, "cloudworkstation");
  fs.mkdirSync(path.join(installed, "dist"), { recursive: true });
  fs.copyFileSync(path.join(packageRoot, "package.json"), path.join(installed, "package.json"));
  fs.cpSync(path.join(packageRoot, "dist", "src"), path.join(installed, "dist", "src"), { recursive: true });
  fs.cpSync(path.join(packageRoot, "templates"), path.join(installed, "templates"), { recursive: true });
  // A checkout from before the plugin (the fixtures' makers install those) has no bin/.
  if (fs.existsSync(path.join(packageRoot, "bin")))
    fs.cpSync(path.join(packageRoot, "bin"), path.join(installed, "bin"), { recursive: true });
}

export class PulumiProject {
  constructor(
    readonly dir: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Renames the project directory (as a user moving a checkout would) and returns the project at its new place. */
  moveTo(newDir: string): PulumiProject {
    fs.renameSync(this.dir, newDir);
    return new PulumiProject(newDir, this.env);
  }

  /** Runs `pulumi <args> --non-interactive --color never` in the project; never throws on a non-zero exit. */
  run(args: string[], options: { timeoutMs?: number } = {}): Promise<CommandResult> {
    const full = [...args, "--non-interactive", "--color", "never"];
    const command = `pulumi ${full.join(" ")}`;
    return new Promise((resolve, reject) => {
      const child = spawn("pulumi", full, {
        cwd: this.dir,
        env: this.env,
        stdio: ["ignore", "pipe", "pipe"],
        timeout: options.timeoutMs ?? 240_000,
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => (stdout += String(chunk)));
      child.stderr.on("data", (chunk) => (stderr += String(chunk)));
      child.once("error", reject);
      child.once("close", (status, signal) => {
        if (signal) stderr += `\n[${command} ended by ${signal}]`;
        resolve({ command, status, stdout, stderr, output: `${stdout}\n${stderr}` });
      });
    });
  }
}
