/**
 * Installs the AWS provider stand-in into a Pulumi home as the `aws` resource plugin at the version @pulumi/aws asks
 * for: `npm run aws-standin -- <PULUMI_HOME>` (or `installAwsStandin(cli, home)` from tests). The plugin is a
 * tarball holding one executable, `pulumi-resource-aws`, a sh launcher that starts this checkout's Node on
 * harness/aws-standin/main.ts (through tsx), resolving modules from this repository. Never shipped: package.json's
 * `files` does not include harness/.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findPulumiCli, REPO_ROOT, type PulumiCli } from "../pulumi-cli";
import { standinPluginVersion } from "./version";

const MAIN = path.join(__dirname, "main.ts");

/** The launcher script: absolute paths, so it runs the same wherever the engine starts it from. */
export function standinLauncher(nodePath = process.execPath): string {
  const tsx = require.resolve("tsx/cjs", { paths: [REPO_ROOT] });
  return [
    "#!/bin/sh",
    "# CloudWorkstation's AWS provider stand-in (harness/aws-standin): a test double that only talks to moto on",
    "# loopback. Installed by `npm run aws-standin -- <PULUMI_HOME>`; never the real pulumi-resource-aws.",
    `exec ${JSON.stringify(nodePath)} --require ${JSON.stringify(tsx)} ${JSON.stringify(MAIN)} "$@"`,
    "",
  ].join("\n");
}

/** Writes the plugin tarball and installs it into `pulumiHome` with `pulumi plugin install … --file`. */
export function installAwsStandin(cli: PulumiCli, pulumiHome: string): { version: string; pluginDir: string } {
  const version = standinPluginVersion();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "cws-aws-standin-"));
  try {
    const stage = path.join(work, "plugin");
    fs.mkdirSync(stage);
    fs.writeFileSync(path.join(stage, "pulumi-resource-aws"), standinLauncher(), { mode: 0o755 });
    const tarball = path.join(work, `pulumi-resource-aws-v${version}-standin.tar.gz`);
    const tar = spawnSync("tar", ["-czf", tarball, "-C", stage, "pulumi-resource-aws"], { encoding: "utf8" });
    if (tar.status !== 0) throw new Error(`tar failed making ${tarball}: ${tar.stderr}`);
    fs.mkdirSync(pulumiHome, { recursive: true });
    const install = spawnSync(
      path.join(cli.binDir, "pulumi"),
      ["plugin", "install", "resource", "aws", version, "--file", tarball, "--reinstall", "--non-interactive"],
      {
        encoding: "utf8",
        env: { ...process.env, PULUMI_HOME: pulumiHome, PULUMI_SKIP_UPDATE_CHECK: "true" },
      },
    );
    if (install.status !== 0)
      throw new Error(
        `pulumi plugin install resource aws ${version} --file … failed (exit ${install.status}):\n${install.stdout}${install.stderr}`,
      );
    return { version, pluginDir: path.join(pulumiHome, "plugins", `resource-aws-v${version}`) };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const home = process.argv[2];
  if (!home) {
    console.error("usage: npm run aws-standin -- <PULUMI_HOME>   (a private Pulumi home, never your own ~/.pulumi)");
    process.exit(2);
  }
  const cli = findPulumiCli();
  if (!cli) {
    console.error("the Pulumi CLI is neither on PATH nor in the setup cache: run `npm run setup` first");
    process.exit(1);
  }
  const { version, pluginDir } = installAwsStandin(cli, path.resolve(home));
  console.log(`installed the AWS provider stand-in as resource plugin aws ${version} in ${pluginDir}`);
  console.log(
    `use it with PULUMI_HOME=${path.resolve(home)} PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true ` +
      "AWS_ENDPOINT_URL=http://127.0.0.1:<moto port>",
  );
}
