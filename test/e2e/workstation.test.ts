import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from "@aws-sdk/client-cloudwatch";
import {
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  type Instance,
} from "@aws-sdk/client-ec2";
import { installAwsStandin } from "../../harness/aws-standin/install";
import { FIXTURE_AMIS_PATH, startMoto, TEST_CREDENTIALS, type MotoServer } from "../../harness/moto";
import { e2eGate, PulumiSandbox, REPO_ROOT, type CommandResult, type PulumiProject } from "../../harness/pulumi-cli";
import { LAB_ML_TEMPLATE, publishPublicParameter, seedDemoLandscape } from "../../harness/seed";
import { baseImageSource } from "../../src/resolver/base-images";
import { AMI_RESOLUTION_TYPE } from "../../src/dynamic/ami-resolution";
import { COPY_SOURCE_TAG } from "../../src/imaging/copy";
import { resolutionUserData } from "../../src/dynamic/ami-resolution/template-input";
import { loadTemplate } from "../../src/templates";

/**
 * Whole workstations under the REAL Pulumi engine: the `aws:*` children (instance, security group, role and
 * profile, data volume and attachment, idle alarm) run in the AWS provider stand-in (harness/aws-standin, installed
 * into the sandbox's PULUMI_HOME as plugin `aws`), against moto. Each `describe` is one stack; its `it`s are
 * consecutive steps on it. What is checked is what moto holds afterwards, per region.
 */

const LAB_FLEET_JS = path.join(REPO_ROOT, "dist", "examples", "lab-fleet", "index.js");
const LAB_FLEET_DIR = path.join(REPO_ROOT, "examples", "lab-fleet");
const EXISTING_STACK_JS = path.join(REPO_ROOT, "dist", "examples", "existing-stack", "index.js");
/** us-east-1 has the lab's images; eu-west-1 its r-research build; us-east-2 nothing of the lab's (a copy's target). */
const REGIONS = ["us-east-1", "eu-west-1", "us-east-2"];

/**
 * A Canonical Ubuntu 24.04 amd64 image newer than the fixture's, which no parameter names yet: the "upgrade" step
 * publishes it, as Canonical does, and alice moves to it on purpose.
 */
const NEWER_NOBLE = "ami-00c41000000000009";
const NOBLE_PARAMETER = baseImageSource("ubuntu-24.04", "x86_64").ssmParameter as string;

/** The shared fixture landscape plus NEWER_NOBLE (owned by Canonical, which only moto's fixture can make). */
function amisWithNewerNoble(dir: string): string {
  const amis = JSON.parse(fs.readFileSync(FIXTURE_AMIS_PATH, "utf8")) as Record<string, unknown>[];
  const noble = amis.find((ami) => ami.ami_id === "ami-00c41000000000002");
  assert.ok(noble, "the fixture's Ubuntu 24.04 amd64 image");
  amis.push({
    ...noble,
    ami_id: NEWER_NOBLE,
    name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261201",
    creation_date: "2026-12-01T07:45:00.000Z",
  });
  const file = path.join(dir, "amis-with-newer-noble.json");
  fs.writeFileSync(file, JSON.stringify(amis));
  return file;
}

/** Where each workstation of the lab's fleet.yaml (as the test's lab edits it) must run. */
const FLEET_REGIONS: Record<string, string> = {
  alice: "us-east-1",
  bob: "eu-west-1",
  dana: "us-east-1",
  "carol-gpu": "us-east-1",
  erin: "us-east-2",
};

function assertOk(result: CommandResult): void {
  assert.equal(result.status, 0, `${result.command} exited ${result.status}:\n${result.output}`);
}

type StoredResource = {
  urn: string;
  type: string;
  id?: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
};

async function exportedResources(project: PulumiProject): Promise<StoredResource[]> {
  const exported = await project.run(["stack", "export"]);
  assertOk(exported);
  return (JSON.parse(exported.stdout) as { deployment: { resources: StoredResource[] } }).deployment.resources;
}

const named = (resources: StoredResource[], type: string, name: string) =>
  resources.find((resource) => resource.type === type && resource.urn.endsWith(`::${name}`));

/** Every instance moto holds in `region` that is not terminated. */
async function liveInstances(moto: MotoServer, region: string): Promise<Instance[]> {
  const { Reservations = [] } = await moto.clients().ec2(region).send(new DescribeInstancesCommand({}));
  return Reservations.flatMap((reservation) => reservation.Instances ?? []).filter(
    (instance) => instance.State?.Name !== "terminated",
  );
}

async function alarmsOf(moto: MotoServer, region: string): Promise<MetricAlarm[]> {
  const cloudwatch = new CloudWatchClient({ region, endpoint: moto.endpoint, credentials: TEST_CREDENTIALS });
  return (await cloudwatch.send(new DescribeAlarmsCommand({}))).MetricAlarms ?? [];
}

const tagsOf = (tags: { Key?: string; Value?: string }[] | undefined) =>
  Object.fromEntries((tags ?? []).map((tag) => [tag.Key, tag.Value]));

describe("whole workstations under the real Pulumi engine (AWS provider stand-in, moto)", function () {
  this.timeout(600_000);
  let moto: MotoServer | undefined;
  let sandbox: PulumiSandbox | undefined;
  let fixtures: string | undefined;

  before(async function () {
    const gate = e2eGate({ distFiles: [LAB_FLEET_JS, EXISTING_STACK_JS] });
    if (!gate.run) {
      console.log(`\n  !! SKIPPING whole workstations under the real engine (CWS_SKIP_E2E=1): ${gate.reason}\n`);
      this.skip();
    }
    fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "cws-e2e-amis-"));
    // moto reads the fixture for each region on first use: it stays until after().
    moto = await startMoto({ awsManagedPolicies: true, amisPath: amisWithNewerNoble(fixtures) });
    await seedDemoLandscape(moto.clients(), REGIONS);
    sandbox = PulumiSandbox.create(gate.cli, moto.env(), "cws-e2e-workstation-");
    installAwsStandin(gate.cli, sandbox.env.PULUMI_HOME as string);
  });

  after(async () => {
    sandbox?.dispose();
    await moto?.stop();
    if (fixtures) fs.rmSync(fixtures, { recursive: true, force: true });
  });

  describe("examples/lab-fleet as a lab copies it (a data volume for alice, erin in us-east-2 by a consented copy)", () => {
    let project: PulumiProject;
    let fleetFile: string;
    let previewedAmis: Record<string, string>;
    let launched: Record<string, { instanceId: string; amiId: string; resolutionMethod: string }>;
    let aliceVolume: string;
    let labImages: string[];

    before(async function () {
      if (!sandbox) this.skip();
      project = sandbox!.project(
        "smith-lab-workstations",
        { program: fs.readFileSync(LAB_FLEET_JS, "utf8") },
        { installedFrom: REPO_ROOT },
      );
      for (const entry of ["fleet.yaml", "Pulumi.dev.yaml", "templates"])
        fs.cpSync(path.join(LAB_FLEET_DIR, entry), path.join(project.dir, entry), { recursive: true });
      // The lab's own edits: alice gets her /data volume; erin works in us-east-2, consenting to a copy.
      fleetFile = path.join(project.dir, "fleet.yaml");
      const original = fs.readFileSync(fleetFile, "utf8");
      const edited = original.replace("# dataVolumeGb: 200", "dataVolumeGb: 200");
      assert.notEqual(edited, original, "examples/lab-fleet/fleet.yaml no longer has alice's commented dataVolumeGb");
      fs.writeFileSync(
        fleetFile,
        `${edited.trimEnd()}\n\n  - name: erin\n    template: smith-lab-ml\n    size: S\n    owner: erin@example.org\n` +
          "    region: us-east-2\n    allowCrossRegionCopy: true\n",
      );
      fs.writeFileSync(path.join(project.dir, "templates", "smith-lab-ml.yml"), LAB_ML_TEMPLATE);
      labImages = (
        await moto!
          .clients()
          .ec2("us-east-1")
          .send(new DescribeImagesCommand({ Owners: ["self"] }))
      ).Images!.map((image) => image.ImageId as string);
      assertOk(await project.run(["stack", "init", "dev"]));
    });

    it("pulumi up launches every workstation in its own region with the AMI its AmiResolution chose and the preview showed", async () => {
      const preview = await project.run(["preview", "--json"]);
      assertOk(preview);
      previewedAmis = {};
      for (const step of (JSON.parse(preview.stdout) as { steps: { urn: string; newState?: StoredResource }[] }).steps)
        if (step.newState?.type === AMI_RESOLUTION_TYPE)
          previewedAmis[step.urn.split("::").pop()!.replace(/-ami$/, "")] = step.newState.inputs.amiId as string;
      assert.deepEqual(Object.keys(previewedAmis).sort(), Object.keys(FLEET_REGIONS).sort());

      const up = await project.run(["up", "--yes", "--skip-preview"]);
      assertOk(up);
      const outputs = await project.run(["stack", "output", "workstations", "--json"]);
      assertOk(outputs);
      launched = JSON.parse(outputs.stdout);
      const resources = await exportedResources(project);
      for (const [name, region] of Object.entries(FLEET_REGIONS)) {
        const resolution = named(resources, AMI_RESOLUTION_TYPE, `${name}-ami`)!;
        const amiId = resolution.outputs.amiId as string;
        assert.equal(launched[name].amiId, amiId);
        // The preview's AMI is the launched one, except where up makes it (erin's copy; the preview names the source).
        if (name !== "erin") assert.equal(amiId, previewedAmis[name], `${name}: preview showed ${previewedAmis[name]}`);
        const here = (await liveInstances(moto!, region)).find((i) => i.InstanceId === launched[name].instanceId);
        assert.ok(here, `${name}: instance ${launched[name].instanceId} is not in ${region}`);
        for (const elsewhere of REGIONS.filter((r) => r !== region))
          assert.ok(
            !(await liveInstances(moto!, elsewhere)).some((i) => i.InstanceId === launched[name].instanceId),
            `${name}: also found in ${elsewhere}`,
          );
        assert.equal(here.ImageId, amiId, `${name} launched ${here.ImageId}, its resolution chose ${amiId}`);
        assert.equal(here.MetadataOptions?.HttpTokens, "required", `${name}: IMDSv2`);
        const tags = tagsOf(here.Tags);
        assert.equal(tags.Name, name);
        assert.equal(tags["cloudworkstation:resolution-method"], launched[name].resolutionMethod);
        assert.equal(tags["cloudworkstation:owner"], `${name.replace("-gpu", "")}@example.org`);
        assert.equal(tags.Project, "smith-lab", `${name}: the fleet's default project`);
        assert.equal(tags["cost-centre"], "4711", `${name}: the fleet's default tags`);
        const ec2 = moto!.clients().ec2(region);
        const [group] = (
          await ec2.send(
            new DescribeSecurityGroupsCommand({ GroupIds: (here.SecurityGroups ?? []).map((g) => g.GroupId!) }),
          )
        ).SecurityGroups!;
        assert.equal(tagsOf(group.Tags)["cloudworkstation:workstation"], name, `${name}: its own security group`);
        assert.ok(
          group.IpPermissions?.every((rule) => rule.IpRanges?.every((range) => range.CidrIp === "203.0.113.0/24")),
          `${name}: ports open to the lab's CIDR only`,
        );
        const rootId = here.BlockDeviceMappings?.find((d) => d.DeviceName === here.RootDeviceName)?.Ebs?.VolumeId;
        const [root] = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [rootId!] }))).Volumes!;
        assert.equal(root.Encrypted, true, `${name}: encrypted root`);
        assert.equal(root.VolumeType, "gp3");
      }
    });

    it("erin's AMI is a copy made by up in us-east-2 of the lab's us-east-1 image, and she launched from it", async () => {
      const { Images = [] } = await moto!
        .clients()
        .ec2("us-east-2")
        .send(new DescribeImagesCommand({ ImageIds: [launched.erin.amiId] }));
      assert.equal(Images.length, 1, `the copy ${launched.erin.amiId} is in us-east-2`);
      assert.ok(!labImages.includes(launched.erin.amiId), "a new image, not the source");
      const source = labImages.find((id) => Images[0].Tags?.some((tag) => tag.Value === `us-east-1/${id}`));
      assert.ok(
        source,
        `the copy is tagged ${COPY_SOURCE_TAG} = us-east-1/<a lab image>: ${JSON.stringify(Images[0].Tags)}`,
      );
      assert.match(launched.erin.resolutionMethod, /cross_region/);
    });

    it("dana's script-provisioned instance got exactly the rendered user data", async () => {
      assert.equal(launched.dana.resolutionMethod, "fallback_script");
      const { template } = loadTemplate("smith-lab-python", { templatesDirs: [path.join(project.dir, "templates")] });
      const expected = resolutionUserData(template, "x86_64", "us-east-1");
      const attribute = await moto!
        .clients()
        .ec2("us-east-1")
        .send(new DescribeInstanceAttributeCommand({ InstanceId: launched.dana.instanceId, Attribute: "userData" }));
      assert.equal(Buffer.from(attribute.UserData?.Value ?? "", "base64").toString(), expected);
    });

    it("each idle alarm exists in its workstation's region with that region's stop action; alice's data volume is attached", async () => {
      const resources = await exportedResources(project);
      for (const [name, region] of Object.entries(FLEET_REGIONS)) {
        const expectsAlarm = named(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", `${name}-idle-stop`);
        if (!expectsAlarm) continue;
        const alarms = (await alarmsOf(moto!, region)).filter(
          (alarm) => alarm.Dimensions?.[0]?.Value === launched[name].instanceId,
        );
        assert.equal(alarms.length, 1, `${name}: one idle alarm in ${region}`);
        assert.deepEqual(alarms[0].AlarmActions, [`arn:aws:automate:${region}:ec2:stop`]);
        assert.equal(alarms[0].MetricName, "CPUUtilization");
      }
      assert.ok(named(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "dana-idle-stop"), "dana's template idles");
      aliceVolume = named(resources, "aws:ebs/volume:Volume", "alice-data")!.id as string;
      const [volume] = (
        await moto!
          .clients()
          .ec2("us-east-1")
          .send(new DescribeVolumesCommand({ VolumeIds: [aliceVolume] }))
      ).Volumes!;
      assert.equal(volume.Attachments?.[0]?.InstanceId, launched.alice.instanceId);
      assert.equal(volume.Attachments?.[0]?.Device, "/dev/sdf");
      assert.equal(volume.Encrypted, true);
    });

    it("pulumi refresh finds nothing changed, and a re-preview shows no changes", async () => {
      const refresh = await project.run(["refresh", "--yes", "--skip-preview", "--expect-no-changes"]);
      assertOk(refresh);
      const preview = await project.run(["preview", "--expect-no-changes"]);
      assertOk(preview);
      assert.doesNotMatch(preview.stdout, /to create|to replace|to update|to delete/);
    });

    it("an upgrade on purpose (amiGeneration 0 → 1): the preview shows alice's replacement, up launches the new AMI and the data volume follows", async () => {
      // Canonical publishes a newer Ubuntu image; pinned workstations stay where they are until bumped.
      await publishPublicParameter(moto!.clients().ssm("us-east-1"), NOBLE_PARAMETER, NEWER_NOBLE);
      const newer = NEWER_NOBLE;
      const text = fs.readFileSync(fleetFile, "utf8");
      const bumped = text.replace("amiGeneration: 0", "amiGeneration: 1");
      assert.notEqual(bumped, text);
      fs.writeFileSync(fleetFile, bumped);

      const preview = await project.run(["preview", "--diff"]);
      assertOk(preview);
      assert.match(
        preview.stdout,
        /\+-aws:ec2\/instance:Instance: \(replace\)\n\s*\[id=i-\w+\]\n\s*\[urn=[^\]]*::alice-instance\]/,
      );
      assert.match(preview.stdout, new RegExp(`~ ami\\s*: "${launched.alice.amiId}" => "${newer}"`));
      // carol-gpu runs the same template in the same region: pinned, untouched.
      assert.doesNotMatch(preview.stdout, /carol-gpu-instance\]\s*\n[^\n]*replace/);

      const up = await project.run(["up", "--yes", "--skip-preview"]);
      assertOk(up);
      const after = JSON.parse((await project.run(["stack", "output", "workstations", "--json"])).stdout);
      assert.equal(after.alice.amiId, newer);
      assert.notEqual(after.alice.instanceId, launched.alice.instanceId);
      assert.equal(after["carol-gpu"].instanceId, launched["carol-gpu"].instanceId, "carol-gpu kept");
      const live = await liveInstances(moto!, "us-east-1");
      assert.equal(live.find((i) => i.InstanceId === after.alice.instanceId)?.ImageId, newer);
      assert.ok(!live.some((i) => i.InstanceId === launched.alice.instanceId), "the old instance is terminated");
      const [volume] = (
        await moto!
          .clients()
          .ec2("us-east-1")
          .send(new DescribeVolumesCommand({ VolumeIds: [aliceVolume] }))
      ).Volumes!;
      assert.equal(volume.Attachments?.[0]?.InstanceId, after.alice.instanceId, "the same volume, on the new instance");
      launched = after;
      assertOk(await project.run(["preview", "--expect-no-changes"]));
    });

    it("pulumi destroy terminates every instance and removes alarms and groups, keeping the saved images and the data volume", async () => {
      const destroy = await project.run(["destroy", "--yes", "--skip-preview"]);
      assertOk(destroy);
      for (const region of REGIONS) {
        assert.deepEqual(
          (await liveInstances(moto!, region)).map((i) => i.InstanceId),
          [],
          `instances left in ${region}`,
        );
        assert.deepEqual(
          (await alarmsOf(moto!, region)).map((a) => a.AlarmName),
          [],
          `alarms left in ${region}`,
        );
        const { SecurityGroups = [] } = await moto!
          .clients()
          .ec2(region)
          .send(
            new DescribeSecurityGroupsCommand({
              Filters: [{ Name: "tag-key", Values: ["cloudworkstation:workstation"] }],
            }),
          );
        assert.deepEqual(
          SecurityGroups.map((g) => g.GroupId),
          [],
          `security groups left in ${region}`,
        );
      }
      const { Images = [] } = await moto!
        .clients()
        .ec2("us-east-1")
        .send(new DescribeImagesCommand({ Owners: ["self"] }));
      for (const image of labImages)
        assert.ok(
          Images.some((i) => i.ImageId === image),
          `the lab's saved image ${image} is kept`,
        );
      const copies = await moto!
        .clients()
        .ec2("us-east-2")
        .send(new DescribeImagesCommand({ Owners: ["self"] }));
      assert.ok(!copies.Images?.some((i) => i.ImageId === launched.erin.amiId), "erin's copy is removed with her");
      const { Volumes = [] } = await moto!
        .clients()
        .ec2("us-east-1")
        .send(new DescribeVolumesCommand({ VolumeIds: [aliceVolume] }));
      assert.equal(Volumes[0]?.State, "available", "alice's data volume is kept (retainOnDelete), detached");
    });
  });

  describe("examples/existing-stack: a lab's network stack that then adds a workstation (explicit aws.Provider in eu-west-1)", () => {
    let project: PulumiProject;
    const urnOf = (type: string, name: string) => `urn:pulumi:dev::lab-network-with-workstation::${type}::${name}`;

    before(async function () {
      if (!sandbox) this.skip();
      project = sandbox!.project(
        "lab-network-with-workstation",
        { program: fs.readFileSync(EXISTING_STACK_JS, "utf8") },
        { installedFrom: REPO_ROOT },
      );
      assertOk(await project.run(["stack", "init", "dev"]));
    });

    it("the lab's network exists first; up then adds only the workstation, in the lab's subnet, region and default tags", async () => {
      // The stack the lab had before: its provider and network only.
      const network = [
        urnOf("pulumi:providers:aws", "lab-eu"),
        urnOf("aws:ec2/vpc:Vpc", "lab-vpc"),
        urnOf("aws:ec2/internetGateway:InternetGateway", "lab-igw"),
        urnOf("aws:ec2/subnet:Subnet", "lab-public-a"),
        urnOf("aws:ec2/routeTable:RouteTable", "lab-public"),
        urnOf("aws:ec2/routeTableAssociation:RouteTableAssociation", "lab-public-a"),
      ];
      assertOk(await project.run(["up", "--yes", "--skip-preview", ...network.flatMap((urn) => ["--target", urn])]));
      const before = await exportedResources(project);
      const subnet = named(before, "aws:ec2/subnet:Subnet", "lab-public-a")!;
      assert.equal(subnet.outputs.availabilityZone, "eu-west-1a");
      assert.equal(named(before, "aws:ec2/instance:Instance", "rstudio-1-instance"), undefined);

      const up = await project.run(["up", "--yes", "--skip-preview"]);
      assertOk(up);
      assert.doesNotMatch(up.stdout, /lab-vpc[^\n]*(replac|updat|delet)/);
      const after = await exportedResources(project);
      for (const urn of network.slice(1))
        assert.equal(after.find((r) => r.urn === urn)?.id, before.find((r) => r.urn === urn)?.id, `${urn} kept its id`);
      const instanceId = named(after, "aws:ec2/instance:Instance", "rstudio-1-instance")!.id as string;
      const amiId = named(after, AMI_RESOLUTION_TYPE, "rstudio-1-ami")!.outputs.amiId as string;
      const [instance] = (await liveInstances(moto!, "eu-west-1")).filter((i) => i.InstanceId === instanceId);
      assert.ok(instance, "the workstation runs in eu-west-1, the provider's region");
      assert.equal(instance.ImageId, amiId);
      assert.equal(instance.SubnetId, subnet.id);
      assert.equal(instance.VpcId, named(after, "aws:ec2/vpc:Vpc", "lab-vpc")!.id);
      assert.equal(tagsOf(instance.Tags).team, "smith-lab", "the provider's default tags");
      assert.equal(tagsOf(instance.Tags).Name, "rstudio-1");
    });

    it("re-previews with no changes and destroys everything it made", async () => {
      assertOk(await project.run(["preview", "--expect-no-changes"]));
      assertOk(await project.run(["destroy", "--yes", "--skip-preview"]));
      assert.deepEqual(
        (await liveInstances(moto!, "eu-west-1")).filter((i) => tagsOf(i.Tags).team === "smith-lab"),
        [],
      );
    });
  });
});
