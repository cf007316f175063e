import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findPulumiBinDir, missingPulumiMessage } from "../../../src/ops/workstations/pulumi-cli";

/** Where cws launch finds the Pulumi CLI: only `pulumi` is needed (our resources run in the package's plugin). */
describe("cws launch finding the Pulumi CLI (src/ops/workstations/pulumi-cli.ts)", () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "cws-find-pulumi-"))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const executable = (dir: string, name: string) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, name), "#!/bin/sh\n", { mode: 0o755 });
  };

  it("takes a PATH directory holding an executable pulumi alone (no pulumi-resource-pulumi-nodejs beside it)", () => {
    const bin = path.join(root, "bin");
    executable(bin, "pulumi");
    const env = { PATH: [path.join(root, "empty"), bin].join(path.delimiter), XDG_CACHE_HOME: path.join(root, "c") };
    assert.equal(findPulumiBinDir(env), bin);
  });

  it("skips a pulumi that is not executable, then takes the setup cache's newest build", () => {
    const bin = path.join(root, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "pulumi"), "not executable", { mode: 0o644 });
    const cache = path.join(root, "cache");
    executable(path.join(cache, "cloudworkstation", "pulumi-3.9.0", "bin"), "pulumi");
    executable(path.join(cache, "cloudworkstation", "pulumi-3.10.0", "bin"), "pulumi");
    const env = { PATH: bin, XDG_CACHE_HOME: cache };
    assert.equal(findPulumiBinDir(env), path.join(cache, "cloudworkstation", "pulumi-3.10.0", "bin"));
  });

  it("finds none on an empty PATH and cache, and the message names where it looked and what to do", () => {
    const env = { PATH: path.join(root, "nothing"), XDG_CACHE_HOME: path.join(root, "cache") };
    assert.equal(findPulumiBinDir(env), undefined);
    const message = missingPulumiMessage(env);
    assert.match(message, /the Pulumi CLI \(pulumi\) is neither on PATH nor in /);
    assert.ok(message.includes(path.join(root, "cache", "cloudworkstation", "pulumi-<version>", "bin")), message);
    assert.match(message, /npm run setup/);
  });
});
