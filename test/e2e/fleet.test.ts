import assert from "node:assert/strict";
import * as path from "node:path";
import { startCountingProxy, type CountingProxy } from "../../harness/counting-proxy";
import { startMoto, type MotoServer } from "../../harness/moto";
import { e2eGate, PulumiSandbox, REPO_ROOT, type CommandResult, type PulumiProject } from "../../harness/pulumi-cli";
import { seedDemoLandscape } from "../../harness/seed";
import { FLEET_REGIONS, FLEET_TEMPLATES, publishNewerLabBuilds, seedFleetLab } from "../../harness/fleet-shape";

/**
 * A fleet under the REAL Pulumi engine (see real-engine.test.ts for the setup and its prerequisites): 20
 * AmiResolutions in the lab-fleet shape (6 templates × 4 regions), moto behind a proxy that counts calls per region.
 * The engine checks one resource at a time; the fleet's questions are still answered together, in the first one's
 * check. bench/fleet.bench.ts runs the same with 200 workstations and latency, and prints the figures.
 */

const AMI_RESOLUTION_JS = path.join(REPO_ROOT, "dist", "src", "dynamic", "ami-resolution.js");
const REGIONS = FLEET_REGIONS;
const TEMPLATES = FLEET_TEMPLATES;
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
    await seedFleetLab(moto.clients(), REGIONS);
    proxy = await startCountingProxy(moto.endpoint);
    sandbox = PulumiSandbox.create(gate.cli, { ...moto.env(), AWS_ENDPOINT_URL: proxy.endpoint }, "cws-e2e-fleet-");
    const entries = Array.from({ length: 20 }, (_, i) => ({
      name: `ws-${i}`,
      template: TEMPLATES[i % TEMPLATES.length],
      region: REGIONS[Math.floor(i / TEMPLATES.length) % REGIONS.length],
    }));
    project = sandbox.project("cws-e2e-fleet", {
      program: `const { AmiResolution } = require(${JSON.stringify(AMI_RESOLUTION_JS)});
for (const entry of ${JSON.stringify(entries)}) new AmiResolution(entry.name, {
  ...(typeof entry.template === "string" ? { template: entry.template } : { templateObject: entry.template }),
  region: entry.region,
});
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

  it("keeps the deployed fleet's state small: no script, no carried questions, no provider text, at most 5 kB of inputs and outputs per resolution", async () => {
    assertOk(await project.run(["up", "--yes", "--skip-preview"]));
    const exported = await project.run(["stack", "export"]);
    assertOk(exported);
    type Stored = { type: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> };
    const resolutions = (
      JSON.parse(exported.stdout) as { deployment: { resources: Stored[] } }
    ).deployment.resources.filter((resource) => resource.type.endsWith(":AmiResolution"));
    assert.equal(resolutions.length, 20);
    for (const resolution of resolutions) {
      for (const kept of [resolution.inputs, resolution.outputs]) {
        assert.ok(!("userData" in kept) && !("fleetQuestions" in kept), Object.keys(kept).join(", "));
        assert.ok(!("__provider" in kept), "no provider module text: the plugin serves them");
      }
    }
    // What CloudWorkstation decides: the inputs and outputs. (The engine adds its own bookkeeping per resource, about
    // 1 kB of source positions whose length depends on where the project lives; `npm run bench` reports the total.)
    const ours = resolutions.map((r) => JSON.stringify({ inputs: r.inputs, outputs: r.outputs }).length);
    const average = ours.reduce((sum, bytes) => sum + bytes, 0) / ours.length;
    assert.ok(average <= 5_000, `${average} bytes of inputs and outputs per AmiResolution`);
  });

  it("re-previews the deployed fleet with no changes and at most 3 calls per region", async () => {
    proxy!.take();
    assertOk(await project.run(["preview", "--expect-no-changes"]));
    assertCallBound(proxy!.take(), "re-preview");
  });

  it("keeps every pinned AMI when newer images appear, also one its parameter no longer names: no changes, at most 3 calls per region, and a warning names each newer image", async () => {
    // The lab publishes newer builds of its own images (found by search; named by its parameter) in two regions.
    await publishNewerLabBuilds(moto!.clients());
    proxy!.take();
    const preview = await project.run(["preview", "--expect-no-changes"]);
    assertOk(preview);
    const calls = proxy!.take();
    // ws-4 and ws-5 run the lab's templates in us-east-1 (found by search; named by the lab's parameter): they keep
    // their AMIs and the preview says a newer one is available. ws-5's pin is no answer any more: it is validated
    // with the wave's prefetch (its carried pins), within the same bound.
    for (const name of ["ws-4", "ws-5"])
      assert.match(
        preview.output,
        new RegExp(
          `${name}: newer image available: ami-\\w+ \\(\\d{4}-\\d\\d-\\d\\d\\); pinned ami-\\w+ — set refresh: latest or bump the pin`,
        ),
      );
    assertCallBound(calls, "re-preview after newer images");
  });
});
