import assert from "node:assert/strict";
import {
  CreateLaunchTemplateCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  EC2Client,
  RunInstancesCommand,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import { DescribeParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { useMotoBehindFaultProxy } from "../../harness/fault-proxy";
import { createImageFromInstance, FIXTURE_BASE_IMAGES, publishPublicParameter } from "../../harness/seed";
import { applyRetirement, planRetirement } from "../../src/imaging";
import { IMAGE_TAGS } from "../../src/core/image-tags";
import type { AwsClients } from "../../src/core/clients";
import { ownImages, snapshotIds } from "./helpers";

const REGION = "us-east-1";
const UBUNTU = FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("retiring old images (planRetirement / applyRetirement) against moto behind the fault proxy", () => {
  const emulator = useMotoBehindFaultProxy({ resetEachTest: true });

  /** Managed images of one template, oldest first (moto dates images to the second, hence the pauses). */
  async function managedImages(
    clients: AwsClients,
    names: string[],
    template = "lab-a",
  ): Promise<Record<string, string>> {
    const ids: Record<string, string> = {};
    for (const [index, name] of names.entries()) {
      if (index > 0) await pause(1_050);
      ids[name] = await createImageFromInstance(clients.ec2(REGION), {
        sourceAmiId: UBUNTU,
        name: `${template}-${name}`,
        tags: { [IMAGE_TAGS.managed]: "true", [IMAGE_TAGS.template]: template, [IMAGE_TAGS.kind]: "built" },
      });
    }
    return ids;
  }

  it("plans: keeps the newest N and every referenced image, each with its reason, and retires only the rest", async () => {
    const clients = emulator.moto.clients();
    const ec2 = clients.ec2(REGION);
    const ids = await managedImages(clients, [
      "old",
      "in-launch-template",
      "in-instance",
      "in-parameter",
      "pinned",
      "newest",
    ]);
    const unmanaged = await createImageFromInstance(ec2, { sourceAmiId: UBUNTU, name: "hand-made" });
    await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "lab-lt",
        LaunchTemplateData: { ImageId: ids["in-launch-template"], InstanceType: "t3.micro" },
      }),
    );
    const { Instances = [] } = await ec2.send(
      new RunInstancesCommand({ ImageId: ids["in-instance"], InstanceType: "t3.micro", MinCount: 1, MaxCount: 1 }),
    );
    await ec2.send(new StopInstancesCommand({ InstanceIds: [Instances[0].InstanceId as string] }));
    await publishPublicParameter(clients.ssm(REGION), "/lab/images/lab-a", ids["in-parameter"]);

    const plan = await planRetirement(
      {
        regions: [REGION],
        keep: 1,
        stackResolutions: [{ name: "alice-ami", urn: "urn:…::alice-ami", region: REGION, amiId: ids.pinned }],
      },
      clients,
    );
    const byId = new Map(plan.images.map((image) => [image.amiId, image]));
    assert.equal(byId.has(unmanaged), false, "an image CloudWorkstation did not make is never considered");
    assert.deepEqual(
      plan.images.filter((image) => image.action === "retire").map((image) => image.amiId),
      [ids.old],
    );
    assert.match(byId.get(ids.newest)?.reasons.join() ?? "", /one of the newest 1 of lab-a in us-east-1/);
    assert.match(byId.get(ids["in-launch-template"])?.reasons.join() ?? "", /in launch template lab-lt v1/);
    assert.match(byId.get(ids["in-instance"])?.reasons.join() ?? "", /used by instance i-\w+ \(stopped\)/);
    assert.match(byId.get(ids["in-parameter"])?.reasons.join() ?? "", /value of SSM parameter \/lab\/images\/lab-a/);
    assert.match(byId.get(ids.pinned)?.reasons.join() ?? "", /pinned by AmiResolution alice-ami/);
    assert.equal(plan.retireCount, 1);
    assert.equal(plan.snapshotGb, byId.get(ids.old)?.snapshotGb);
    assert.ok(plan.snapshotGb > 0);
    assert.equal(plan.monthlySavingsUsd, Math.round(plan.snapshotGb * 0.05 * 100) / 100);
    assert.match(plan.costLabel, /^estimate/);
  });

  it("applies: deregisters the retired image and deletes its snapshots, and nothing else", async () => {
    const clients = emulator.moto.clients();
    const ec2 = clients.ec2(REGION);
    const ids = await managedImages(clients, ["old", "newest"]);
    const plan = await planRetirement({ regions: [REGION], keep: 1 }, clients);
    const retired = plan.images.find((image) => image.action === "retire");
    assert.equal(retired?.amiId, ids.old);
    const imagesBefore = (await ownImages(ec2)).map((image) => image.ImageId).sort();
    const snapshotsBefore = await snapshotIds(ec2);

    const report = await applyRetirement(plan, clients);
    assert.deepEqual(report.removed, [{ amiId: ids.old, region: REGION, snapshotIds: retired?.snapshotIds }]);
    assert.deepEqual(report.partial, []);
    assert.deepEqual(report.failed, []);
    const imagesAfter = (await ownImages(ec2)).map((image) => image.ImageId).sort();
    assert.deepEqual(
      imagesAfter,
      imagesBefore.filter((id) => id !== ids.old),
    );
    const snapshotsAfter = await snapshotIds(ec2);
    assert.deepEqual(
      [...snapshotsBefore].filter((id) => !snapshotsAfter.has(id)).sort(),
      [...(retired?.snapshotIds ?? [])].sort(),
    );
  });

  it("a fault midway (fault proxy: DeleteSnapshot, then DeregisterImage fail) leaves a report and nothing half-removed unlisted", async () => {
    const clients = emulator.proxy.clients();
    const ids = await managedImages(clients, ["first", "second", "third", "newest"]);
    const plan = await planRetirement({ regions: [REGION], keep: 1 }, clients);
    assert.equal(plan.retireCount, 3);
    emulator.proxy.fail({ action: "DeleteSnapshot", nth: 1 });
    emulator.proxy.fail({ action: "DeregisterImage", nth: 3 });
    const report = await applyRetirement(plan, clients);
    // Newest first in the plan: third, second, first.
    assert.deepEqual(
      report.partial.map((p) => p.amiId),
      [ids.third],
    );
    assert.match(report.partial[0].failedSnapshots[0].reason, /InjectedFault/);
    assert.deepEqual(
      report.removed.map((r) => r.amiId),
      [ids.second],
    );
    assert.deepEqual(
      report.failed.map((f) => f.amiId),
      [ids.first],
    );
    const remaining = new Set((await ownImages(emulator.moto.clients().ec2(REGION))).map((image) => image.ImageId));
    assert.ok(remaining.has(ids.first), "an image whose deregistration failed is left whole");
    assert.ok(!remaining.has(ids.second) && !remaining.has(ids.third));
  });
});

describe("retiring with deregistration protection and last-launch times (aws-sdk-client-mock: moto has neither)", () => {
  const ec2 = new EC2Client({ region: REGION, credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  const ssm = new SSMClient({ region: REGION, credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  const clients: AwsClients = { ec2: () => ec2, ssm: () => ssm };
  const image = (id: string, created: string, protection?: string) => ({
    ImageId: id,
    Name: id,
    State: "available",
    CreationDate: created,
    DeregistrationProtection: protection,
    Tags: [
      { Key: IMAGE_TAGS.managed, Value: "true" },
      { Key: IMAGE_TAGS.template, Value: "lab-b" },
    ],
    BlockDeviceMappings: [{ DeviceName: "/dev/sda1", Ebs: { SnapshotId: `snap-${id.slice(4)}`, VolumeSize: 30 } }],
  });

  it("never retires a protected image or one launched within --older-than, and says so", async () => {
    const ec2Mock = mockClient(ec2);
    const ssmMock = mockClient(ssm);
    try {
      ec2Mock.on(DescribeImagesCommand).resolves({
        Images: [
          image("ami-0000000000000000a", "2026-01-01T00:00:00.000Z", "enabled"),
          image("ami-0000000000000000b", "2026-02-01T00:00:00.000Z"),
          image("ami-0000000000000000c", "2026-03-01T00:00:00.000Z"),
          image("ami-0000000000000000d", "2026-11-01T00:00:00.000Z"),
        ] as never,
      });
      ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
      ec2Mock.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [] });
      ec2Mock
        .on(DescribeImageAttributeCommand)
        .callsFake(async (input: { ImageId?: string }) =>
          input.ImageId === "ami-0000000000000000b" ? { LastLaunchedTime: { Value: "2026-11-20T00:00:00Z" } } : {},
        );
      ssmMock.on(DescribeParametersCommand).resolves({ Parameters: [] });
      const plan = await planRetirement(
        { regions: [REGION], keep: 1, olderThanMs: 30 * 86_400_000, now: new Date("2026-11-29T00:00:00Z") },
        clients,
      );
      const reasons = Object.fromEntries(plan.images.map((i) => [i.amiId, `${i.action}: ${i.reasons.join("; ")}`]));
      assert.match(reasons["ami-0000000000000000a"], /^keep: deregistration protection is on/);
      assert.match(reasons["ami-0000000000000000b"], /^keep: last launched 2026-11-20, within --older-than/);
      assert.match(reasons["ami-0000000000000000c"], /^retire/);
      assert.match(reasons["ami-0000000000000000d"], /^keep: one of the newest 1/);
      assert.equal(plan.snapshotGb, 30);
    } finally {
      ec2Mock.restore();
      ssmMock.restore();
    }
  });

  it("keeps an image whose last launch time cannot be read (a denied DescribeImageAttribute), saying why", async () => {
    const ec2Mock = mockClient(ec2);
    const ssmMock = mockClient(ssm);
    try {
      ec2Mock.on(DescribeImagesCommand).resolves({
        Images: [
          image("ami-0000000000000000b", "2026-02-01T00:00:00.000Z"),
          image("ami-0000000000000000d", "2026-11-01T00:00:00.000Z"),
        ] as never,
      });
      ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
      ec2Mock.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [] });
      ec2Mock.on(DescribeImageAttributeCommand).rejects(
        Object.assign(new Error("not authorized to perform: ec2:DescribeImageAttribute"), {
          name: "UnauthorizedOperation",
        }),
      );
      ssmMock.on(DescribeParametersCommand).resolves({ Parameters: [] });
      const plan = await planRetirement(
        { regions: [REGION], keep: 1, olderThanMs: 30 * 86_400_000, now: new Date("2026-11-29T00:00:00Z") },
        clients,
      );
      const old = plan.images.find((i) => i.amiId === "ami-0000000000000000b");
      assert.equal(old?.action, "keep");
      assert.match(
        old?.reasons.join() ?? "",
        /last launch time unavailable \(ec2:DescribeImageAttribute lastLaunchedTime: denied to this identity\), so it is kept/,
      );
      assert.equal(plan.retireCount, 0);
    } finally {
      ec2Mock.restore();
      ssmMock.restore();
    }
  });
});
