import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { e2eGate } from "../../harness/pulumi-cli";
import { buildPlugin, installCommand, PLUGIN_EXECUTABLE, type BuiltPlugin } from "../../scripts/build-plugin";
import { PROVIDER_SCHEMA_FILE } from "../../scripts/write-provider-schema";

const NODE_22_BIN = path.join(os.homedir(), ".cache", "cloudworkstation", "node-22.23.5", "bin");

/** JSON with every object's keys sorted: the engine re-serializes a schema in its own key order. */
function canonical(text: string): string {
  const sort = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sort)
      : value && typeof value === "object"
        ? Object.fromEntries(
            Object.entries(value)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([key, item]) => [key, sort(item)]),
          )
        : value;
  return JSON.stringify(sort(JSON.parse(text)), null, 1);
}

describe("the cloudworkstation plugin tarball (npm run plugin, real Pulumi CLI)", function () {
  this.timeout(180_000);
  const gate = e2eGate({ distFiles: [] });
  let work: string;
  let plugin: BuiltPlugin;
  /** Only Node 22 and the Pulumi CLI on PATH: no tsx, and the plugin lives outside the repository. */
  let env: NodeJS.ProcessEnv;
  const pulumi = (args: string[]) => spawnSync("pulumi", args, { env, encoding: "utf8", cwd: work, timeout: 120_000 });

  before(async function () {
    if (!gate.run) this.skip();
    work = fs.mkdtempSync(path.join(os.tmpdir(), "cws-plugin-tarball-"));
    plugin = await buildPlugin(path.join(work, "out"));
    assert.ok(fs.existsSync(path.join(NODE_22_BIN, "node")), `Node 22 is missing from ${NODE_22_BIN}: npm run setup`);
    env = {
      PATH: [gate.cli.binDir, NODE_22_BIN, "/usr/bin", "/bin"].join(path.delimiter),
      HOME: work,
      PULUMI_HOME: path.join(work, "home"),
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
  });
  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("holds an executable launcher, the bundle, package.json and the templates, and no node_modules", () => {
    const listing = spawnSync("tar", ["-tzvf", plugin.tarball], { encoding: "utf8" }).stdout;
    assert.match(listing, new RegExp(`^-rwxr-xr-x .* \\./${PLUGIN_EXECUTABLE}$`, "m"));
    for (const entry of ["./provider.js", "./package.json", "./templates/python-ml.yml"])
      assert.ok(listing.includes(` ${entry}\n`), `${entry} is in the tarball`);
    assert.ok(!listing.includes("node_modules"), "the bundle needs no node_modules");
    assert.ok(plugin.bytes < 10 * 1024 * 1024, `the tarball is ${plugin.bytes} bytes`);
    assert.equal(
      installCommand(plugin),
      `pulumi plugin install resource cloudworkstation ${plugin.version} --file ${plugin.tarball}`,
    );
  });

  it("installs with the printed command and answers GetSchema with the committed schema.json, on Node 22", () => {
    const [, ...args] = installCommand(plugin).split(" ");
    const install = pulumi([...args, "--non-interactive"]);
    assert.equal(install.status, 0, install.stderr);
    const installed = pulumi(["package", "get-schema", `cloudworkstation@${plugin.version}`]);
    assert.equal(installed.status, 0, installed.stderr);
    assert.equal(canonical(installed.stdout), canonical(fs.readFileSync(PROVIDER_SCHEMA_FILE, "utf8")));
    // From the unpacked plugin directory too: the engine takes the executable's path.
    const direct = pulumi(["package", "get-schema", path.join(plugin.dir, PLUGIN_EXECUTABLE)]);
    assert.equal(direct.status, 0, direct.stderr);
    assert.equal(canonical(direct.stdout), canonical(installed.stdout));
  });

  it("says which Node it needs when the node on PATH is too old", () => {
    const fakeBin = path.join(work, "old-node");
    fs.mkdirSync(fakeBin);
    // A node that reports 20.0.0 and otherwise runs Node 22: the banner's check reads process.versions.
    fs.writeFileSync(
      path.join(fakeBin, "node"),
      `#!/bin/sh\nexec ${JSON.stringify(path.join(NODE_22_BIN, "node"))} --require ${JSON.stringify(path.join(fakeBin, "old.js"))} "$@"\n`,
      { mode: 0o755 },
    );
    fs.writeFileSync(
      path.join(fakeBin, "old.js"),
      'Object.defineProperty(process.versions, "node", { value: "20.0.0" });\n',
    );
    const run = spawnSync(path.join(plugin.dir, PLUGIN_EXECUTABLE), [], {
      env: { PATH: `${fakeBin}${path.delimiter}/usr/bin:/bin` },
      encoding: "utf8",
    });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /the cloudworkstation plugin needs Node\.js >= 22 on PATH/);
  });
});
