import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy";
import { startMoto, type MotoServer } from "../../harness/moto";
import { e2eGate, PulumiSandbox, REPO_ROOT, type CommandResult, type PulumiProject } from "../../harness/pulumi-cli";
import { FIXTURE_BASE_IMAGES, publishBaseParameters, publishPublicParameter } from "../../harness/seed";
import { baseImageSource } from "../../src/resolver/base-images";
import { resolveAmi } from "../../src/resolver/engine";
import { loadTemplate } from "../../src/templates";

/**
 * TemplateImage under the REAL Pulumi engine (the CLI `npm run setup` builds, a local backend, moto behind a
 * counting proxy), one stack in consecutive steps: preview says why it builds, `up` builds (moto runs no user data:
 * its Run Command answers Success at once), an unchanged stack previews clean, a moved base parameter makes preview
 * propose a replacement naming both AMIs, and a template resolving through the published parameter (an AmiResolution
 * in the same program) resolves to the baked image. Needs `npx tsc -p .` (the program loads dist/).
 */

const DIST = path.join(REPO_ROOT, "dist", "src");
const TEMPLATE_IMAGE_JS = path.join(DIST, "dynamic", "template-image.js");
const AMI_RESOLUTION_JS = path.join(DIST, "dynamic", "ami-resolution.js");
const REGION = "us-east-1";
const NOBLE = FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64;
const NOBLE_OTHER = "ami-00c41000000000001"; // another Canonical noble image of the fixture
const UBUNTU_PARAMETER = baseImageSource("ubuntu-24.04", "x86_64").ssmParameter as string;
const PUBLISHED = "/e2e-lab/images/e2e-ml/x86_64";
const LAB_ACCOUNT = "123456789012"; // moto's account: the images the build makes are owned by it

const PROGRAM = `const { TemplateImage } = require(${JSON.stringify(TEMPLATE_IMAGE_JS)});
const { AmiResolution } = require(${JSON.stringify(AMI_RESOLUTION_JS)});
const image = new TemplateImage("e2e-ml", {
  template: { name: "e2e-ml", version: "1.0.0", base: "ubuntu-24.04", packages: { system: ["htop"], pip: ["numpy"] } },
  region: ${JSON.stringify(REGION)},
  publish: { ssmParameter: ${JSON.stringify(PUBLISHED)} },
});
// A workstation template that finds the baked image through the published parameter (the lab's account only).
const workstation = new AmiResolution("e2e-ml-workstation", {
  templateObject: image.publishedParameter.apply((parameter) => ({
    name: "e2e-ml-workstation", version: "1.0.0", base: "ubuntu-24.04",
    ami_config: { ssm_parameter: parameter, trusted_owners: [${JSON.stringify(LAB_ACCOUNT)}] },
  })),
  region: ${JSON.stringify(REGION)},
});
exports.amiId = image.amiId;
exports.baseAmiId = image.baseAmiId;
exports.buildReason = image.buildReason;
exports.publishedParameter = image.publishedParameter;
exports.workstationAmi = workstation.amiId;
exports.workstationMethod = workstation.method;
`;

function assertOk(result: CommandResult): void {
  assert.equal(result.status, 0, `${result.command} exited ${result.status}:\n${result.output}`);
}

/** How often each AWS action went through the proxy, e.g. { RunInstances: 1, DescribeImages: 6 }. */
function tally(actions: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const action of actions) counts[action] = (counts[action] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

describe("TemplateImage under the real Pulumi engine (pulumi CLI, local backend, moto: Run Command answers Success)", function () {
  this.timeout(240_000);
  let moto: MotoServer | undefined;
  let proxy: FaultProxy | undefined;
  let sandbox: PulumiSandbox | undefined;
  let project: PulumiProject;
  let started = 0;

  before(async function () {
    const gate = e2eGate({ distFiles: [TEMPLATE_IMAGE_JS, AMI_RESOLUTION_JS] });
    if (!gate.run) {
      console.log(`\n  !! SKIPPING TemplateImage under the real Pulumi engine (CWS_SKIP_E2E=1): ${gate.reason}\n`);
      this.skip();
    }
    started = Date.now();
    moto = await startMoto();
    proxy = await startFaultProxy(moto.endpoint);
    await publishBaseParameters(moto.clients().ssm(REGION), ["ubuntu-24.04"]);
    // The program and its provider process reach moto through the proxy, which records every AWS action.
    sandbox = PulumiSandbox.create(gate.cli, { ...moto.env(), AWS_ENDPOINT_URL: proxy.endpoint }, "cws-e2e-ti-");
    project = sandbox.project("cws-e2e-template-image", { program: PROGRAM });
    assertOk(await project.run(["stack", "init", "e2e"]));
  });

  after(async () => {
    if (started)
      console.log(`      (TemplateImage e2e wall time: ${((Date.now() - started) / 1000).toFixed(1)} s, measured)`);
    sandbox?.dispose();
    await proxy?.stop();
    await moto?.stop();
  });

  it("pulumi preview --diff says a build will happen and why: the template, its base image and the distribution's parameter", async () => {
    const preview = await project.run(["preview", "--diff"]);
    assertOk(preview);
    assert.match(
      preview.stdout,
      new RegExp(`buildReason\\s*: "build e2e-ml on base ${NOBLE} \\(${UBUNTU_PARAMETER.replace(/\//g, "\\/")}\\)`),
    );
    assert.match(preview.stdout, new RegExp(`baseAmiId\\s*: "${NOBLE}"`));
    assert.match(preview.stdout, /\+ 3 to create/);
    const { Images = [] } = await moto!
      .clients()
      .ec2(REGION)
      .send(new DescribeImagesCommand({ Owners: ["self"] }));
    assert.deepEqual(Images, [], "preview built nothing");
  });

  it("pulumi up builds the image, publishes the parameter, and the workstation template resolves through it to the baked image", async () => {
    proxy!.clear();
    const up = await project.run(["up", "--yes", "--skip-preview"]);
    assertOk(up);
    const calls = tally(proxy!.actions);
    console.log(`      AWS calls of one pulumi up that builds (measured through the proxy): ${JSON.stringify(calls)}`);
    assert.equal(calls.RunInstances, 1, "one builder");
    assert.equal(calls.CreateImage, 1, "one image");
    assert.equal(calls.TerminateInstances, 1, "the builder terminated");
    assert.equal(calls.DeleteInstanceProfile, 1, "the builder's instance profile removed");
    const outputs = JSON.parse((await project.run(["stack", "output", "--json"])).stdout) as Record<string, string>;
    assert.match(outputs.amiId, /^ami-/);
    assert.equal(outputs.baseAmiId, NOBLE);
    assert.equal(outputs.publishedParameter, PUBLISHED);
    const { Parameter } = await moto!
      .clients()
      .ssm(REGION)
      .send(new GetParameterCommand({ Name: PUBLISHED }));
    assert.equal(Parameter?.Value, outputs.amiId);
    assert.equal(outputs.workstationAmi, outputs.amiId, "the workstation launches the baked image");
    assert.equal(outputs.workstationMethod, "ssm_parameter");
  });

  it("an unchanged stack previews with no changes (the base and the template are the same)", async () => {
    const preview = await project.run(["preview", "--diff", "--expect-no-changes"]);
    assertOk(preview);
  });

  it("when the distribution's parameter moves, preview proposes replacing the image, naming the old and the new base AMI", async () => {
    await publishPublicParameter(moto!.clients().ssm(REGION), UBUNTU_PARAMETER, NOBLE_OTHER);
    const preview = await project.run(["preview", "--diff"]);
    assertOk(preview);
    assert.match(preview.stdout, /\+-\s*cloudworkstation:index:TemplateImage: \(replace\)/);
    assert.match(
      preview.stdout,
      new RegExp(`base ${NOBLE} → ${NOBLE_OTHER} \\(the distribution published a new image`),
    );
    assert.match(preview.stdout, new RegExp(`baseAmiId\\s*: "${NOBLE}" => "${NOBLE_OTHER}"`));
  });

  it("pulumi up rebuilds on the new base before retiring the old image, which is retained (retainOnDelete) and no longer published", async () => {
    const before = JSON.parse((await project.run(["stack", "output", "--json"])).stdout) as Record<string, string>;
    const up = await project.run(["up", "--yes", "--skip-preview"]);
    assertOk(up);
    const after = JSON.parse((await project.run(["stack", "output", "--json"])).stdout) as Record<string, string>;
    assert.notEqual(after.amiId, before.amiId);
    assert.equal(after.baseAmiId, NOBLE_OTHER);
    const ec2 = moto!.clients().ec2(REGION);
    const { Images = [] } = await ec2.send(new DescribeImagesCommand({ ImageIds: [before.amiId] }));
    assert.equal(Images.length, 1, "the old image is kept");
    const { Parameter } = await moto!
      .clients()
      .ssm(REGION)
      .send(new GetParameterCommand({ Name: PUBLISHED }));
    assert.equal(Parameter?.Value, after.amiId, "the parameter names the new image");
  });
});

const EXAMPLE_DIR = path.join(REPO_ROOT, "examples", "image-pipeline");
const EXAMPLE_JS = path.join(REPO_ROOT, "dist", "examples", "image-pipeline", "index.js");

describe("examples/image-pipeline under the real Pulumi engine (installed as a package, moto)", function () {
  this.timeout(240_000);
  let moto: MotoServer | undefined;
  let sandbox: PulumiSandbox | undefined;
  let project: PulumiProject;

  before(async function () {
    const gate = e2eGate({ distFiles: [EXAMPLE_JS, TEMPLATE_IMAGE_JS] });
    if (!gate.run) {
      console.log(
        `\n  !! SKIPPING examples/image-pipeline under the real Pulumi engine (CWS_SKIP_E2E=1): ${gate.reason}\n`,
      );
      this.skip();
    }
    moto = await startMoto();
    await publishBaseParameters(moto.clients().ssm(REGION), ["ubuntu-24.04"]);
    sandbox = PulumiSandbox.create(gate.cli, moto.env(), "cws-e2e-pipeline-");
    // The compiled example as the project's index.js, its templates beside it, `cloudworkstation` installed.
    project = sandbox.project(
      "smith-lab-images",
      { program: fs.readFileSync(EXAMPLE_JS, "utf8") },
      { installedFrom: REPO_ROOT },
    );
    fs.cpSync(path.join(EXAMPLE_DIR, "templates"), path.join(project.dir, "templates"), { recursive: true });
    assertOk(await project.run(["stack", "init", "images"]));
  });

  after(async () => {
    sandbox?.dispose();
    await moto?.stop();
  });

  it("previews two image builds, builds and publishes both, and the lab's templates then resolve to the baked images", async () => {
    const preview = await project.run(["preview", "--diff"]);
    assertOk(preview);
    assert.match(preview.stdout, /buildReason\s*: "build python-ml on base/);
    assert.match(preview.stdout, /buildReason\s*: "build r-research on base/);
    assertOk(await project.run(["up", "--yes", "--skip-preview"]));
    const { bakedImages } = JSON.parse((await project.run(["stack", "output", "--json"])).stdout) as {
      bakedImages: Record<string, { amiId: string; publishedParameter: string }>;
    };
    assert.equal(bakedImages["python-ml"].publishedParameter, "/smith-lab/images/python-ml/x86_64");
    for (const [lab, image] of [
      ["python-ml-lab", "python-ml"],
      ["r-research-lab", "r-research"],
    ]) {
      const { template } = loadTemplate(lab, { templatesDirs: [path.join(project.dir, "templates")] });
      const resolved = await resolveAmi(template, { region: REGION }, moto!.clients());
      assert.equal(
        resolved.method,
        "ssm_parameter",
        `${lab}: ${resolved.fallbackChain.map((s) => s.detail).join("; ")}`,
      );
      assert.equal(resolved.amiId, bakedImages[image].amiId, `${lab} launches the baked ${image}`);
    }
  });

  it("after the base moves, the weekly job's scripts/rebuilds.mjs lists both images with a reason naming both AMIs", async () => {
    await publishPublicParameter(moto!.clients().ssm(REGION), UBUNTU_PARAMETER, NOBLE_OTHER);
    const preview = await project.run(["preview", "--json"]);
    assertOk(preview);
    const lines = execFileSync(process.execPath, [path.join(EXAMPLE_DIR, "scripts", "rebuilds.mjs")], {
      input: preview.stdout,
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .sort();
    const reason = `base ${NOBLE} → ${NOBLE_OTHER} (the distribution published a new image: ${UBUNTU_PARAMETER} moved)`;
    assert.deepEqual(lines, [`- python-ml: ${reason}`, `- r-research: ${reason}`]);
    // And nothing for an unchanged stack.
    await publishPublicParameter(moto!.clients().ssm(REGION), UBUNTU_PARAMETER, NOBLE);
    const clean = await project.run(["preview", "--json"]);
    const none = execFileSync(process.execPath, [path.join(EXAMPLE_DIR, "scripts", "rebuilds.mjs")], {
      input: clean.stdout,
      encoding: "utf8",
    });
    assert.equal(none, "");
  });
});
