import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeImagesCommand,
  RunInstancesCommand,
  type _InstanceType,
} from "@aws-sdk/client-ec2";
import * as pulumi from "@pulumi/pulumi";
import requireFromString from "require-from-string";
import { startMoto, type MotoServer } from "../../harness/moto";
import { TEST_ACCOUNT_ID } from "../../harness/seed";
import { defaultImageCache } from "../../src/core/image-cache";
import type { CustomResourceMethods } from "../../src/provider/adapter";
import { CUSTOM_RESOURCES } from "../../src/provider/provider";

/**
 * Pulumi runtime mocks backed by moto, for component tests.
 *
 * Plain mocks echo their inputs, so an instance registered in the wrong region with another region's AMI "works".
 * Here the EC2 resources are made for real in moto, in the region the resource would go to (its `region` input,
 * else its explicit provider's region, else the default provider's `aws:region` config / AWS_REGION), so moto
 * answers as AWS would: an AMI that is not in that region fails with InvalidAMIID.NotFound, a security group from
 * another region with InvalidGroup.NotFound.
 * - `aws:ec2/instance:Instance`: RunInstances on `up`; DescribeImages of its AMI on preview (ids are unknown then).
 * - `aws:ec2/securityGroup:SecurityGroup`: CreateSecurityGroup + AuthorizeSecurityGroupIngress on `up`.
 * - our custom resources (`cloudworkstation:index:*`): the plugin's own check (and create on `up`) runs against moto,
 *   through the same dispatch table the plugin process uses.
 * - dynamic resources (`pulumi-nodejs:dynamic/cloudworkstation:*`, and the older `pulumi-nodejs:dynamic:*`): the serialized provider is loaded from `__provider` the way
 *   Pulumi's provider host does, and its real `check` (and `create` on `up`) runs against moto.
 * - everything else (IAM, CloudWatch, providers): inputs echoed, as plain mocks do (moto-independent).
 */

export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  provider?: string;
  /** For aws:* resources: the region the resource would be managed in. */
  region?: string;
  /** The id returned (undefined in preview). */
  id?: string;
}

/** moto accepts any ImageId unless told to check; AWS refuses an AMI that is not in the launch region. */
export async function startMotoForComponents(): Promise<MotoServer> {
  const saved = process.env.MOTO_ENABLE_AMI_VALIDATION;
  process.env.MOTO_ENABLE_AMI_VALIDATION = "true";
  try {
    return await startMoto();
  } finally {
    if (saved === undefined) delete process.env.MOTO_ENABLE_AMI_VALIDATION;
    else process.env.MOTO_ENABLE_AMI_VALIDATION = saved;
  }
}

export interface MotoMocksOptions {
  preview: boolean;
  /** Answers for invokes (e.g. aws:ec2/getSubnet:getSubnet); default: echo the inputs. */
  call?: (args: pulumi.runtime.MockCallArgs) => Record<string, unknown>;
}

const PROVIDER_ID_PREFIX = "moto-provider-";

export class MotoBackedMocks implements pulumi.runtime.Mocks {
  readonly registered: Registered[] = [];
  private readonly providerRegions = new Map<string, string | undefined>();
  private securityGroupSequence = 0;

  constructor(
    private readonly moto: MotoServer,
    private readonly options: MotoMocksOptions,
  ) {}

  /**
   * Installs these mocks process-wide (Pulumi's runtime settings are global). Each installation is a fresh run, as
   * each `pulumi preview` is a fresh provider process: the process-wide lookups start empty, so an answer cached by
   * an earlier test ("no such parameter") never outlives the landscape it came from.
   */
  async install(project = "lab", stack = "dev"): Promise<this> {
    defaultImageCache.clear();
    await pulumi.runtime.setMocks(this, project, stack, this.options.preview);
    return this;
  }

  ofType(type: string): Registered[] {
    return this.registered.filter((resource) => resource.type === type);
  }

  /** The resource registered under this type and name; waits for it (a bounded wait, not a timing assertion). */
  async waitFor(type: string, name: string): Promise<Registered> {
    const find = () => this.registered.find((resource) => resource.type === type && resource.name === name);
    for (let attempt = 0; attempt < 500 && !find(); attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
    const found = find();
    if (!found) throw new Error(`${type} ${name} was never registered`);
    return found;
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    return this.options.call ? this.options.call(args) : args.inputs;
  }

  async newResource(args: pulumi.runtime.MockResourceArgs): Promise<pulumi.runtime.MockResourceResult> {
    const inputs = (args.inputs ?? {}) as Record<string, unknown>;
    const record: Registered = { type: args.type, name: args.name, inputs, provider: args.provider };
    this.registered.push(record);
    const preview = this.options.preview;

    const plugin = CUSTOM_RESOURCES.get(args.type);
    if (plugin) return this.pluginResource(plugin, args, inputs);
    if (/^pulumi-nodejs:dynamic[:/]/.test(args.type)) return this.dynamic(inputs);
    if (args.type === "pulumi:providers:aws") {
      const id = `${PROVIDER_ID_PREFIX}${args.name}`;
      this.providerRegions.set(id, typeof inputs.region === "string" ? inputs.region : undefined);
      return { id, state: inputs };
    }
    if (args.type.startsWith("aws:") && !args.type.startsWith("aws:iam/")) record.region = this.regionOf(args);

    if (args.type === "aws:ec2/instance:Instance") {
      const region = record.region as string;
      const ec2 = this.moto.clients().ec2(region);
      const ami = String(inputs.ami);
      try {
        if (preview) {
          await ec2.send(new DescribeImagesCommand({ ImageIds: [ami] }));
          return { id: undefined, state: { ...inputs, region } };
        }
        const tags = Object.entries((inputs.tags ?? {}) as Record<string, string>).map(([Key, Value]) => ({
          Key,
          Value,
        }));
        const { Instances = [] } = await ec2.send(
          new RunInstancesCommand({
            ImageId: ami,
            InstanceType: String(inputs.instanceType) as _InstanceType,
            MinCount: 1,
            MaxCount: 1,
            ...(typeof inputs.subnetId === "string" ? { SubnetId: inputs.subnetId } : {}),
            ...(Array.isArray(inputs.vpcSecurityGroupIds)
              ? { SecurityGroupIds: inputs.vpcSecurityGroupIds as string[] }
              : {}),
            ...(typeof inputs.userData === "string"
              ? { UserData: Buffer.from(inputs.userData).toString("base64") }
              : {}),
            ...(inputs.hibernation === true ? { HibernationOptions: { Configured: true } } : {}),
            ...(tags.length > 0 ? { TagSpecifications: [{ ResourceType: "instance", Tags: tags }] } : {}),
          }),
        );
        const launched = Instances[0];
        const id = launched.InstanceId as string;
        record.id = id;
        return {
          id,
          state: {
            ...inputs,
            region,
            arn: `arn:aws:ec2:${region}:${TEST_ACCOUNT_ID}:instance/${id}`,
            privateIp: launched.PrivateIpAddress ?? "",
            publicIp: launched.PublicIpAddress ?? "",
            availabilityZone: launched.Placement?.AvailabilityZone,
          },
        };
      } catch (error) {
        throw awsFailure(args, region, error);
      }
    }

    if (args.type === "aws:ec2/securityGroup:SecurityGroup") {
      const region = record.region as string;
      if (preview) return { id: undefined, state: { ...inputs, region } };
      const ec2 = this.moto.clients().ec2(region);
      try {
        const { GroupId } = await ec2.send(
          new CreateSecurityGroupCommand({
            // Pulumi autonames groups; a sequence number stands in for its random suffix.
            GroupName: typeof inputs.name === "string" ? inputs.name : `${args.name}-${++this.securityGroupSequence}`,
            Description: String(inputs.description ?? "Managed by Pulumi"),
            ...(typeof inputs.vpcId === "string" ? { VpcId: inputs.vpcId } : {}),
          }),
        );
        const ingress = (inputs.ingress ?? []) as {
          protocol: string;
          fromPort: number;
          toPort: number;
          cidrBlocks?: string[];
          description?: string;
        }[];
        if (ingress.length > 0) {
          await ec2.send(
            new AuthorizeSecurityGroupIngressCommand({
              GroupId,
              IpPermissions: ingress.map((rule) => ({
                IpProtocol: rule.protocol,
                FromPort: rule.fromPort,
                ToPort: rule.toPort,
                IpRanges: (rule.cidrBlocks ?? []).map((CidrIp) => ({ CidrIp, Description: rule.description })),
              })),
            }),
          );
        }
        record.id = GroupId;
        return {
          id: GroupId,
          state: { ...inputs, region, arn: `arn:aws:ec2:${region}:${TEST_ACCOUNT_ID}:security-group/${GroupId}` },
        };
      } catch (error) {
        throw awsFailure(args, region, error);
      }
    }

    const id = preview ? undefined : `${args.name}-id`;
    record.id = id;
    return { id, state: record.region ? { ...inputs, region: record.region } : inputs };
  }

  /** What the engine does for one of our resources: the cloudworkstation plugin's check (and create, on up). */
  private async pluginResource(
    methods: CustomResourceMethods,
    args: pulumi.runtime.MockResourceArgs,
    inputs: Record<string, unknown>,
  ): Promise<pulumi.runtime.MockResourceResult> {
    const urn = `urn:pulumi:dev::lab::${args.type}::${args.name}`;
    const checked = await methods.check(urn, {}, inputs);
    if (checked.failures?.length)
      throw new Error(checked.failures.map((failure) => `${failure.property}: ${failure.reason}`).join("\n"));
    if (this.options.preview) return { id: undefined, state: checked.inputs ?? {} };
    const created = await methods.create(urn, checked.inputs);
    return { id: created.id, state: created.outs ?? {} };
  }

  /** What the engine does for a dynamic resource: load its serialized provider and run check (and create). */
  private async dynamic(inputs: Record<string, unknown>): Promise<pulumi.runtime.MockResourceResult> {
    const { __provider, ...rest } = inputs;
    const provider = requireFromString(String(__provider)).handler() as pulumi.dynamic.ResourceProvider;
    const checked: pulumi.dynamic.CheckResult = provider.check ? await provider.check({}, rest) : { inputs: rest };
    if (checked.failures?.length)
      throw new Error(checked.failures.map((failure) => `${failure.property}: ${failure.reason}`).join("\n"));
    if (this.options.preview) return { id: undefined, state: checked.inputs ?? {} };
    const created = await provider.create(checked.inputs);
    return { id: created.id, state: created.outs };
  }

  /** Where the AWS provider would manage this resource: `region` input > its provider's region > default provider. */
  private regionOf(args: pulumi.runtime.MockResourceArgs): string {
    const input = (args.inputs as Record<string, unknown>)?.region;
    if (typeof input === "string" && input.length > 0) return input;
    if (args.provider) {
      const id = args.provider.slice(args.provider.lastIndexOf("::") + 2);
      const region = this.providerRegions.get(id);
      if (region) return region;
    }
    const region =
      new pulumi.Config("aws").get("region") ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? undefined;
    if (!region)
      throw new Error(`${args.type} ${args.name}: the aws provider has no region (as on AWS: missing region)`);
    return region;
  }
}

function awsFailure(args: pulumi.runtime.MockResourceArgs, region: string, error: unknown): Error {
  const named = error as { name?: string; Code?: string; message?: string };
  return new Error(`${args.type} ${args.name} in ${region}: ${named.Code ?? named.name}: ${named.message}`);
}

export async function valueOf<T>(output: pulumi.Output<T>): Promise<T | undefined> {
  const internal = output as unknown as { isKnown: Promise<boolean>; promise(): Promise<T> };
  return (await internal.isKnown) ? internal.promise() : undefined;
}

export function withEnv(values: Record<string, string | undefined>): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(values)) {
    saved[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
