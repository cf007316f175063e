import {
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  type EC2Client,
  type Instance,
  ModifyInstanceAttributeCommand,
  ModifyInstanceMetadataOptionsCommand,
  ModifyVolumeCommand,
  ReplaceIamInstanceProfileAssociationCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { allTags, defined, fromAwsTags, orMissing, regionOf, toAwsTags, type Tags } from "../context";
import type { Props, StandinContext, StandinResource } from "../resource";
import { ownTags, syncTags, waitFor } from "./ec2-common";

const TF = "Terraform AWS provider, aws_instance";

/** aws.ec2.Instance: RunInstances with the image's root device, IMDS options and tags; stop/modify/start updates. */
export const ec2Instance: StandinResource = {
  token: "aws:ec2/instance:Instance",
  regional: true,
  inputs: {
    region: true,
    ami: true,
    instanceType: true,
    subnetId: true,
    availabilityZone: true,
    vpcSecurityGroupIds: true,
    keyName: true,
    associatePublicIpAddress: true,
    iamInstanceProfile: true,
    userData: true,
    userDataReplaceOnChange: true,
    hibernation: true,
    metadataOptions: {
      type: "ec2.InstanceMetadataOptions",
      properties: { httpTokens: true, httpEndpoint: true, httpPutResponseHopLimit: true },
    },
    rootBlockDevice: {
      type: "ec2.InstanceRootBlockDevice",
      properties: { volumeType: true, encrypted: true, volumeSize: true, deleteOnTermination: true },
    },
    tags: true,
    volumeTags: true,
  },
  outputs: {
    region: true,
    arn: true,
    ami: true,
    instanceType: true,
    instanceState: true,
    subnetId: true,
    availabilityZone: true,
    vpcSecurityGroupIds: true,
    keyName: true,
    associatePublicIpAddress: true,
    iamInstanceProfile: true,
    userData: true,
    userDataReplaceOnChange: true,
    hibernation: true,
    privateIp: true,
    privateDns: true,
    publicIp: true,
    publicDns: true,
    primaryNetworkInterfaceId: true,
    metadataOptions: {
      type: "ec2.InstanceMetadataOptions",
      properties: { httpTokens: true, httpEndpoint: true, httpPutResponseHopLimit: true },
    },
    rootBlockDevice: {
      type: "ec2.InstanceRootBlockDevice",
      properties: {
        volumeType: true,
        encrypted: true,
        volumeSize: true,
        deleteOnTermination: true,
        volumeId: true,
        deviceName: true,
      },
    },
    tags: true,
    tagsAll: true,
    volumeTags: true,
  },
  replaceOnChange: {
    region: "@pulumi/aws v7: every regional resource is replaced when its region changes",
    ami: `${TF}: ami is ForceNew`,
    availabilityZone: `${TF}: availability_zone is ForceNew`,
    subnetId: `${TF}: subnet_id is ForceNew`,
    keyName: `${TF}: key_name is ForceNew`,
    associatePublicIpAddress: `${TF}: associate_public_ip_address is ForceNew`,
    hibernation: `${TF}: hibernation is ForceNew`,
    "rootBlockDevice.encrypted": `${TF}: root_block_device.encrypted is ForceNew`,
  },
  conditionalReplaces(_olds, news, changed) {
    // user_data is ForceNew only with user_data_replace_on_change = true; otherwise stop, modify, start.
    return news.userDataReplaceOnChange === true && changed.includes("userData") ? ["userData"] : [];
  },
  sets: ["vpcSecurityGroupIds"],

  async create(ctx, inputs) {
    const region = regionOf(inputs, ctx.config);
    const ec2 = ctx.aws.ec2(region);
    // The root device's name comes from the image (as the real provider does); an AMI from another region fails
    // here with moto's InvalidAMIID.NotFound, through the SDK, exactly as RunInstances would on AWS.
    const { Images = [] } = await ec2.send(new DescribeImagesCommand({ ImageIds: [inputs.ami] }));
    const image = Images[0];
    if (!image) throw new Error(`InvalidAMIID.NotFound: The image id '[${inputs.ami}]' does not exist (${region})`);
    const tags = allTags(ctx.config, inputs.tags);
    const root = inputs.rootBlockDevice ?? {};
    const groups = inputs.vpcSecurityGroupIds as string[] | undefined;
    const network =
      inputs.associatePublicIpAddress !== undefined
        ? {
            NetworkInterfaces: [
              {
                DeviceIndex: 0,
                AssociatePublicIpAddress: inputs.associatePublicIpAddress,
                SubnetId: inputs.subnetId,
                Groups: groups,
              },
            ],
          }
        : { SubnetId: inputs.subnetId, SecurityGroupIds: groups };
    const { Instances = [] } = await ec2.send(
      new RunInstancesCommand({
        ImageId: inputs.ami,
        InstanceType: inputs.instanceType,
        MinCount: 1,
        MaxCount: 1,
        ...network,
        ...(inputs.availabilityZone ? { Placement: { AvailabilityZone: inputs.availabilityZone } } : {}),
        KeyName: inputs.keyName,
        IamInstanceProfile: inputs.iamInstanceProfile ? { Name: inputs.iamInstanceProfile } : undefined,
        UserData: inputs.userData !== undefined ? Buffer.from(inputs.userData).toString("base64") : undefined,
        HibernationOptions: inputs.hibernation !== undefined ? { Configured: inputs.hibernation } : undefined,
        MetadataOptions: inputs.metadataOptions
          ? {
              HttpTokens: inputs.metadataOptions.httpTokens,
              HttpEndpoint: inputs.metadataOptions.httpEndpoint,
              HttpPutResponseHopLimit: inputs.metadataOptions.httpPutResponseHopLimit,
            }
          : undefined,
        BlockDeviceMappings: inputs.rootBlockDevice
          ? [
              {
                DeviceName: image.RootDeviceName,
                Ebs: {
                  VolumeType: root.volumeType,
                  Encrypted: root.encrypted,
                  VolumeSize: root.volumeSize,
                  DeleteOnTermination: root.deleteOnTermination ?? true,
                },
              },
            ]
          : undefined,
        TagSpecifications: [
          ...(Object.keys(tags).length ? [{ ResourceType: "instance" as const, Tags: toAwsTags(tags) }] : []),
          ...(inputs.volumeTags && Object.keys(inputs.volumeTags).length
            ? [{ ResourceType: "volume" as const, Tags: toAwsTags(inputs.volumeTags) }]
            : []),
        ],
      }),
    );
    const id = Instances[0]?.InstanceId as string;
    await waitForState(ec2, id, "running");
    return { id, outs: (await describe(ctx, region, id, inputs)) as Props };
  },

  async read(ctx, id, props) {
    return describe(ctx, regionOf(props, ctx.config), id, props);
  },

  async update(ctx, id, olds, news, changed) {
    const region = regionOf(news, ctx.config);
    const ec2 = ctx.aws.ec2(region);
    // instance_type and (without replace-on-change) user_data need a stopped instance, as on AWS.
    const needsStop = changed.includes("instanceType") || changed.includes("userData");
    if (needsStop) {
      await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
      await waitForState(ec2, id, "stopped");
      if (changed.includes("instanceType"))
        await ec2.send(
          new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: news.instanceType } }),
        );
      if (changed.includes("userData"))
        await ec2.send(
          new ModifyInstanceAttributeCommand({
            InstanceId: id,
            UserData: { Value: new TextEncoder().encode(news.userData ?? "") },
          }),
        );
    }
    if (changed.includes("vpcSecurityGroupIds"))
      await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, Groups: news.vpcSecurityGroupIds }));
    if (changed.includes("metadataOptions"))
      await ec2.send(
        new ModifyInstanceMetadataOptionsCommand({
          InstanceId: id,
          HttpTokens: news.metadataOptions?.httpTokens,
          HttpEndpoint: news.metadataOptions?.httpEndpoint,
          HttpPutResponseHopLimit: news.metadataOptions?.httpPutResponseHopLimit,
        }),
      );
    if (changed.includes("iamInstanceProfile")) {
      const { IamInstanceProfileAssociations = [] } = await ec2.send(
        new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: "instance-id", Values: [id] }] }),
      );
      const association = IamInstanceProfileAssociations.find((a) => a.State === "associated");
      if (association)
        await ec2.send(
          new ReplaceIamInstanceProfileAssociationCommand({
            AssociationId: association.AssociationId,
            IamInstanceProfile: { Name: news.iamInstanceProfile },
          }),
        );
    }
    if (changed.includes("rootBlockDevice") && olds.rootBlockDevice?.volumeId)
      await ec2.send(
        new ModifyVolumeCommand({
          VolumeId: olds.rootBlockDevice.volumeId,
          Size: news.rootBlockDevice?.volumeSize,
          VolumeType: news.rootBlockDevice?.volumeType,
        }),
      );
    if (changed.includes("tags")) await syncTags(ec2, id, olds.tagsAll, allTags(ctx.config, news.tags));
    if (changed.includes("volumeTags") && olds.rootBlockDevice?.volumeId)
      await syncTags(ec2, olds.rootBlockDevice.volumeId, olds.volumeTags, news.volumeTags ?? {});
    if (needsStop) {
      await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
      await waitForState(ec2, id, "running");
    }
    const outs = await describe(ctx, region, id, news);
    if (!outs) throw new Error(`instance ${id} disappeared during its update (${region})`);
    return outs;
  },

  async delete(ctx, id, props) {
    const ec2 = ctx.aws.ec2(regionOf(props, ctx.config));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await waitForState(ec2, id, "terminated");
  },
};

const findInstance = (ec2: EC2Client, id: string): Promise<Instance | undefined> =>
  orMissing(
    async () => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0],
  );

const waitForState = (ec2: EC2Client, id: string, state: string) =>
  waitFor(`instance ${id} to be ${state}`, async () => (await findInstance(ec2, id))?.State?.Name === state);

/**
 * The state as the real provider holds it, read from EC2. What EC2 does not report back is carried from `known`
 * (the inputs at create/update, the previous state at refresh): userDataReplaceOnChange (provider-only) and
 * deleteOnTermination when the root volume is detached.
 */
async function describe(ctx: StandinContext, region: string, id: string, known: Props): Promise<Props | undefined> {
  const ec2 = ctx.aws.ec2(region);
  const instance = await findInstance(ec2, id);
  if (!instance || instance.State?.Name === "terminated") return undefined;
  const [userData, rootVolume] = await Promise.all([
    ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: "userData" })),
    rootVolumeOf(ec2, instance),
  ]);
  const userDataText = userData.UserData?.Value ? Buffer.from(userData.UserData.Value, "base64").toString() : undefined;
  const tags: Tags = fromAwsTags(instance.Tags);
  const mapping = instance.BlockDeviceMappings?.find((device) => device.DeviceName === instance.RootDeviceName);
  const accountId = await ctx.aws.accountId();
  return defined({
    region,
    arn: `arn:aws:ec2:${region}:${accountId}:instance/${id}`,
    ami: instance.ImageId,
    instanceType: instance.InstanceType,
    instanceState: instance.State?.Name,
    subnetId: instance.SubnetId,
    availabilityZone: instance.Placement?.AvailabilityZone,
    vpcSecurityGroupIds: (instance.SecurityGroups ?? []).map((group) => group.GroupId as string).sort(),
    keyName: instance.KeyName,
    associatePublicIpAddress: known.associatePublicIpAddress ?? Boolean(instance.PublicIpAddress),
    iamInstanceProfile: instance.IamInstanceProfile?.Arn?.split("/").pop(),
    userData: userDataText,
    userDataReplaceOnChange: known.userDataReplaceOnChange,
    hibernation: instance.HibernationOptions?.Configured ?? false,
    privateIp: instance.PrivateIpAddress ?? "",
    privateDns: instance.PrivateDnsName ?? "",
    publicIp: instance.PublicIpAddress ?? "",
    publicDns: instance.PublicDnsName ?? "",
    primaryNetworkInterfaceId: instance.NetworkInterfaces?.[0]?.NetworkInterfaceId,
    metadataOptions: defined({
      httpTokens: instance.MetadataOptions?.HttpTokens,
      httpEndpoint: instance.MetadataOptions?.HttpEndpoint,
      httpPutResponseHopLimit: instance.MetadataOptions?.HttpPutResponseHopLimit,
    }),
    rootBlockDevice: rootVolume
      ? defined({
          volumeType: rootVolume.VolumeType,
          encrypted: rootVolume.Encrypted,
          volumeSize: rootVolume.Size,
          deleteOnTermination: mapping?.Ebs?.DeleteOnTermination ?? known.rootBlockDevice?.deleteOnTermination,
          volumeId: rootVolume.VolumeId,
          deviceName: instance.RootDeviceName,
        })
      : undefined,
    tags: ownTags(tags, known.tags),
    tagsAll: tags,
    volumeTags: rootVolume && known.volumeTags !== undefined ? fromAwsTags(rootVolume.Tags) : undefined,
  });
}

async function rootVolumeOf(ec2: EC2Client, instance: Instance) {
  const volumeId = instance.BlockDeviceMappings?.find((device) => device.DeviceName === instance.RootDeviceName)?.Ebs
    ?.VolumeId;
  if (!volumeId) return undefined;
  const { Volumes = [] } = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }));
  return Volumes[0];
}
