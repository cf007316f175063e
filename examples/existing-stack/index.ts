/**
 * An existing Pulumi program (a lab's own VPC and subnet, an explicit aws.Provider) that adds one research
 * workstation with CloudWorkstation's ResearchWorkstation component.
 * In your own repository: `npm install cloudworkstation @pulumi/pulumi @pulumi/aws`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ResearchWorkstation } from "cloudworkstation";

const config = new pulumi.Config();
const region = config.get("region") ?? "eu-west-1";
const labCidr = config.get("labCidr") ?? "203.0.113.0/24";

// The stack's own provider: every AWS resource below, the workstation's included, goes through it.
const provider = new aws.Provider("lab-eu", {
  region: region as aws.Region,
  defaultTags: { tags: { team: "smith-lab" } },
});

const vpc = new aws.ec2.Vpc(
  "lab-vpc",
  { cidrBlock: "10.42.0.0/16", enableDnsHostnames: true, enableDnsSupport: true },
  { provider },
);
const gateway = new aws.ec2.InternetGateway("lab-igw", { vpcId: vpc.id }, { provider });
const subnet = new aws.ec2.Subnet(
  "lab-public-a",
  { vpcId: vpc.id, cidrBlock: "10.42.1.0/24", availabilityZone: `${region}a`, mapPublicIpOnLaunch: true },
  { provider },
);
const routes = new aws.ec2.RouteTable(
  "lab-public",
  { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: gateway.id }] },
  { provider },
);
new aws.ec2.RouteTableAssociation("lab-public-a", { subnetId: subnet.id, routeTableId: routes.id }, { provider });

// The region comes from the provider (a `region` argument naming another region is refused); the AMI is resolved
// at preview time in it, and the instance, security group and idle alarm are created in it.
const workstation = new ResearchWorkstation(
  "rstudio-1",
  {
    template: "rstudio-server",
    size: "L",
    subnetId: subnet.id,
    vpcId: vpc.id,
    allowedCidrs: [labCidr],
    owner: "dana@example.org",
    project: "smith-lab",
    rootVolumeGb: 200,
  },
  { provider },
);

export const amiId = workstation.amiId;
export const resolutionMethod = workstation.resolutionMethod;
export const fallbackChain = workstation.fallbackChain;
export const launchMode = workstation.launchMode;
/** Estimate, not a measurement. */
export const estimatedCostPerHour = workstation.estimatedCostPerHour;
export const costLabel = workstation.costLabel;
export const connection = workstation.connection;
