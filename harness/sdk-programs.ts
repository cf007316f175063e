import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "./pulumi-cli";
import { pythonSdkVenv } from "./python-venv";

/**
 * Building and running programs that use the generated SDKs (sdk/python, sdk/go) without the engine: pip-installing
 * the Python SDK, running a Python program under Pulumi's mocks, and `go build` of a Go program, all offline.
 */

const PYTHON_MOCKS_RUNNER = path.join(REPO_ROOT, "harness", "python_mocks_run.py");

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const result: SpawnSyncReturns<string> = spawnSync(command, args, {
    encoding: "utf8",
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
  });
  return { status: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ?? ""}` };
}

/**
 * `pip install` of a generated Python SDK into `target` (a site directory for PYTHONPATH), as a user's project would
 * install it; from a copy, because setuptools leaves build/ and *.egg-info beside the sources it builds.
 */
export function pipInstallPythonSdk(sdkPythonDir: string, target: string): void {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "cws-python-sdk-"));
  try {
    fs.cpSync(sdkPythonDir, copy, { recursive: true });
    const { python } = pythonSdkVenv();
    const args = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--no-index"];
    const pip = run(python, [...args, "--no-build-isolation", "--target", target, copy]);
    if (pip.status !== 0) throw new Error(`pip install of ${sdkPythonDir} exited ${pip.status}:\n${pip.output}`);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

export interface MockedPythonRun {
  /** What the program registered, in order: type token, name and the inputs as the engine would see them. */
  resources: { type: string; name: string; inputs: Record<string, unknown> }[];
  /** Per type token and resource name, the SDK's output properties (snake_case) as the program reads them. */
  outputs: Record<string, Record<string, Record<string, unknown>>>;
}

/**
 * Runs `program` (a Pulumi Python program) in the SDK venv under Pulumi's mocks, with `sitePackages` (where
 * pipInstallPythonSdk put the SDK) importable; `cannedOutputs` maps a type token to the outputs its "provider" returns.
 */
export function runPythonProgramWithMocks(
  program: string,
  sitePackages: string,
  cannedOutputs: Record<string, Record<string, unknown>>,
): MockedPythonRun {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cws-python-mocks-"));
  try {
    const outputsFile = path.join(scratch, "outputs.json");
    fs.writeFileSync(outputsFile, JSON.stringify(cannedOutputs));
    const { python } = pythonSdkVenv();
    const result = run(python, [PYTHON_MOCKS_RUNNER, program, outputsFile], {
      cwd: path.dirname(program),
      env: { PYTHONPATH: sitePackages, PYTHONDONTWRITEBYTECODE: "1" },
    });
    if (result.status !== 0) throw new Error(`${program} under mocks exited ${result.status}:\n${result.output}`);
    const json = result.output.split("\n").find((line) => line.startsWith('{"outputs"'));
    if (!json) throw new Error(`${program} under mocks printed no report:\n${result.output}`);
    return JSON.parse(json) as MockedPythonRun;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Offline: every module must be in the module cache already (setup's Pulumi build and an earlier build put it). */
export const OFFLINE_GO_ENV = { GOPROXY: "off", GOFLAGS: "-mod=readonly -buildvcs=false", GOWORK: "off" };

/** `go build` of the program in `dir` into `output`; the status, compiler output and wall time. */
export function goBuild(dir: string, output: string, env: NodeJS.ProcessEnv = {}) {
  const started = Date.now();
  const result = run("go", ["build", "-o", output, "."], { cwd: dir, env: { ...OFFLINE_GO_ENV, ...env } });
  return { ...result, seconds: (Date.now() - started) / 1000 };
}

/** `go test` of the package in `dir` (-count=1: run, not a cached verdict); the status and output. */
export function goTest(dir: string) {
  return run("go", ["test", "-count=1", "."], { cwd: dir, env: OFFLINE_GO_ENV });
}
