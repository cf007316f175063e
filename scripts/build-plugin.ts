/**
 * Builds the `cloudworkstation` provider plugin as a tarball (`npm run plugin`) and prints the one command that
 * installs it. The tarball holds:
 *   pulumi-resource-cloudworkstation  a sh launcher: runs provider.js with the `node` on PATH (Node >= 22)
 *   provider.js                       src/provider/main.ts and everything it imports, bundled by esbuild
 *   package.json, templates/          our name and version (the plugin's version) and the shipped templates
 * so it runs on a machine with only Node: no repository checkout, no node_modules, no tsx.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { build, type Plugin } from "esbuild";
import { pluginVersion } from "../src/dynamic/plugin-version";

const ROOT = path.resolve(__dirname, "..");
export const PLUGIN_EXECUTABLE = "pulumi-resource-cloudworkstation";
export const PLUGIN_OUT_DIR = path.join(ROOT, "dist", "plugin");
const OLDEST_NODE = 22;

/** The launcher: the bundle beside it, whatever directory the engine starts it from. */
const LAUNCHER = [
  "#!/bin/sh",
  "# The cloudworkstation Pulumi provider plugin (built by `npm run plugin`): the bundled provider on Node.js >= 22.",
  'dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)',
  'exec node "$dir/provider.js" "$@"',
  "",
].join("\n");

// Checked before any bundled module loads, so an old Node says so instead of failing on syntax deep inside.
const NODE_CHECK =
  `if (Number(process.versions.node.split(".")[0]) < ${OLDEST_NODE}) {` +
  ` process.stderr.write("the cloudworkstation plugin needs Node.js >= ${OLDEST_NODE} on PATH; this is " + process.version + "\\n");` +
  " process.exit(1); }";

/**
 * TypeScript (10 MB) is loaded by @pulumi/pulumi only to serialize closures, which the plugin never does (it runs no
 * dynamic resource); a use would fail loudly here rather than pass silently.
 */
const noTypeScript: Plugin = {
  name: "no-typescript",
  setup(builder) {
    builder.onResolve({ filter: /^typescript$/ }, () => ({ path: "typescript", namespace: "no-typescript" }));
    builder.onLoad({ filter: /.*/, namespace: "no-typescript" }, () => ({
      contents:
        'module.exports = new Proxy({}, { get(_, key) { throw new Error("the cloudworkstation plugin bundles no ' +
        'TypeScript (closure serialization is not available in it); it was asked for ts." + String(key)); } });',
      loader: "js",
    }));
  },
};

export interface BuiltPlugin {
  version: string;
  tarball: string;
  /** The unpacked plugin directory the tarball was made from (`pulumi package get-schema <dir>` works on it). */
  dir: string;
  bytes: number;
}

/** Builds dist/plugin/<version>/ and its tarball beside it. */
export async function buildPlugin(outDir: string = PLUGIN_OUT_DIR): Promise<BuiltPlugin> {
  const version = pluginVersion(ROOT);
  const dir = path.join(outDir, `${PLUGIN_EXECUTABLE}-v${version}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  await build({
    entryPoints: [path.join(ROOT, "src", "provider", "main.ts")],
    outfile: path.join(dir, "provider.js"),
    bundle: true,
    platform: "node",
    target: `node${OLDEST_NODE}`,
    format: "cjs",
    banner: { js: NODE_CHECK },
    plugins: [noTypeScript],
    logLevel: "warning",
  });
  fs.writeFileSync(path.join(dir, PLUGIN_EXECUTABLE), LAUNCHER, { mode: 0o755 });
  // findPackageRoot finds the templates and the version by our package name.
  fs.writeFileSync(
    path.join(dir, "package.json"),
    `${JSON.stringify({ name: "cloudworkstation", version, private: true }, null, 2)}\n`,
  );
  fs.cpSync(path.join(ROOT, "templates"), path.join(dir, "templates"), { recursive: true });
  const tarball = path.join(outDir, `${PLUGIN_EXECUTABLE}-v${version}.tar.gz`);
  const tar = spawnSync("tar", ["-czf", tarball, "-C", dir, "."], { encoding: "utf8" });
  if (tar.status !== 0) throw new Error(`tar failed making ${tarball}: ${tar.stderr}`);
  return { version, tarball, dir, bytes: fs.statSync(tarball).size };
}

/** The exact command that installs `plugin`. */
export function installCommand(plugin: Pick<BuiltPlugin, "version" | "tarball">): string {
  return `pulumi plugin install resource cloudworkstation ${plugin.version} --file ${plugin.tarball}`;
}

if (require.main === module) {
  buildPlugin().then(
    (plugin) => {
      process.stderr.write(`built ${path.relative(process.cwd(), plugin.tarball)} (${plugin.bytes} bytes)\n`);
      process.stdout.write(`${installCommand(plugin)}\n`);
    },
    (error: Error) => {
      process.stderr.write(`npm run plugin failed: ${error.message}\n`);
      process.exitCode = 1;
    },
  );
}
