import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ResearchWorkstation } from "../../src/components/research-workstation";
import { validateWorkstationArgs } from "../../src/components/workstation-plan";
import { dataVolumeBootSection, dataVolumePlan, dataVolumeZone } from "../../src/components/data-volume-plan";
import type { MotoServer } from "../../harness/moto";
import { MotoBackedMocks, startMotoForComponents, valueOf, withEnv, type Registered } from "./moto-mocks";

/**
 * The data volume that survives replacement: ResearchWorkstation({ dataVolumeGb }) under Pulumi runtime mocks backed
 * by moto (the instance is launched in moto; the volume and attachment are echoed, as plain mocks do).
 */

const NOBLE_NEWEST = "ami-00c41000000000002";
const NOBLE_OLDER = "ami-00c41000000000001";
const mapped = (amiId: string) => ({
  name: "lab-data",
  base: "ubuntu-24.04",
  ami_config: { ami_mappings: { "us-east-1": { x86_64: amiId } } },
});

describe("the data volume's plan (pure)", () => {
  it("derives the volume from the name, zone, size and type only: the AMI cannot change it", () => {
    const plan = dataVolumePlan({ name: "alice", availabilityZone: "us-east-1a", sizeGb: 200, tags: { team: "x" } });
    assert.deepEqual(plan, {
      args: {
        availabilityZone: "us-east-1a",
        size: 200,
        type: "gp3",
        encrypted: true,
        tags: {
          Name: "alice-data",
          "cloudworkstation:workstation": "alice",
          "cloudworkstation:data-volume": "true",
          team: "x",
        },
      },
      retainOnDelete: true,
    });
    assert.equal(dataVolumeZone({ region: "eu-west-1" }), "eu-west-1a");
    assert.equal(dataVolumeZone({ region: "eu-west-1", availabilityZone: "eu-west-1b" }), "eu-west-1b");
    assert.equal(
      dataVolumeZone({ region: "eu-west-1", subnetZone: "eu-west-1c", availabilityZone: "x" }),
      "eu-west-1c",
    );
  });

  it("formats the device only when blkid finds no filesystem, and mounts it at /data by UUID with nofail", () => {
    const script = dataVolumeBootSection("vol-0123456789abcdef0");
    assert.match(script, /nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0/);
    assert.match(script, /if \[ -z "\$\(blkid -o value -s TYPE "\$device"\)" \]; then mkfs -t ext4/);
    assert.match(script, /UUID=\$uuid \/data \$fstype defaults,nofail 0 2/);
    assert.doesNotMatch(script, /mkfs[^\n]*\n[^\n]*mkfs/, "one mkfs, guarded");
  });

  it("refuses a bad size, type or generation, naming the field and the allowed range", () => {
    assert.deepEqual(validateWorkstationArgs({ dataVolumeGb: 0 }), [
      { propertyPath: "dataVolumeGb", reason: "0 is not a gp3 volume size; give whole GiB between 1 and 16384" },
    ]);
    assert.match(validateWorkstationArgs({ dataVolumeGb: 50, dataVolumeType: "st1" })[0].reason, /between 125/);
    assert.match(validateWorkstationArgs({ dataVolumeGb: 50, dataVolumeType: "ssd" })[0].reason, /not one of gp3/);
    assert.match(validateWorkstationArgs({ dataVolumeType: "gp3" })[0].reason, /give dataVolumeGb too/);
    assert.equal(validateWorkstationArgs({ amiGeneration: -1 })[0].propertyPath, "amiGeneration");
    assert.equal(validateWorkstationArgs({ amiGeneration: 1.5 })[0].propertyPath, "amiGeneration");
    assert.deepEqual(validateWorkstationArgs({ amiGeneration: 3, dataVolumeGb: 100 }), []);
  });
});

describe("ResearchWorkstation's data volume under moto-backed runtime mocks", () => {
  let moto: MotoServer;
  let restoreEnv: () => void;
  before(async () => {
    moto = await startMotoForComponents();
    restoreEnv = withEnv({ ...moto.env(), AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined });
  });
  after(async () => {
    restoreEnv?.();
    await moto?.stop();
  });

  /** One `pulumi up` of a one-workstation program launching `amiId`, as the mocks see it. */
  async function up(amiId: string): Promise<{ instance: Registered; volume: Registered; attachment: Registered }> {
    pulumi.runtime.setAllConfig({});
    const mocks = await new MotoBackedMocks(moto, { preview: false }).install();
    const workstation = new ResearchWorkstation("alice", {
      template: mapped(amiId),
      region: "us-east-1",
      size: "M",
      dataVolumeGb: 200,
    });
    await valueOf(workstation.instanceId);
    return {
      attachment: await mocks.waitFor("aws:ec2/volumeAttachment:VolumeAttachment", "alice-data-attachment"),
      instance: await mocks.waitFor("aws:ec2/instance:Instance", "alice-instance"),
      volume: await mocks.waitFor("aws:ebs/volume:Volume", "alice-data"),
    };
  }

  it("keeps the same data volume when a new AMI replaces the instance: only the instance's ami changes", async () => {
    const first = await up(NOBLE_OLDER);
    const second = await up(NOBLE_NEWEST);
    assert.equal(first.instance.inputs.ami, NOBLE_OLDER);
    assert.equal(second.instance.inputs.ami, NOBLE_NEWEST);
    // Same name, same inputs: the engine has nothing to replace or update on the volume.
    assert.equal(second.volume.name, first.volume.name);
    assert.deepEqual(second.volume.inputs, first.volume.inputs);
    assert.deepEqual(first.volume.inputs, {
      region: "us-east-1",
      availabilityZone: "us-east-1a",
      size: 200,
      type: "gp3",
      encrypted: true,
      tags: { Name: "alice-data", "cloudworkstation:workstation": "alice", "cloudworkstation:data-volume": "true" },
    });
    assert.equal(first.instance.inputs.availabilityZone, "us-east-1a", "the instance is placed in the volume's zone");
    const attachment = second.attachment;
    assert.equal(attachment.inputs.deviceName, "/dev/sdf");
    assert.equal(attachment.inputs.volumeId, "alice-data-id");
    assert.equal(attachment.inputs.instanceId, second.instance.id);
    assert.equal(attachment.inputs.stopInstanceBeforeDetaching, true);
    assert.match(String(second.instance.inputs.userData), /\/data \$fstype defaults,nofail/);
    assert.match(
      String(second.instance.inputs.userData),
      /^#!\/bin\/bash\n# CloudWorkstation data volume alice-data-id/,
    );
  });

  it("registers every output the workstation exposes, its security group and data volume among them", async () => {
    pulumi.runtime.setAllConfig({});
    await new MotoBackedMocks(moto, { preview: false }).install();
    const registeredOutputs = new Map<pulumi.ComponentResource, Record<string, unknown>>();
    const prototype = pulumi.ComponentResource.prototype as unknown as {
      registerOutputs(outputs?: Record<string, unknown>): void;
    };
    const registerOutputs = prototype.registerOutputs;
    prototype.registerOutputs = function (this: pulumi.ComponentResource, outputs?: Record<string, unknown>) {
      registeredOutputs.set(this, outputs ?? {});
      return registerOutputs.call(this, outputs);
    };
    try {
      const workstation = new ResearchWorkstation("carol", {
        template: mapped(NOBLE_NEWEST),
        region: "us-east-1",
        allowedCidrs: ["203.0.113.0/24"],
        dataVolumeGb: 100,
      });
      const outputs = registeredOutputs.get(workstation) ?? {};
      const exposed = Object.entries(workstation).filter(
        ([key, value]) => key !== "urn" && pulumi.Output.isInstance(value),
      );
      assert.deepEqual(
        exposed.map(([key]) => key).filter((key) => !(key in outputs)),
        [],
        "each public Output of the workstation is registered",
      );
      assert.equal(
        await valueOf(outputs.securityGroupId as pulumi.Output<string>),
        await valueOf(workstation.securityGroupId!),
      );
      assert.equal(await valueOf(outputs.dataVolumeId as pulumi.Output<string>), "carol-data-id");
    } finally {
      prototype.registerOutputs = registerOutputs;
    }
  });

  it("adds no volume, attachment or zone to a workstation without dataVolumeGb (existing stacks are unchanged)", async () => {
    pulumi.runtime.setAllConfig({});
    const mocks = await new MotoBackedMocks(moto, { preview: false }).install();
    const workstation = new ResearchWorkstation("bob", { template: mapped(NOBLE_NEWEST), region: "us-east-1" });
    await valueOf(workstation.instanceId);
    const instance = await mocks.waitFor("aws:ec2/instance:Instance", "bob-instance");
    assert.equal(instance.inputs.availabilityZone, undefined);
    assert.equal(instance.inputs.userData, undefined);
    assert.ok(!mocks.registered.some((r) => r.type.startsWith("aws:ebs/") || r.type.includes("volumeAttachment")));
    assert.equal(workstation.dataVolumeId, undefined);
  });
});
