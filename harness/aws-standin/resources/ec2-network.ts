import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteRouteCommand,
  DeleteRouteTableCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  type EC2Client,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
  ReplaceRouteTableAssociationCommand,
  type Subnet,
} from "@aws-sdk/client-ec2";
import { allTags, defined, fromAwsTags, orMissing, regionOf, toAwsTags, type Tags } from "../context";
import type { Props, StandinContext, StandinFunction, StandinResource } from "../resource";
import { ownTags, syncTags } from "./ec2-common";

/** The lab network of examples/existing-stack: VPC, subnet, internet gateway, route table and its association. */

const REGION_RULE = "@pulumi/aws v7: every regional resource is replaced when its region changes";
const tagSpec = (type: "vpc" | "subnet" | "internet-gateway" | "route-table", tags: Tags) =>
  Object.keys(tags).length ? { TagSpecifications: [{ ResourceType: type, Tags: toAwsTags(tags) }] } : {};

export const ec2Vpc: StandinResource = {
  token: "aws:ec2/vpc:Vpc",
  regional: true,
  inputs: { region: true, cidrBlock: true, enableDnsHostnames: true, enableDnsSupport: true, tags: true },
  outputs: {
    region: true,
    arn: true,
    ownerId: true,
    cidrBlock: true,
    enableDnsHostnames: true,
    enableDnsSupport: true,
    defaultSecurityGroupId: true,
    mainRouteTableId: true,
    defaultRouteTableId: true,
    instanceTenancy: true,
    tags: true,
    tagsAll: true,
  },
  replaceOnChange: { region: REGION_RULE, cidrBlock: "Terraform AWS provider, aws_vpc: cidr_block is ForceNew" },
  async create(ctx, inputs) {
    const region = regionOf(inputs, ctx.config);
    const ec2 = ctx.aws.ec2(region);
    const { Vpc } = await ec2.send(
      new CreateVpcCommand({ CidrBlock: inputs.cidrBlock, ...tagSpec("vpc", allTags(ctx.config, inputs.tags)) }),
    );
    const id = Vpc?.VpcId as string;
    await setDnsAttributes(ec2, id, inputs, ["enableDnsSupport", "enableDnsHostnames"]);
    return { id, outs: (await describeVpc(ctx, region, id, inputs)) as Props };
  },
  read: (ctx, id, props) => describeVpc(ctx, regionOf(props, ctx.config), id, props),
  async update(ctx, id, olds, news, changed) {
    const region = regionOf(news, ctx.config);
    const ec2 = ctx.aws.ec2(region);
    await setDnsAttributes(ec2, id, news, changed);
    if (changed.includes("tags")) await syncTags(ec2, id, olds.tagsAll, allTags(ctx.config, news.tags));
    return (await describeVpc(ctx, region, id, news)) as Props;
  },
  async delete(ctx, id, props) {
    await ctx.aws.ec2(regionOf(props, ctx.config)).send(new DeleteVpcCommand({ VpcId: id }));
  },
};

async function setDnsAttributes(ec2: EC2Client, id: string, inputs: Props, which: string[]): Promise<void> {
  if (which.includes("enableDnsSupport") && inputs.enableDnsSupport !== undefined)
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: id, EnableDnsSupport: { Value: inputs.enableDnsSupport } }));
  if (which.includes("enableDnsHostnames") && inputs.enableDnsHostnames !== undefined)
    await ec2.send(
      new ModifyVpcAttributeCommand({ VpcId: id, EnableDnsHostnames: { Value: inputs.enableDnsHostnames } }),
    );
}

async function describeVpc(ctx: StandinContext, region: string, id: string, known: Props) {
  const ec2 = ctx.aws.ec2(region);
  const vpc = await orMissing(async () => (await ec2.send(new DescribeVpcsCommand({ VpcIds: [id] }))).Vpcs?.[0]);
  if (!vpc) return undefined;
  const attribute = async (Attribute: "enableDnsSupport" | "enableDnsHostnames") => {
    const answer = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: id, Attribute }));
    return (Attribute === "enableDnsSupport" ? answer.EnableDnsSupport : answer.EnableDnsHostnames)?.Value ?? false;
  };
  const { RouteTables = [] } = await ec2.send(
    new DescribeRouteTablesCommand({
      Filters: [
        { Name: "vpc-id", Values: [id] },
        { Name: "association.main", Values: ["true"] },
      ],
    }),
  );
  const tags = fromAwsTags(vpc.Tags);
  const { SecurityGroups = [] } = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: "vpc-id", Values: [id] },
        { Name: "group-name", Values: ["default"] },
      ],
    }),
  );
  return defined({
    region,
    arn: `arn:aws:ec2:${region}:${vpc.OwnerId}:vpc/${id}`,
    ownerId: vpc.OwnerId,
    cidrBlock: vpc.CidrBlock,
    enableDnsHostnames: await attribute("enableDnsHostnames"),
    enableDnsSupport: await attribute("enableDnsSupport"),
    defaultSecurityGroupId: SecurityGroups[0]?.GroupId,
    mainRouteTableId: RouteTables[0]?.RouteTableId,
    defaultRouteTableId: RouteTables[0]?.RouteTableId,
    instanceTenancy: vpc.InstanceTenancy,
    tags: ownTags(tags, known.tags),
    tagsAll: tags,
  });
}

const SUBNET_OUTPUTS = {
  region: true,
  arn: true,
  ownerId: true,
  vpcId: true,
  cidrBlock: true,
  availabilityZone: true,
  availabilityZoneId: true,
  mapPublicIpOnLaunch: true,
  tags: true,
} as const;

function subnetState(region: string, subnet: Subnet, known: Props): Props {
  const tags = fromAwsTags(subnet.Tags);
  return defined({
    region,
    arn: subnet.SubnetArn ?? `arn:aws:ec2:${region}:${subnet.OwnerId}:subnet/${subnet.SubnetId}`,
    ownerId: subnet.OwnerId,
    vpcId: subnet.VpcId,
    cidrBlock: subnet.CidrBlock,
    availabilityZone: subnet.AvailabilityZone,
    availabilityZoneId: subnet.AvailabilityZoneId,
    mapPublicIpOnLaunch: subnet.MapPublicIpOnLaunch ?? false,
    tags: known.tags === undefined ? undefined : ownTags(tags, known.tags),
    tagsAll: tags,
  });
}

async function findSubnet(ec2: EC2Client, id: string): Promise<Subnet | undefined> {
  return orMissing(async () => (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [id] }))).Subnets?.[0]);
}

export const ec2Subnet: StandinResource = {
  token: "aws:ec2/subnet:Subnet",
  regional: true,
  inputs: { region: true, vpcId: true, cidrBlock: true, availabilityZone: true, mapPublicIpOnLaunch: true, tags: true },
  outputs: { ...SUBNET_OUTPUTS, tagsAll: true },
  replaceOnChange: {
    region: REGION_RULE,
    vpcId: "Terraform AWS provider, aws_subnet: vpc_id is ForceNew",
    cidrBlock: "Terraform AWS provider, aws_subnet: cidr_block is ForceNew",
    availabilityZone: "Terraform AWS provider, aws_subnet: availability_zone is ForceNew",
  },
  async create(ctx, inputs) {
    const region = regionOf(inputs, ctx.config);
    const ec2 = ctx.aws.ec2(region);
    const { Subnet: made } = await ec2.send(
      new CreateSubnetCommand({
        VpcId: inputs.vpcId,
        CidrBlock: inputs.cidrBlock,
        AvailabilityZone: inputs.availabilityZone,
        ...tagSpec("subnet", allTags(ctx.config, inputs.tags)),
      }),
    );
    const id = made?.SubnetId as string;
    if (inputs.mapPublicIpOnLaunch !== undefined)
      await ec2.send(
        new ModifySubnetAttributeCommand({ SubnetId: id, MapPublicIpOnLaunch: { Value: inputs.mapPublicIpOnLaunch } }),
      );
    return { id, outs: subnetState(region, (await findSubnet(ec2, id)) as Subnet, inputs) };
  },
  async read(ctx, id, props) {
    const region = regionOf(props, ctx.config);
    const subnet = await findSubnet(ctx.aws.ec2(region), id);
    return subnet && subnetState(region, subnet, props);
  },
  async update(ctx, id, olds, news, changed) {
    const region = regionOf(news, ctx.config);
    const ec2 = ctx.aws.ec2(region);
    if (changed.includes("mapPublicIpOnLaunch"))
      await ec2.send(
        new ModifySubnetAttributeCommand({ SubnetId: id, MapPublicIpOnLaunch: { Value: news.mapPublicIpOnLaunch } }),
      );
    if (changed.includes("tags")) await syncTags(ec2, id, olds.tagsAll, allTags(ctx.config, news.tags));
    return subnetState(region, (await findSubnet(ec2, id)) as Subnet, news);
  },
  async delete(ctx, id, props) {
    await ctx.aws.ec2(regionOf(props, ctx.config)).send(new DeleteSubnetCommand({ SubnetId: id }));
  },
};

/** aws.ec2.getSubnet by id: what the component asks for a given subnet (its VPC and zone). */
export const getSubnet: StandinFunction = {
  token: "aws:ec2/getSubnet:getSubnet",
  inputs: { id: true, region: true },
  outputs: { ...SUBNET_OUTPUTS, id: true },
  async invoke(ctx, inputs) {
    const region = regionOf(inputs, ctx.config);
    const subnet = await findSubnet(ctx.aws.ec2(region), inputs.id);
    if (!subnet) throw new Error(`no matching EC2 Subnet found: ${inputs.id} (${region})`);
    const { tagsAll, ...state } = subnetState(region, subnet, {});
    return { ...state, id: subnet.SubnetId, tags: tagsAll };
  },
};

export const ec2InternetGateway: StandinResource = {
  token: "aws:ec2/internetGateway:InternetGateway",
  regional: true,
  inputs: { region: true, vpcId: true, tags: true },
  outputs: { region: true, arn: true, ownerId: true, vpcId: true, tags: true, tagsAll: true },
  replaceOnChange: { region: REGION_RULE },
  async create(ctx, inputs) {
    const region = regionOf(inputs, ctx.config);
    const ec2 = ctx.aws.ec2(region);
    const { InternetGateway } = await ec2.send(
      new CreateInternetGatewayCommand(tagSpec("internet-gateway", allTags(ctx.config, inputs.tags))),
    );
    const id = InternetGateway?.InternetGatewayId as string;
    if (inputs.vpcId) await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: id, VpcId: inputs.vpcId }));
    return { id, outs: (await describeGateway(ctx, region, id, inputs)) as Props };
  },
  read: (ctx, id, props) => describeGateway(ctx, regionOf(props, ctx.config), id, props),
  async update(ctx, id, olds, news, changed) {
    const region = regionOf(news, ctx.config);
    const ec2 = ctx.aws.ec2(region);
    if (changed.includes("vpcId")) {
      // Terraform moves the gateway: detach from the old VPC, attach to the new one.
      if (olds.vpcId) await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: id, VpcId: olds.vpcId }));
      if (news.vpcId) await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: id, VpcId: news.vpcId }));
    }
    if (changed.includes("tags")) await syncTags(ec2, id, olds.tagsAll, allTags(ctx.config, news.tags));
    return (await describeGateway(ctx, region, id, news)) as Props;
  },
  async delete(ctx, id, props) {
    const ec2 = ctx.aws.ec2(regionOf(props, ctx.config));
    if (props.vpcId) await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: id, VpcId: props.vpcId }));
    await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: id }));
  },
};

async function describeGateway(ctx: StandinContext, region: string, id: string, known: Props) {
  const gateway = await orMissing(
    async () =>
      (await ctx.aws.ec2(region).send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [id] })))
        .InternetGateways?.[0],
  );
  if (!gateway) return undefined;
  const tags = fromAwsTags(gateway.Tags);
  return defined({
    region,
    arn: `arn:aws:ec2:${region}:${gateway.OwnerId}:internet-gateway/${id}`,
    ownerId: gateway.OwnerId,
    vpcId: gateway.Attachments?.[0]?.VpcId,
    tags: ownTags(tags, known.tags),
    tagsAll: tags,
  });
}

const ROUTE = { type: "ec2.RouteTableRoute", properties: { cidrBlock: true, gatewayId: true } } as const;

export const ec2RouteTable: StandinResource = {
  token: "aws:ec2/routeTable:RouteTable",
  regional: true,
  inputs: { region: true, vpcId: true, routes: ROUTE, tags: true },
  outputs: { region: true, arn: true, ownerId: true, vpcId: true, routes: ROUTE, tags: true, tagsAll: true },
  replaceOnChange: {
    region: REGION_RULE,
    vpcId: "Terraform AWS provider, aws_route_table: vpc_id is ForceNew",
  },
  sets: ["routes"],
  async create(ctx, inputs) {
    const region = regionOf(inputs, ctx.config);
    const ec2 = ctx.aws.ec2(region);
    const { RouteTable } = await ec2.send(
      new CreateRouteTableCommand({ VpcId: inputs.vpcId, ...tagSpec("route-table", allTags(ctx.config, inputs.tags)) }),
    );
    const id = RouteTable?.RouteTableId as string;
    for (const route of inputs.routes ?? [])
      await ec2.send(
        new CreateRouteCommand({ RouteTableId: id, DestinationCidrBlock: route.cidrBlock, GatewayId: route.gatewayId }),
      );
    return { id, outs: (await describeRouteTable(ctx, region, id, inputs)) as Props };
  },
  read: (ctx, id, props) => describeRouteTable(ctx, regionOf(props, ctx.config), id, props),
  async update(ctx, id, olds, news, changed) {
    const region = regionOf(news, ctx.config);
    const ec2 = ctx.aws.ec2(region);
    if (changed.includes("routes")) {
      for (const route of olds.routes ?? [])
        await ec2.send(new DeleteRouteCommand({ RouteTableId: id, DestinationCidrBlock: route.cidrBlock }));
      for (const route of news.routes ?? [])
        await ec2.send(
          new CreateRouteCommand({
            RouteTableId: id,
            DestinationCidrBlock: route.cidrBlock,
            GatewayId: route.gatewayId,
          }),
        );
    }
    if (changed.includes("tags")) await syncTags(ec2, id, olds.tagsAll, allTags(ctx.config, news.tags));
    return (await describeRouteTable(ctx, region, id, news)) as Props;
  },
  async delete(ctx, id, props) {
    await ctx.aws.ec2(regionOf(props, ctx.config)).send(new DeleteRouteTableCommand({ RouteTableId: id }));
  },
};

async function describeRouteTable(ctx: StandinContext, region: string, id: string, known: Props) {
  const table = await orMissing(
    async () =>
      (await ctx.aws.ec2(region).send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }))).RouteTables?.[0],
  );
  if (!table) return undefined;
  const tags = fromAwsTags(table.Tags);
  return defined({
    region,
    arn: `arn:aws:ec2:${region}:${table.OwnerId}:route-table/${id}`,
    ownerId: table.OwnerId,
    vpcId: table.VpcId,
    // The VPC's local route is implicit in Terraform's view: only routes through a gateway are listed.
    routes: (table.Routes ?? [])
      .filter((route) => route.GatewayId && route.GatewayId !== "local")
      .map((route) => ({ cidrBlock: route.DestinationCidrBlock, gatewayId: route.GatewayId })),
    tags: ownTags(tags, known.tags),
    tagsAll: tags,
  });
}

export const ec2RouteTableAssociation: StandinResource = {
  token: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  regional: true,
  inputs: { region: true, subnetId: true, routeTableId: true },
  outputs: { region: true, subnetId: true, routeTableId: true },
  replaceOnChange: {
    region: REGION_RULE,
    subnetId: "Terraform AWS provider, aws_route_table_association: subnet_id is ForceNew",
  },
  async create(ctx, inputs) {
    const region = regionOf(inputs, ctx.config);
    const { AssociationId } = await ctx.aws
      .ec2(region)
      .send(new AssociateRouteTableCommand({ SubnetId: inputs.subnetId, RouteTableId: inputs.routeTableId }));
    return {
      id: AssociationId as string,
      outs: (await describeAssociation(ctx, region, AssociationId as string)) as Props,
    };
  },
  read: (ctx, id, props) => describeAssociation(ctx, regionOf(props, ctx.config), id),
  async update(ctx, id, _olds, news) {
    const region = regionOf(news, ctx.config);
    const { NewAssociationId } = await ctx.aws
      .ec2(region)
      .send(new ReplaceRouteTableAssociationCommand({ AssociationId: id, RouteTableId: news.routeTableId }));
    return (await describeAssociation(ctx, region, NewAssociationId ?? id)) as Props;
  },
  async delete(ctx, id, props) {
    await ctx.aws.ec2(regionOf(props, ctx.config)).send(new DisassociateRouteTableCommand({ AssociationId: id }));
  },
};

async function describeAssociation(ctx: StandinContext, region: string, id: string) {
  const { RouteTables = [] } = await ctx.aws
    .ec2(region)
    .send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: "association.route-table-association-id", Values: [id] }] }),
    );
  const association = RouteTables.flatMap((table) => table.Associations ?? []).find(
    (candidate) => candidate.RouteTableAssociationId === id,
  );
  if (!association) return undefined;
  return defined({ region, subnetId: association.SubnetId, routeTableId: association.RouteTableId });
}
