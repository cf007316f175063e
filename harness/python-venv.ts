import * as fs from "node:fs";
import * as path from "node:path";
import { pulumiCacheDir, REPO_ROOT } from "./pulumi-cli";

/**
 * The Python environment the generated Python SDK and examples/python-lab run in under the tests: the venv
 * scripts/setup.sh makes from harness/python-sdk-requirements.txt. Looks only; never installs (setup does).
 */

export const PYTHON_SDK_REQUIREMENTS = path.join(REPO_ROOT, "harness", "python-sdk-requirements.txt");

/** `${XDG_CACHE_HOME:-$HOME/.cache}/cloudworkstation/python-sdk-venv`, as scripts/setup.sh's setup_python_sdk. */
export function pythonSdkVenvDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(pulumiCacheDir(env), "python-sdk-venv");
}

/**
 * The venv's python, when the venv is complete for today's requirements file: setup copies the file into the venv
 * last, so a copy that differs means an older or interrupted setup. Otherwise an error saying what to run.
 */
export function pythonSdkVenv(env: NodeJS.ProcessEnv = process.env): { python: string; dir: string } {
  const dir = pythonSdkVenvDir(env);
  const python = path.join(dir, "bin", "python");
  const installedFor = path.join(dir, "cws-requirements.txt");
  const current =
    fs.existsSync(python) &&
    fs.existsSync(installedFor) &&
    fs.readFileSync(installedFor).equals(fs.readFileSync(PYTHON_SDK_REQUIREMENTS));
  if (!current)
    throw new Error(
      `the Python SDK venv ${dir} is missing or was made from another ` +
        `${path.relative(REPO_ROOT, PYTHON_SDK_REQUIREMENTS)}: run \`npm run setup\``,
    );
  return { python, dir };
}
