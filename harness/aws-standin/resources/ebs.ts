import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DeleteVolumeCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  type EC2Client,
  ModifyVolumeCommand,
  StopInstancesCommand,
  DescribeInstancesCommand,
  type Volume,
} from "@aws-sdk/client-ec2";
import { createHash } from "node:crypto";
import { allTags, defined, fromAwsTags, orMissing, regionOf, toAwsTags } from "../context";
import type { Props, StandinResource } from "../resource";
import { ownTags, syncTags, waitFor } from "./ec2-common";

/** The data volume and its attachment: aws.ebs.Volume and aws.ec2.VolumeAttachment. */

const REGION_RULE = "@pulumi/aws v7: every regional resource is replaced when its region changes";

const findVolume = (ec2: EC2Client, id: string): Promise<Volume | undefined> =>
  orMissing(async () => (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes?.[0]);

function volumeState(region: string, accountId: string, volume: Volume, known: Props): Props {
  const tags = fromAwsTags(volume.Tags);
  return defined({
    region,
    arn: `arn:aws:ec2:${region}:${accountId}:volume/${volume.VolumeId}`,
    availabilityZone: volume.AvailabilityZone,
    size: volume.Size,
    type: volume.VolumeType,
    encrypted: volume.Encrypted ?? false,
    iops: volume.Iops,
    throughput: volume.Throughput,
    tags: ownTags(tags, known.tags),
    tagsAll: tags,
  });
}

export const ebsVolume: StandinResource = {
  token: "aws:ebs/volume:Volume",
  regional: true,
  inputs: { region: true, availabilityZone: true, size: true, type: true, encrypted: true, tags: true },
  outputs: {
    region: true,
    arn: true,
    availabilityZone: true,
    size: true,
    type: true,
    encrypted: true,
    iops: true,
    throughput: true,
    tags: true,
    tagsAll: true,
  },
  replaceOnChange: {
    region: REGION_RULE,
    availabilityZone: "Terraform AWS provider, aws_ebs_volume: availability_zone is ForceNew",
    encrypted: "Terraform AWS provider, aws_ebs_volume: encrypted is ForceNew",
  },
  async create(ctx, inputs) {
    const region = regionOf(inputs, ctx.config);
    const ec2 = ctx.aws.ec2(region);
    const tags = allTags(ctx.config, inputs.tags);
    const { VolumeId } = await ec2.send(
      new CreateVolumeCommand({
        AvailabilityZone: inputs.availabilityZone,
        Size: inputs.size,
        VolumeType: inputs.type,
        Encrypted: inputs.encrypted,
        ...(Object.keys(tags).length ? { TagSpecifications: [{ ResourceType: "volume", Tags: toAwsTags(tags) }] } : {}),
      }),
    );
    const id = VolumeId as string;
    await waitFor(`volume ${id} to be available`, async () => (await findVolume(ec2, id))?.State === "available");
    return { id, outs: volumeState(region, await ctx.aws.accountId(), (await findVolume(ec2, id)) as Volume, inputs) };
  },
  async read(ctx, id, props) {
    const region = regionOf(props, ctx.config);
    const volume = await findVolume(ctx.aws.ec2(region), id);
    return volume && volumeState(region, await ctx.aws.accountId(), volume, props);
  },
  async update(ctx, id, olds, news, changed) {
    const region = regionOf(news, ctx.config);
    const ec2 = ctx.aws.ec2(region);
    if (changed.includes("size") || changed.includes("type"))
      await ec2.send(new ModifyVolumeCommand({ VolumeId: id, Size: news.size, VolumeType: news.type }));
    if (changed.includes("tags")) await syncTags(ec2, id, olds.tagsAll, allTags(ctx.config, news.tags));
    return volumeState(region, await ctx.aws.accountId(), (await findVolume(ec2, id)) as Volume, news);
  },
  async delete(ctx, id, props) {
    await ctx.aws.ec2(regionOf(props, ctx.config)).send(new DeleteVolumeCommand({ VolumeId: id }));
  },
};

/** Terraform's id for an attachment: "vai-" and a hash of device, instance and volume. */
const attachmentId = (device: string, instanceId: string, volumeId: string) =>
  `vai-${parseInt(createHash("sha1").update(`${device}-${instanceId}-${volumeId}-`).digest("hex").slice(0, 8), 16)}`;

const attachmentOf = (volume: Volume | undefined, instanceId: string) =>
  volume?.Attachments?.find((attachment) => attachment.InstanceId === instanceId);

export const ec2VolumeAttachment: StandinResource = {
  token: "aws:ec2/volumeAttachment:VolumeAttachment",
  regional: true,
  inputs: { region: true, deviceName: true, volumeId: true, instanceId: true, stopInstanceBeforeDetaching: true },
  outputs: { region: true, deviceName: true, volumeId: true, instanceId: true, stopInstanceBeforeDetaching: true },
  replaceOnChange: {
    region: REGION_RULE,
    deviceName: "Terraform AWS provider, aws_volume_attachment: device_name is ForceNew",
    volumeId: "Terraform AWS provider, aws_volume_attachment: volume_id is ForceNew",
    instanceId: "Terraform AWS provider, aws_volume_attachment: instance_id is ForceNew",
  },
  async create(ctx, inputs) {
    const region = regionOf(inputs, ctx.config);
    const ec2 = ctx.aws.ec2(region);
    await ec2.send(
      new AttachVolumeCommand({ Device: inputs.deviceName, InstanceId: inputs.instanceId, VolumeId: inputs.volumeId }),
    );
    await waitFor(
      `volume ${inputs.volumeId} to be attached to ${inputs.instanceId}`,
      async () => attachmentOf(await findVolume(ec2, inputs.volumeId), inputs.instanceId)?.State === "attached",
    );
    return {
      id: attachmentId(inputs.deviceName, inputs.instanceId, inputs.volumeId),
      outs: defined({
        region,
        deviceName: inputs.deviceName,
        volumeId: inputs.volumeId,
        instanceId: inputs.instanceId,
        stopInstanceBeforeDetaching: inputs.stopInstanceBeforeDetaching,
      }),
    };
  },
  async read(ctx, _id, props) {
    const region = regionOf(props, ctx.config);
    const attachment = attachmentOf(await findVolume(ctx.aws.ec2(region), props.volumeId), props.instanceId);
    if (!attachment) return undefined;
    return defined({
      region,
      deviceName: attachment.Device,
      volumeId: attachment.VolumeId,
      instanceId: attachment.InstanceId,
      stopInstanceBeforeDetaching: props.stopInstanceBeforeDetaching,
    });
  },
  async update(_ctx, _id, olds, news) {
    // Only stopInstanceBeforeDetaching can change in place (provider-side behaviour, nothing to call).
    return { ...olds, stopInstanceBeforeDetaching: news.stopInstanceBeforeDetaching };
  },
  async delete(ctx, _id, props) {
    const ec2 = ctx.aws.ec2(regionOf(props, ctx.config));
    if (props.stopInstanceBeforeDetaching) {
      await ec2.send(new StopInstancesCommand({ InstanceIds: [props.instanceId] }));
      await waitFor(`instance ${props.instanceId} to stop before detaching`, async () => {
        const { Reservations = [] } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [props.instanceId] }));
        const state = Reservations[0]?.Instances?.[0]?.State?.Name;
        return state === "stopped" || state === "terminated";
      });
    }
    if (!attachmentOf(await findVolume(ec2, props.volumeId), props.instanceId)) return;
    await ec2.send(
      new DetachVolumeCommand({ Device: props.deviceName, InstanceId: props.instanceId, VolumeId: props.volumeId }),
    );
    await waitFor(
      `volume ${props.volumeId} to be detached from ${props.instanceId}`,
      async () => !attachmentOf(await findVolume(ec2, props.volumeId), props.instanceId),
    );
  },
};
