import assert from "node:assert/strict";
import * as path from "node:path";
import { startCountingProxy, type CountingProxy } from "../../harness/counting-proxy";
import { startMoto, type MotoServer } from "../../harness/moto";
import { e2eGate, PulumiSandbox, REPO_ROOT, type CommandResult, type PulumiProject } from "../../harness/pulumi-cli";
import {
  createImageFromInstance,
  FIXTURE_BASE_IMAGES,
  publishPublicParameter,
  seedDemoLandscape,
} from "../../harness/seed";

/**
 * A fleet under the REAL Pulumi engine (see real-engine.test.ts for the setup and its prerequisites): 20
 * AmiResolutions in the lab-fleet shape (5 templates × 4 regions), moto behind a proxy that counts calls per region.
 * The engine checks one resource at a time; the fleet's questions are still answered together, in the first one's
 * check. bench/fleet.bench.ts runs the same with 200 workstations and latency, and prints the figures.
 */

const AMI_RESOLUTION_JS = path.join(REPO_ROOT, "dist", "src", "dynamic", "ami-resolution.js");
const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"];
const TEMPLATES = ["ubuntu-24.04-base", "ubuntu-22.04-base", "python-ml", "r-research", "data-science"];
const UBUNTU_24_PARAMETER = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id";
/** The goal for a preview of the whole fleet: at most this many EC2 + SSM calls per region. */
const CALLS_PER_REGION = 3;

function assertOk(result: CommandResult): void {
  assert.equal(result.status, 0, `${result.command} exited ${result.status}:\n${result.output}`);
}

function assertCallBound(calls: { perRegion: Record<string, number>; total: number }, what: string): void {
  assert.ok(calls.total > 0, `${what}: no AWS call was counted (is the proxy in the path?)`);
  assert.ok(calls.total <= CALLS_PER_REGION * REGIONS.length, `${what}: ${JSON.stringify(calls)}`);
  for (const [region, count] of Object.entries(calls.perRegion))
    assert.ok(count <= CALLS_PER_REGION, `${what}: ${count} calls in ${region} (${JSON.stringify(calls)})`);
}

describe("a 20-workstation fleet under the real Pulumi engine (moto behind a counting proxy)", function () {
  this.timeout(600_000);
  let moto: MotoServer | undefined;
  let proxy: CountingProxy | undefined;
  let sandbox: PulumiSandbox | undefined;
  let project: PulumiProject;

  before(async function () {
    const gate = e2eGate({ distFiles: [AMI_RESOLUTION_JS] });
    if (!gate.run) {
      console.log(`\n  !! SKIPPING the fleet end-to-end test (CWS_SKIP_E2E=1): ${gate.reason}\n`);
      this.skip();
    }
    moto = await startMoto();
    await seedDemoLandscape(moto.clients(), REGIONS);
    proxy = await startCountingProxy(moto.endpoint);
    sandbox = PulumiSandbox.create(gate.cli, { ...moto.env(), AWS_ENDPOINT_URL: proxy.endpoint }, "cws-e2e-fleet-");
    const entries = Array.from({ length: 20 }, (_, i) => ({
      name: `ws-${i}`,
      template: TEMPLATES[i % TEMPLATES.length],
      region: REGIONS[Math.floor(i / TEMPLATES.length) % REGIONS.length],
    }));
    project = sandbox.project("cws-e2e-fleet", {
      program: `const { AmiResolution } = require(${JSON.stringify(AMI_RESOLUTION_JS)});
for (const entry of ${JSON.stringify(entries)}) new AmiResolution(entry.name, { template: entry.template, region: entry.region });
`,
    });
    assertOk(await project.run(["stack", "init", "e2e"]));
  });

  after(async () => {
    sandbox?.dispose();
    await proxy?.stop();
    await moto?.stop();
  });

  it("previews the new fleet with at most 3 AWS calls per region, every workstation with its own resolution", async () => {
    proxy!.take();
    const preview = await project.run(["preview", "--diff"]);
    assertOk(preview);
    assertCallBound(proxy!.take(), "first preview");
    assert.match(preview.stdout, /21 to create/);
    // Each workstation keeps its own resource and readable chain.
    assert.match(preview.stdout, /ws-19/);
    assert.match(preview.stdout, /✓ ssm_parameter: selected ami-/);
  });

  it("re-previews the deployed fleet with no changes and at most 3 calls per region", async () => {
    assertOk(await project.run(["up", "--yes", "--skip-preview"]));
    proxy!.take();
    assertOk(await project.run(["preview", "--expect-no-changes"]));
    assertCallBound(proxy!.take(), "re-preview");
  });

  it("keeps every pinned AMI when newer images appear: no changes", async () => {
    for (const region of REGIONS) {
      const newer = await createImageFromInstance(moto!.clients().ec2(region), {
        sourceAmiId: region === "ap-south-1" ? "ami-00c41000000000001" : FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64,
        name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261201",
        description: "newer Ubuntu 24.04",
      });
      await publishPublicParameter(moto!.clients().ssm(region), UBUNTU_24_PARAMETER, newer);
    }
    proxy!.take();
    assertOk(await project.run(["preview", "--expect-no-changes"]));
    const calls = proxy!.take();
    // The fresh answers come in one prefetch; each region's pinned (older) images are then looked up as checks come.
    assert.ok(calls.total <= 4 * REGIONS.length, JSON.stringify(calls));
  });
});
