import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { buildPlugin, installCommand, type BuiltPlugin } from "../scripts/build-plugin";
import type { PulumiSandbox } from "./pulumi-cli";

/**
 * Builds the `cloudworkstation` plugin tarball under the sandbox and installs it into the sandbox's PULUMI_HOME with
 * exactly the command `npm run plugin` prints, as a user would.
 */
export async function installCloudworkstationPlugin(sandbox: PulumiSandbox): Promise<BuiltPlugin> {
  const plugin = await buildPlugin(path.join(sandbox.root, "plugin"));
  const [, ...args] = installCommand(plugin).split(" ");
  const install = spawnSync("pulumi", [...args, "--non-interactive"], { env: sandbox.env, encoding: "utf8" });
  if (install.status !== 0)
    throw new Error(`${installCommand(plugin)} exited ${install.status}:\n${install.stdout}${install.stderr}`);
  return plugin;
}
