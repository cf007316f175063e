import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DescribeImagesCommand, DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { installAwsStandin } from "../../harness/aws-standin/install";
import { installCloudworkstationPlugin } from "../../harness/cloudworkstation-plugin";
import { startMoto, type MotoServer } from "../../harness/moto";
import { e2eGate, PulumiProject, PulumiSandbox, REPO_ROOT, type CommandResult } from "../../harness/pulumi-cli";
import { pythonSdkVenv } from "../../harness/python-venv";
import { pipInstallPythonSdk } from "../../harness/sdk-programs";
import { seedDemoLandscape } from "../../harness/seed";

/**
 * examples/python-lab under the REAL Pulumi engine: the Python language host runs the program with the generated
 * SDK (sdk/python, pip-installed), the `cloudworkstation` plugin tarball (`npm run plugin`) installed with the exact
 * `pulumi plugin install … --file` line into the sandbox's PULUMI_HOME serves its resources, and the component's
 * `aws:*` children run in the AWS provider stand-in against moto. One stack; each `it` is the next step on it.
 */

const REGIONS = ["us-east-1", "eu-west-1"];

function assertOk(result: CommandResult): CommandResult {
  assert.equal(result.status, 0, `${result.command} failed:\n${result.output}`);
  return result;
}

describe("examples/python-lab under the real Pulumi engine (cloudworkstation plugin, AWS provider stand-in, moto)", function () {
  this.timeout(600_000);
  let moto: MotoServer | undefined;
  let sandbox: PulumiSandbox | undefined;
  let project: PulumiProject;
  let previewedAmi: string;
  let labImages: string[];

  before(async function () {
    const gate = e2eGate({ distFiles: [] });
    if (!gate.run) {
      console.log(`\n  !! SKIPPING examples/python-lab under the real engine (CWS_SKIP_E2E=1): ${gate.reason}\n`);
      this.skip();
    }
    for (const host of ["pulumi-language-python", "pulumi-language-python-exec"])
      assert.ok(
        fs.existsSync(path.join(gate.cli.binDir, host)),
        `${host} is missing in ${gate.cli.binDir}: npm run setup`,
      );
    const venv = pythonSdkVenv(); // throws, saying to run npm run setup, when it is missing
    moto = await startMoto({ awsManagedPolicies: true });
    await seedDemoLandscape(moto.clients(), REGIONS);
    labImages = (
      await moto
        .clients()
        .ec2("us-east-1")
        .send(new DescribeImagesCommand({ Owners: ["self"] }))
    ).Images!.map((image) => image.ImageId as string);
    assert.ok(labImages.length > 0, "the seeded landscape has the lab's saved images");

    sandbox = PulumiSandbox.create(gate.cli, moto.env(), "cws-e2e-python-");
    // The SDK is pip-installed beside the shared venv, not into it; the program finds it on PYTHONPATH.
    sandbox.env.PYTHONPATH = path.join(sandbox.root, "site");
    pipInstallPythonSdk(path.join(REPO_ROOT, "sdk", "python"), sandbox.env.PYTHONPATH);
    installAwsStandin(gate.cli, sandbox.env.PULUMI_HOME as string);
    await installCloudworkstationPlugin(sandbox);

    // The example as a lab copies it, its virtualenv pointed at the SDK venv (the tests make no venv of their own).
    const dir = path.join(sandbox.root, "python-lab");
    fs.cpSync(path.join(REPO_ROOT, "examples", "python-lab"), dir, { recursive: true });
    const settings = fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8");
    const pointed = settings.replace(/virtualenv: venv$/m, `virtualenv: ${venv.dir}`);
    assert.notEqual(pointed, settings, "examples/python-lab/Pulumi.yaml no longer says virtualenv: venv");
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), pointed);
    project = new PulumiProject(dir, sandbox.env);
    assertOk(await project.run(["stack", "init", "dev"]));
    assertOk(await project.run(["config", "set", "aws:region", "us-east-1"]));
  });

  after(async () => {
    sandbox?.dispose();
    await moto?.stop();
  });

  it("pulumi preview shows alice's AMI and the fallback chain that chose it, and the instance it would launch from it", async () => {
    const preview = assertOk(await project.run(["preview", "--diff"])).stdout;
    // The stack's outputs come last (the r-research-eu resolution shows an amiId of its own above).
    const output = /--outputs:--[\s\S]*^\s+amiId\s+: "(ami-[0-9a-f]+)"$/m.exec(preview);
    assert.ok(output, `the preview shows the amiId stack output:\n${preview}`);
    previewedAmi = output[1];
    assert.match(preview, new RegExp(`✓ ssm_parameter: selected ${previewedAmi}`));
    assert.match(preview, /– catalog: no catalog in ami_config/);
    assert.match(
      preview,
      new RegExp(`aws:ec2/instance:Instance::alice-instance\\][\\s\\S]*?ami\\s+: "${previewedAmi}"`),
    );
    assert.match(preview, /rResearchEuMethod\s+: "\w+"/);
  });

  it("pulumi up launches alice from the previewed AMI, and the state holds plugin types without module paths", async () => {
    assertOk(await project.run(["up", "--yes", "--skip-preview"]));
    const outputs = JSON.parse(assertOk(await project.run(["stack", "output", "--json"])).stdout);
    assert.equal(outputs.amiId, previewedAmi);
    const { Reservations = [] } = await moto!
      .clients()
      .ec2("us-east-1")
      .send(new DescribeInstancesCommand({ InstanceIds: [outputs.instanceId] }));
    const instance = Reservations[0]?.Instances?.[0];
    assert.equal(instance?.ImageId, previewedAmi);
    assert.equal(instance?.State?.Name, "running");

    const state = assertOk(await project.run(["stack", "export"])).stdout;
    const types = (JSON.parse(state).deployment.resources as { type: string }[]).map((r) => r.type);
    assert.ok(types.includes("cloudworkstation:index:ResearchWorkstation"));
    assert.equal(types.filter((type) => type === "cloudworkstation:index:AmiResolution").length, 2);
    assert.ok(!types.some((type) => type.startsWith("pulumi-nodejs:")), `no dynamic resources: ${types.join(", ")}`);
    // The SDK asks for the plugin's version, the one the component's children register with: one provider for all.
    assert.equal(types.filter((type) => type === "pulumi:providers:cloudworkstation").length, 1);
    assert.ok(!state.includes("__provider"), "no provider module text in state");
    for (const dir of [REPO_ROOT, sandbox!.root]) assert.ok(!state.includes(dir), `no path under ${dir} in state`);
  });

  it("a re-preview shows no changes", async () => {
    const preview = assertOk(await project.run(["preview", "--expect-no-changes"]));
    assert.doesNotMatch(preview.stdout, /to create|to replace|to update|to delete/);
  });

  it("pulumi destroy terminates alice and keeps the lab's saved images", async () => {
    assertOk(await project.run(["destroy", "--yes", "--skip-preview"]));
    const { Reservations = [] } = await moto!
      .clients()
      .ec2("us-east-1")
      .send(
        new DescribeInstancesCommand({ Filters: [{ Name: "instance-state-name", Values: ["running", "pending"] }] }),
      );
    assert.deepEqual(
      Reservations.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId),
      [],
    );
    const { Images = [] } = await moto!
      .clients()
      .ec2("us-east-1")
      .send(new DescribeImagesCommand({ Owners: ["self"] }));
    for (const image of labImages)
      assert.ok(
        Images.some((i) => i.ImageId === image),
        `saved image ${image} is kept`,
      );
  });
});
