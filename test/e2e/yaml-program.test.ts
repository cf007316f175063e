import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DescribeImagesCommand, DescribeInstancesCommand, type Instance } from "@aws-sdk/client-ec2";
import { installAwsStandin } from "../../harness/aws-standin/install";
import { installCloudworkstationPlugin } from "../../harness/cloudworkstation-plugin";
import { startMoto, type MotoServer } from "../../harness/moto";
import { e2eGate, PulumiProject, PulumiSandbox, REPO_ROOT, type CommandResult } from "../../harness/pulumi-cli";
import { seedDemoLandscape } from "../../harness/seed";

/**
 * examples/yaml-lab, a Pulumi YAML program, under the REAL engine: the `cloudworkstation` plugin tarball installed
 * with the command `npm run plugin` prints into the sandbox's PULUMI_HOME, the AWS provider stand-in for the
 * components' `aws:*` children, moto behind both. No Node.js program and no npm package are involved: the YAML
 * language host asks the plugin for its schema and to construct the components.
 */

const EXAMPLE_DIR = path.join(REPO_ROOT, "examples", "yaml-lab");
const REGIONS = ["us-east-1", "us-east-2"];

type Step = { urn: string; op: string; newState?: { type: string; inputs: Record<string, unknown> } };
type StoredResource = { urn: string; type: string; id?: string; outputs: Record<string, unknown> };

function assertOk(result: CommandResult): void {
  assert.equal(result.status, 0, `${result.command} exited ${result.status}:\n${result.output}`);
}

const nameOf = (urn: string) => urn.split("::").pop();

async function liveInstances(moto: MotoServer, region: string): Promise<Instance[]> {
  const { Reservations = [] } = await moto.clients().ec2(region).send(new DescribeInstancesCommand({}));
  return Reservations.flatMap((reservation) => reservation.Instances ?? []).filter(
    (instance) => instance.State?.Name !== "terminated",
  );
}

async function imageExists(moto: MotoServer, region: string, imageId: string): Promise<boolean> {
  const { Images = [] } = await moto
    .clients()
    .ec2(region)
    .send(new DescribeImagesCommand({ ImageIds: [imageId] }));
  return Images.length === 1;
}

describe("examples/yaml-lab: a Pulumi YAML program through the cloudworkstation plugin (real engine, moto)", function () {
  this.timeout(600_000);
  let moto: MotoServer | undefined;
  let sandbox: PulumiSandbox | undefined;
  let project: PulumiProject;
  let previewedAmi: string;
  let outputs: {
    aliceAmi: string;
    aliceChain: string[];
    danaLaunchMode: string;
    labImageCopies: Record<string, string>;
    fleetWorkstations: Record<string, { instanceId: string; amiId: string }>;
  };

  before(async function () {
    const gate = e2eGate({ distFiles: [] });
    if (!gate.run) {
      console.log(`\n  !! SKIPPING the YAML program under the real engine (CWS_SKIP_E2E=1): ${gate.reason}\n`);
      this.skip();
    }
    moto = await startMoto({ awsManagedPolicies: true });
    await seedDemoLandscape(moto.clients(), REGIONS);
    sandbox = PulumiSandbox.create(gate.cli, moto.env(), "cws-e2e-yaml-");
    const home = sandbox.env.PULUMI_HOME as string;
    installAwsStandin(gate.cli, home);
    await installCloudworkstationPlugin(sandbox);
    // The package declaration `pulumi package add` writes: YAML then asks for this version of the plugin, the one
    // the components' children use, so one provider (one plugin process) serves the whole program.
    const version = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).version as string;
    const declaration = path.join(EXAMPLE_DIR, "sdks", "cloudworkstation", `cloudworkstation-${version}.yaml`);
    assert.ok(
      fs.existsSync(declaration),
      `${path.relative(REPO_ROOT, declaration)} is missing: the package version changed; rename the file in ` +
        "examples/yaml-lab/sdks/cloudworkstation/ and set its version",
    );
    const dir = path.join(sandbox.root, "yaml-lab");
    fs.cpSync(EXAMPLE_DIR, dir, { recursive: true });
    project = new PulumiProject(dir, sandbox.env);
    assertOk(await project.run(["stack", "init", "dev"]));
  });

  after(async () => {
    sandbox?.dispose();
    await moto?.stop();
  });

  it("pulumi preview shows each workstation's AMI and the fallback chain, all as cloudworkstation plugin resources", async () => {
    const preview = await project.run(["preview", "--json"]);
    assertOk(preview);
    const steps = (JSON.parse(preview.stdout) as { steps: Step[] }).steps;
    const types = new Set(steps.map((step) => step.newState?.type));
    for (const type of ["ResearchWorkstation", "MultiRegionAmi", "LabFleet", "AmiResolution"])
      assert.ok(types.has(`cloudworkstation:index:${type}`), `${type} is in the preview: ${[...types].join(", ")}`);
    assert.ok(
      ![...types].some((type) => type?.startsWith("pulumi-nodejs")),
      "no dynamic resource: a YAML program has no pulumi-nodejs host",
    );
    const resolution = steps.find(
      (step) => step.newState?.type === "cloudworkstation:index:AmiResolution" && nameOf(step.urn) === "alice-ami",
    );
    assert.ok(resolution, "alice's AmiResolution is previewed");
    previewedAmi = resolution.newState!.inputs.amiId as string;
    assert.match(previewedAmi, /^ami-[0-9a-f]+$/, "the AMI is known at preview");
    const chain = resolution.newState!.inputs.fallbackChain as string[];
    assert.ok(
      chain.some((line) => line.startsWith("✓") && line.includes(previewedAmi)),
      `the chain says which tier chose ${previewedAmi}: ${chain.join(" | ")}`,
    );
  });

  it("pulumi up launches what the preview showed, and copies alice's image to us-east-2", async () => {
    assertOk(await project.run(["up", "--yes", "--skip-preview"]));
    const result = await project.run(["stack", "output", "--json"]);
    assertOk(result);
    outputs = JSON.parse(result.stdout);
    assert.equal(outputs.aliceAmi, previewedAmi);
    assert.ok(outputs.aliceChain.length > 0);
    const instances = await liveInstances(moto!, "us-east-1");
    assert.equal(instances.length, 3, "alice, dana and the fleet's erin run in us-east-1 (aws:region)");
    assert.ok(instances.some((instance) => instance.ImageId === previewedAmi));
    const erin = instances.find((instance) => instance.InstanceId === outputs.fleetWorkstations.erin.instanceId);
    assert.equal(erin?.ImageId, outputs.fleetWorkstations.erin.amiId, "the LabFleet's erin runs its AMI");
    assert.equal(erin?.Tags?.find((tag) => tag.Key === "cost-centre")?.Value, "4711", "the fleet's default tags");
    assert.match(outputs.danaLaunchMode, /^(ami|script)$/);
    const copy = outputs.labImageCopies["us-east-2"];
    assert.match(copy, /^ami-/);
    assert.ok(await imageExists(moto!, "us-east-2", copy), `the copy ${copy} is in us-east-2`);
  });

  it("state holds plugin types only, no __provider and no path of this machine", async () => {
    const exported = await project.run(["stack", "export"]);
    assertOk(exported);
    const text = exported.stdout;
    const resources = (JSON.parse(text) as { deployment: { resources: StoredResource[] } }).deployment.resources;
    assert.ok(resources.some((resource) => resource.type === "cloudworkstation:index:RegionalAmiCopy"));
    assert.ok(!resources.some((resource) => resource.type.startsWith("pulumi-nodejs")));
    const providers = resources.filter((resource) => resource.type === "pulumi:providers:cloudworkstation");
    assert.equal(providers.length, 1, `one provider serves every resource: ${JSON.stringify(providers)}`);
    assert.ok(!text.includes("__provider"));
    // The project, the plugin's install and build directories (all in the sandbox), the checkout (user data's /tmp/…
    // is the instance's).
    for (const machinePath of [sandbox!.root, REPO_ROOT]) {
      const at = text.indexOf(machinePath);
      assert.equal(at, -1, `the state names ${machinePath}: …${text.slice(at - 300, at + 200)}…`);
    }
  });

  it("a re-preview is clean", async () => {
    const preview = await project.run(["preview", "--expect-no-changes"]);
    assertOk(preview);
    assert.doesNotMatch(preview.stdout, /to create|to replace|to update|to delete/);
  });

  it("pulumi destroy removes the workstations and keeps the saved image copies", async () => {
    assertOk(await project.run(["destroy", "--yes", "--skip-preview"]));
    assert.deepEqual(await liveInstances(moto!, "us-east-1"), []);
    assert.ok(await imageExists(moto!, "us-east-2", outputs.labImageCopies["us-east-2"]), "the copy is kept");
    assert.ok(await imageExists(moto!, "us-east-1", outputs.aliceAmi), "alice's image is kept");
  });
});
