import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  type IpPermission,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroup,
} from "@aws-sdk/client-ec2";
import { allTags, defined, fromAwsTags, orMissing, regionOf, toAwsTags } from "../context";
import type { Props, PropertyShape, StandinContext, StandinResource } from "../resource";
import { ownTags, syncTags, waitFor } from "./ec2-common";

const TF = "Terraform AWS provider, aws_security_group";

const rule = (type: string): PropertyShape[string] => ({
  type,
  properties: {
    protocol: true,
    fromPort: true,
    toPort: true,
    cidrBlocks: true,
    ipv6CidrBlocks: true,
    description: true,
  },
});

/** aws.ec2.SecurityGroup with inline ingress/egress rules (the default allow-all egress is replaced, as in Terraform). */
export const ec2SecurityGroup: StandinResource = {
  token: "aws:ec2/securityGroup:SecurityGroup",
  regional: true,
  autoName: "name",
  inputs: {
    region: true,
    name: true,
    description: true,
    vpcId: true,
    ingress: rule("ec2.SecurityGroupIngress"),
    egress: rule("ec2.SecurityGroupEgress"),
    tags: true,
  },
  outputs: {
    region: true,
    arn: true,
    ownerId: true,
    name: true,
    description: true,
    vpcId: true,
    ingress: rule("ec2.SecurityGroupIngress"),
    egress: rule("ec2.SecurityGroupEgress"),
    tags: true,
    tagsAll: true,
  },
  replaceOnChange: {
    region: "@pulumi/aws v7: every regional resource is replaced when its region changes",
    name: `${TF}: name is ForceNew`,
    description: `${TF}: description is ForceNew`,
    vpcId: `${TF}: vpc_id is ForceNew`,
  },
  sets: ["ingress", "egress"],

  async create(ctx, inputs) {
    const region = regionOf(inputs, ctx.config);
    const ec2 = ctx.aws.ec2(region);
    const tags = allTags(ctx.config, inputs.tags);
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: inputs.name,
        Description: inputs.description ?? "Managed by Pulumi",
        VpcId: inputs.vpcId,
        ...(Object.keys(tags).length
          ? { TagSpecifications: [{ ResourceType: "security-group", Tags: toAwsTags(tags) }] }
          : {}),
      }),
    );
    const id = GroupId as string;
    const created = (await findGroup(ctx.aws.ec2(region), id)) as SecurityGroup;
    await replaceRules(ec2, id, created, inputs);
    return { id, outs: (await describe(ctx, region, id, inputs)) as Props };
  },

  read: (ctx, id, props) => describe(ctx, regionOf(props, ctx.config), id, props),

  async update(ctx, id, olds, news, changed) {
    const region = regionOf(news, ctx.config);
    const ec2 = ctx.aws.ec2(region);
    if (changed.includes("ingress") || changed.includes("egress"))
      await replaceRules(ec2, id, (await findGroup(ec2, id)) as SecurityGroup, news);
    if (changed.includes("tags")) await syncTags(ec2, id, olds.tagsAll, allTags(ctx.config, news.tags));
    return (await describe(ctx, region, id, news)) as Props;
  },

  async delete(ctx, id, props) {
    const ec2 = ctx.aws.ec2(regionOf(props, ctx.config));
    // An instance terminated a moment ago may still hold the group (DependencyViolation): retry as Terraform does.
    await waitFor(`security group ${id} to be deletable`, async () => {
      try {
        await ec2.send(new DeleteSecurityGroupCommand({ GroupId: id }));
        return true;
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name === "InvalidGroup.NotFound") return true;
        if (name === "DependencyViolation") return false;
        throw error;
      }
    });
  },
};

const findGroup = (ec2: EC2Client, id: string) =>
  orMissing(async () => (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups?.[0]);

const toPermission = (rule: Props): IpPermission => ({
  IpProtocol: String(rule.protocol),
  FromPort: rule.fromPort,
  ToPort: rule.toPort,
  IpRanges: (rule.cidrBlocks ?? []).map((CidrIp: string) => ({ CidrIp, Description: rule.description })),
  Ipv6Ranges: (rule.ipv6CidrBlocks ?? []).map((CidrIpv6: string) => ({ CidrIpv6, Description: rule.description })),
});

/** The rules of a permission as the provider's flattened ingress/egress entries (one per description, as TF does). */
const fromPermission = (permission: IpPermission): Props =>
  defined({
    protocol: permission.IpProtocol,
    fromPort: permission.FromPort ?? 0,
    toPort: permission.ToPort ?? 0,
    cidrBlocks: (permission.IpRanges ?? []).map((range) => range.CidrIp as string),
    ipv6CidrBlocks: (permission.Ipv6Ranges ?? []).map((range) => range.CidrIpv6 as string),
    description: permission.IpRanges?.[0]?.Description ?? permission.Ipv6Ranges?.[0]?.Description ?? "",
  });

/** Revokes every current rule and authorizes the wanted ones (Terraform's behaviour for inline rules). */
async function replaceRules(ec2: EC2Client, id: string, group: SecurityGroup, wanted: Props): Promise<void> {
  if (group.IpPermissions?.length)
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: group.IpPermissions }));
  if (group.IpPermissionsEgress?.length)
    await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: id, IpPermissions: group.IpPermissionsEgress }));
  if (wanted.ingress?.length)
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: wanted.ingress.map(toPermission) }),
    );
  if (wanted.egress?.length)
    await ec2.send(
      new AuthorizeSecurityGroupEgressCommand({ GroupId: id, IpPermissions: wanted.egress.map(toPermission) }),
    );
}

const byRule = (a: Props, b: Props) => JSON.stringify(a).localeCompare(JSON.stringify(b));

async function describe(ctx: StandinContext, region: string, id: string, known: Props): Promise<Props | undefined> {
  const ec2 = ctx.aws.ec2(region);
  const group = await findGroup(ec2, id);
  if (!group) return undefined;
  const tags = fromAwsTags(group.Tags);
  let vpcId = group.VpcId;
  if (!vpcId) {
    const { Vpcs = [] } = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }),
    );
    vpcId = Vpcs[0]?.VpcId;
  }
  return defined({
    region,
    arn: `arn:aws:ec2:${region}:${group.OwnerId}:security-group/${id}`,
    ownerId: group.OwnerId,
    name: group.GroupName,
    description: group.Description,
    vpcId,
    ingress: (group.IpPermissions ?? []).map(fromPermission).sort(byRule),
    egress: (group.IpPermissionsEgress ?? []).map(fromPermission).sort(byRule),
    tags: ownTags(tags, known.tags),
    tagsAll: tags,
  });
}
