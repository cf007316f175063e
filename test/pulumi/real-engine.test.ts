import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MotoServer, startMoto } from "../helpers/moto";
import { createImageFromInstance, deregisterInRegions } from "../helpers/seed";

/**
 * AmiResolution under the REAL Pulumi engine (the `pulumi` CLI that scripts/setup.sh builds, a local file backend),
 * against moto: the compiled provider from dist/ is serialized by the program and run by
 * `pulumi-resource-pulumi-nodejs` in its own process. Only the dynamic resource is used (no AWS provider plugin is
 * available offline). Needs dist/ (`npm test` builds it first) and the CLI (found on PATH or in the setup cache).
 */

const ROOT = path.resolve(__dirname, "..", "..");
const NOBLE_AMD64_NEWEST = "ami-00c41000000000002";

function findPulumiBin(): string | undefined {
  const onPath = spawnSync("pulumi", ["version"], { encoding: "utf8" });
  if (onPath.status === 0) return path.dirname(execFileSync("sh", ["-c", "command -v pulumi"], { encoding: "utf8" }).trim());
  const cache = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "cloudworkstation");
  if (!fs.existsSync(cache)) return undefined;
  for (const entry of fs.readdirSync(cache).filter((name) => name.startsWith("pulumi-")).sort().reverse()) {
    const bin = path.join(cache, entry, "bin");
    if (fs.existsSync(path.join(bin, "pulumi")) && fs.existsSync(path.join(bin, "pulumi-language-nodejs"))) return bin;
  }
  return undefined;
}

describe("AmiResolution under the real Pulumi engine", function () {
  this.timeout(300_000);
  let moto: MotoServer;
  let project: string;
  let env: NodeJS.ProcessEnv;
  const dist = process.env.CWS_DIST_DIR ?? path.join(ROOT, "dist");

  const pulumi = (...args: string[]) => {
    const result = spawnSync("pulumi", [...args, "--non-interactive", "--color", "never"], { cwd: project, env, encoding: "utf8" });
    return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
  };

  before(async function () {
    const bin = findPulumiBin();
    if (!bin || !fs.existsSync(path.join(dist, "src", "dynamic", "ami-resolution.js"))) {
      // Without the CLI (scripts/setup.sh builds it) or a build (npm test builds first) there is nothing to run.
      this.skip();
    }
    moto = await startMoto();
    project = fs.mkdtempSync(path.join(os.tmpdir(), "cws-engine-"));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(project, "node_modules"), "dir");
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: cws-engine-test\nruntime: nodejs\n");
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "cws-engine-test", main: "index.js", private: true }));
    fs.writeFileSync(
      path.join(project, "index.js"),
      `const { AmiResolution } = require(${JSON.stringify(path.join(dist, "src", "dynamic", "ami-resolution.js"))});
const resolution = new AmiResolution("ws-ami", {
  templateObject: {
    name: "noble-lab", version: "2.1.0", base: "ubuntu-24.04",
    ami_config: { ami_search: { owners: ["099720109477", "self"], name_pattern: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-*-server-*" } },
  },
  region: "us-east-1",
  size: "M",
});
exports.amiId = resolution.amiId;
exports.method = resolution.method;
`,
    );
    fs.mkdirSync(path.join(project, ".state"));
    env = {
      ...process.env,
      ...moto.env(),
      PATH: `${bin}${path.delimiter}${process.env.PATH}`,
      PULUMI_HOME: path.join(project, ".home"),
      PULUMI_BACKEND_URL: `file://${path.join(project, ".state")}`,
      PULUMI_CONFIG_PASSPHRASE: "test",
      PULUMI_SKIP_UPDATE_CHECK: "1",
      PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "1",
      NODE_OPTIONS: "",
    };
    const init = pulumi("stack", "init", "test");
    assert.equal(init.status, 0, init.output);
  });

  after(async () => {
    if (project) {
      pulumi("destroy", "--yes", "--skip-preview");
      fs.rmSync(project, { recursive: true, force: true });
    }
    await moto?.stop();
  });

  it("previews the AMI and chain, launches exactly that, previews clean after a newer image appears, and says why when the pin breaks", async () => {
    const preview = pulumi("preview", "--diff");
    assert.equal(preview.status, 0, preview.output);
    assert.match(preview.output, new RegExp(`amiId\\s*: "${NOBLE_AMD64_NEWEST}"`), "the AMI is a concrete value in the preview");
    assert.match(preview.output, new RegExp(`✓ dynamic_search: selected ${NOBLE_AMD64_NEWEST}`));

    const up = pulumi("up", "--yes", "--skip-preview");
    assert.equal(up.status, 0, up.output);
    const launched = pulumi("stack", "output", "amiId");
    assert.equal(launched.output.trim().split("\n")[0], NOBLE_AMD64_NEWEST);

    await createImageFromInstance(moto.clients().ec2("us-east-1"), {
      sourceAmiId: NOBLE_AMD64_NEWEST,
      name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261121",
    });
    const clean = pulumi("preview", "--expect-no-changes");
    assert.equal(clean.status, 0, `a newer image must not change a pinned stack:\n${clean.output}`);

    await deregisterInRegions(moto.clients(), NOBLE_AMD64_NEWEST, ["us-east-1"]);
    const broken = pulumi("preview", "--diff");
    assert.equal(broken.status, 0, broken.output);
    assert.match(broken.output, /pulumi-nodejs:dynamic:AmiResolution: \(update\)/);
    assert.match(broken.output, new RegExp(`↻ re-resolved: pinned ${NOBLE_AMD64_NEWEST} was deregistered`));
  });
});
