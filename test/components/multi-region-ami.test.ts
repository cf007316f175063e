import assert from "node:assert/strict";
import { DescribeImageAttributeCommand, DescribeImagesCommand } from "@aws-sdk/client-ec2";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { checkSavedTemplateInputs, savedTemplateProvider } from "../../src/dynamic/saved-template";
import { checkRegionalAmiCopyInputs, regionalAmiCopyProvider } from "../../src/dynamic/regional-ami-copy";
import { MultiRegionAmi, planRegions, renderAmiMappings } from "../../src/components/multi-region-ami";
import { MotoServer, startMoto } from "../../harness/moto";
import { ownImages, runInstance } from "../imaging/helpers";

function outputOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

describe("MultiRegionAmi (Pulumi runtime mocks; each RegionalAmiCopy's provider check+create runs against moto)", () => {
  let moto: MotoServer;
  const created: { type: string; name: string; region?: string }[] = [];
  const warnings: string[] = [];
  const originalWarn = pulumi.log.warn;
  const savedEndpoint = process.env.AWS_ENDPOINT_URL;
  const savedEnv: Record<string, string | undefined> = {};

  before(async () => {
    moto = await startMoto();
    for (const [key, value] of Object.entries(moto.env())) {
      savedEnv[key] = process.env[key];
      process.env[key] = value;
    }
    (pulumi.log as { warn: typeof pulumi.log.warn }).warn = async (message: string) => void warnings.push(message);
    await pulumi.runtime.setMocks({
      async newResource(args) {
        created.push({ type: args.type, name: args.name, region: args.inputs.region });
        if (args.name.includes("-copy-")) {
          const { __provider: _ignored, ...inputs } = args.inputs as Record<string, unknown>;
          const { inputs: checked, failures } = checkRegionalAmiCopyInputs(inputs);
          assert.deepEqual(failures, []);
          const result = await regionalAmiCopyProvider.create!(checked);
          return { id: result.id, state: result.outs };
        }
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    });
  });
  after(async () => {
    (pulumi.log as { warn: typeof pulumi.log.warn }).warn = originalWarn;
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    process.env.AWS_ENDPOINT_URL = savedEndpoint ?? process.env.AWS_ENDPOINT_URL;
    await moto?.stop();
  });

  it("copies to every listed region, maps the source region to the source AMI, shares each copy, and outputs ami_mappings YAML", async () => {
    const ec2 = moto.clients().ec2("us-east-1");
    const instanceId = await runInstance(ec2);
    const amiId = (
      await savedTemplateProvider.create!(
        checkSavedTemplateInputs({ instanceId, region: "us-east-1", templateName: "lab", mode: "no-reboot" }).inputs,
      )
    ).id;

    const ami = new MultiRegionAmi("lab-copy", {
      sourceAmiId: amiId,
      sourceRegion: "us-east-1",
      regions: ["eu-west-1", "us-east-1", "ap-south-1", "eu-west-1"],
      sharing: { accountIds: ["210987654321"] },
      tags: { Team: "bio" },
    });
    const amiIds = await outputOf(ami.amiIds);
    assert.deepEqual(Object.keys(amiIds), ["ap-south-1", "eu-west-1", "us-east-1"]);
    assert.equal(amiIds["us-east-1"], amiId);
    for (const region of ["ap-south-1", "eu-west-1"]) {
      assert.notEqual(amiIds[region], amiId);
      const regional = moto.clients().ec2(region);
      assert.deepEqual(
        (await ownImages(regional)).map((i) => i.ImageId),
        [amiIds[region]],
      );
      const { LaunchPermissions = [] } = await regional.send(
        new DescribeImageAttributeCommand({ ImageId: amiIds[region], Attribute: "launchPermission" }),
      );
      assert.deepEqual(
        LaunchPermissions.map((p) => p.UserId),
        ["210987654321"],
      );
      const { Images = [] } = await regional.send(new DescribeImagesCommand({ ImageIds: [amiIds[region]] }));
      assert.ok((Images[0].Tags ?? []).some((t) => t.Key === "Team" && t.Value === "bio"));
    }
    const mappings = parse(await outputOf(ami.amiMappings)) as { ami_mappings: Record<string, Record<string, string>> };
    assert.deepEqual(mappings.ami_mappings, {
      "ap-south-1": { x86_64: amiIds["ap-south-1"] },
      "eu-west-1": { x86_64: amiIds["eu-west-1"] },
      "us-east-1": { x86_64: amiId },
    });
    const copies = created.filter((c) => c.name.startsWith("lab-copy-"));
    assert.deepEqual(copies.map((c) => c.name).sort(), [
      "lab-copy-ap-south-1",
      "lab-copy-eu-west-1",
      "lab-copy-us-east-1",
    ]);
    assert.deepEqual(warnings, [], "no public warning without public: true");
  });

  it("warns through pulumi.log.warn when sharing is public", async () => {
    const ec2 = moto.clients().ec2("us-east-1");
    const instanceId = await runInstance(ec2);
    const amiId = (
      await savedTemplateProvider.create!(
        checkSavedTemplateInputs({ instanceId, region: "us-east-1", templateName: "pub", mode: "no-reboot" }).inputs,
      )
    ).id;
    const ami = new MultiRegionAmi("pub-copy", {
      sourceAmiId: amiId,
      sourceRegion: "us-east-1",
      regions: ["us-west-2"],
      sharing: { public: true },
    });
    const amiIds = await outputOf(ami.amiIds);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /ANYONE with an AWS account can launch/);
    const { LaunchPermissions = [] } = await moto
      .clients()
      .ec2("us-west-2")
      .send(new DescribeImageAttributeCommand({ ImageId: amiIds["us-west-2"], Attribute: "launchPermission" }));
    assert.deepEqual(LaunchPermissions, [{ Group: "all" }]);
  });

  it("plans regions once each in a stable order and refuses an empty list", () => {
    assert.deepEqual(planRegions(["b-1", "a-1", "b-1"]), ["a-1", "b-1"]);
    assert.throws(() => planRegions([]), /at least one region/);
    assert.deepEqual(
      parse(
        renderAmiMappings([
          { region: "eu-west-1", architecture: "arm64", amiId: "ami-1" },
          { region: "eu-west-1", architecture: "x86_64", amiId: "ami-2" },
        ]),
      ),
      {
        ami_mappings: { "eu-west-1": { arm64: "ami-1", x86_64: "ami-2" } },
      },
    );
  });
});
