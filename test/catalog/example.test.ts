import assert from "node:assert/strict";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { defaultCatalogStore } from "../../src/catalog/store";
import { runCli } from "../../src/cli/cli";
import { resolveAmi } from "../../src/resolver/engine";
import { ImageCache } from "../../src/core/image-cache";
import { loadTemplate } from "../../src/templates";
import { startMoto, type MotoServer } from "../../harness/moto";

const EXAMPLE = path.resolve(__dirname, "../../examples/lab-catalog");

describe("examples/lab-catalog (moto, real ssh-keygen)", () => {
  let moto: MotoServer;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  it("passes the file and signature checks of cws catalog verify, and reports its placeholder AMIs as missing (exit 3)", async () => {
    const stdout = new PassThrough();
    let out = "";
    stdout.on("data", (c) => (out += String(c)));
    const code = await runCli(["catalog", "verify", "--catalog", EXAMPLE, "--json"], {
      stdout,
      stderr: new PassThrough(),
      stdoutIsTTY: false,
      stderrIsTTY: false,
      clients: moto.clients(),
      profileRegion: async () => undefined,
      env: { AWS_REGION: "us-east-1" },
    });
    const report = JSON.parse(out);
    assert.equal(code, 3, out);
    assert.equal(report.catalog, "acc-lab");
    assert.equal(report.entries, 3);
    assert.deepEqual(
      report.problems.filter((p: { kind: string }) => p.kind !== "ami"),
      [],
    );
    assert.deepEqual(
      report.problems.map((p: { message: string; line: number }) => [
        p.line,
        p.message.split(" ").slice(0, 4).join(" "),
      ]),
      [
        [11, "ami-0123456789abcdef0 does not exist"],
        [12, "ami-0fedcba9876543210 does not exist"],
        [13, "ami-0aaaabbbbccccdddd does not exist"],
        [9, "ami-0bbbbccccddddeeee does not exist"],
      ],
      "the revoked 2.0.0 is not checked",
    );
  });

  it("ships a template that resolves through the catalog: 2.2.0 is beta only, 2.0.0 revoked, 2.1.0 tried", async () => {
    const { template } = loadTemplate("acc-python-ml", { templatesDirs: [path.join(EXAMPLE, "templates")] });
    assert.deepEqual(template.ami_config?.catalog, {
      source: "git+https://github.com/acc-lab/lab-catalog.git#main",
      channel: "stable",
      min_rating: 4,
    });
    defaultCatalogStore.clear();
    const local = {
      ...template,
      ami_config: { ...template.ami_config!, catalog: { ...template.ami_config!.catalog!, source: EXAMPLE } },
    };
    const result = await resolveAmi(local, { region: "us-east-1", instanceType: "m7i.large" }, moto.clients(), {
      cache: new ImageCache(),
    });
    const step = result.fallbackChain.find((s) => s.tier === "catalog");
    assert.equal(
      step?.detail,
      "no acc-python-ml version in channel stable of catalog acc-lab passes: " +
        "2.1.0: ami-0123456789abcdef0 : does not exist in the region (deregistered, never copied here, or not shared with this account); " +
        "2.0.0: revoked on 2026-11-01: openssl CVE-2026-1234",
    );
  });
});
