import { randomBytes } from "node:crypto";
import type * as provider from "@pulumi/pulumi/provider";
import { EMPTY_CONFIG, standinClients, type StandinConfig, type StandinService } from "./context";
import {
  changedProperties,
  undeclaredPaths,
  type Props,
  type StandinContext,
  type StandinFunction,
  type StandinResource,
} from "./resource";
import { cloudwatchMetricAlarm } from "./resources/cloudwatch";
import { ebsVolume, ec2VolumeAttachment } from "./resources/ebs";
import { ec2Instance } from "./resources/ec2-instance";
import {
  ec2InternetGateway,
  ec2RouteTable,
  ec2RouteTableAssociation,
  ec2Subnet,
  ec2Vpc,
  getSubnet,
} from "./resources/ec2-network";
import { ec2SecurityGroup } from "./resources/ec2-security-group";
import { iamInstanceProfile, iamRole, iamRolePolicy, iamRolePolicyAttachment } from "./resources/iam";

/**
 * The AWS provider stand-in: a Pulumi resource provider named `aws` that serves the `aws:*` resources and functions
 * CloudWorkstation and its examples use, against moto. One dispatch table; each resource's logic in its own module.
 */

/** Every served resource, by type token. */
export const STANDIN_RESOURCES: readonly StandinResource[] = [
  ec2Instance,
  ec2SecurityGroup,
  ec2Vpc,
  ec2Subnet,
  ec2InternetGateway,
  ec2RouteTable,
  ec2RouteTableAssociation,
  ec2VolumeAttachment,
  ebsVolume,
  iamRole,
  iamRolePolicy,
  iamRolePolicyAttachment,
  iamInstanceProfile,
  cloudwatchMetricAlarm,
];

/** Every served function (data source), by token. */
export const STANDIN_FUNCTIONS: readonly StandinFunction[] = [getSubnet];

/**
 * The aws provider configuration keys the stand-in acts on (ProviderArgs names). Anything else in `aws:*` config or
 * on an aws.Provider is refused at configure time rather than ignored. `skip*` only govern calls to real AWS that
 * the stand-in never makes, so they are accepted as the no-ops they are here.
 */
export const STANDIN_CONFIG_KEYS = [
  "region",
  "endpoints",
  "defaultTags",
  "accessKey",
  "secretKey",
  "skipCredentialsValidation",
  "skipMetadataApiCheck",
  "skipRegionValidation",
  "skipRequestingAccountId",
] as const;

const SERVICES: readonly StandinService[] = ["ec2", "iam", "cloudwatch", "sts"];

/** Config values arrive as strings (stack config) or JSON text (objects on an explicit provider). */
const parsed = (value: unknown): unknown => {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
};

/** The provider configuration from Configure's `args` (ProviderArgs names), refusing keys the stand-in cannot honour. */
export function parseStandinConfig(args: Record<string, unknown>): StandinConfig {
  const ignoredByEngine = new Set(["version", "pluginDownloadURL"]);
  const unserved = Object.keys(args).filter(
    (key) => !ignoredByEngine.has(key) && !(STANDIN_CONFIG_KEYS as readonly string[]).includes(key),
  );
  if (unserved.length)
    throw new Error(
      `the AWS provider stand-in (harness/aws-standin) does not serve the provider setting(s) ${unserved.join(", ")}: ` +
        `it honours ${STANDIN_CONFIG_KEYS.join(", ")}; remove the setting or add it to the stand-in`,
    );
  const endpoints: StandinConfig["endpoints"] = {};
  const endpointList = parsed(args.endpoints);
  for (const entry of Array.isArray(endpointList) ? endpointList : endpointList ? [endpointList] : []) {
    for (const [service, url] of Object.entries(entry as Record<string, unknown>)) {
      if (!(SERVICES as readonly string[]).includes(service))
        throw new Error(
          `the AWS provider stand-in does not call ${service} (endpoints.${service}); it calls ${SERVICES.join(", ")}`,
        );
      if (typeof url === "string" && url) endpoints[service as StandinService] = url;
    }
  }
  const defaultTags = parsed(args.defaultTags) as { tags?: Record<string, string> } | undefined;
  if (typeof args.accessKey === "string") process.env.AWS_ACCESS_KEY_ID = args.accessKey;
  if (typeof args.secretKey === "string") process.env.AWS_SECRET_ACCESS_KEY = args.secretKey;
  return {
    region: typeof args.region === "string" && args.region ? args.region : undefined,
    endpoints,
    defaultTags: defaultTags?.tags ?? {},
  };
}

const typeOf = (urn: string) => urn.split("::")[2]?.split("$").pop() ?? "";
const nameOf = (urn: string) => urn.split("::")[3] ?? "";

/** The stand-in: a `Provider` for `@pulumi/pulumi/provider`'s `main`, plus `configure` for Configure's arguments. */
export class AwsStandin implements provider.Provider {
  readonly version: string;
  private context: StandinContext;
  private readonly resources = new Map(STANDIN_RESOURCES.map((resource) => [resource.token, resource]));
  private readonly functions = new Map(STANDIN_FUNCTIONS.map((fn) => [fn.token, fn]));

  constructor(version: string, config: StandinConfig = EMPTY_CONFIG) {
    this.version = version;
    this.context = { config, aws: standinClients(config) };
  }

  /** Applies the provider configuration (called with Configure's `args`). */
  configure(args: Record<string, unknown>): void {
    const config = parseStandinConfig(args);
    this.context = { config, aws: standinClients(config) };
  }

  get config(): StandinConfig {
    return this.context.config;
  }

  private resource(urn: string): StandinResource {
    const token = typeOf(urn);
    const resource = this.resources.get(token);
    if (!resource)
      throw new Error(
        `the AWS provider stand-in (harness/aws-standin) does not serve ${token}: it serves ` +
          `${[...this.resources.keys()].join(", ")}. Add a module under harness/aws-standin/resources/ for it.`,
      );
    return resource;
  }

  async check(urn: string, olds: Props, news: Props): Promise<provider.CheckResult> {
    const resource = this.resource(urn);
    const failures = undeclaredPaths(news, resource.inputs).map((property) => ({
      property,
      reason: `the AWS provider stand-in does not serve ${resource.token} property ${property}; it would be ignored`,
    }));
    const inputs: Props = { ...news };
    if (resource.regional && inputs.region === undefined && this.config.region) inputs.region = this.config.region;
    // Pulumi auto-naming: keep the name chosen before, else the resource name and a random suffix.
    if (resource.autoName && inputs[resource.autoName] === undefined)
      inputs[resource.autoName] =
        olds[resource.autoName] ?? `${nameOf(urn)}-${randomBytes(4).toString("hex").slice(0, 7)}`;
    return { inputs, failures };
  }

  async diff(_id: string, urn: string, olds: Props, news: Props): Promise<provider.DiffResult> {
    const resource = this.resource(urn);
    const changed = changedProperties(resource, olds, news);
    const replaces = [
      ...changed.filter((key) => key in resource.replaceOnChange),
      ...this.nestedReplaces(resource, olds, news, changed),
      ...(resource.conditionalReplaces?.(olds, news, changed) ?? []),
    ];
    return { changes: changed.length > 0, replaces: [...new Set(replaces)] };
  }

  /** `rootBlockDevice.encrypted`-style rules: a replace when that nested property changed. */
  private nestedReplaces(resource: StandinResource, olds: Props, news: Props, changed: string[]): string[] {
    return Object.keys(resource.replaceOnChange)
      .filter((rule) => rule.includes("."))
      .filter((rule) => {
        const [top, nested] = rule.split(".");
        return (
          changed.includes(top) && news[top]?.[nested] !== undefined && news[top]?.[nested] !== olds[top]?.[nested]
        );
      })
      .map((rule) => rule.split(".")[0]);
  }

  async create(urn: string, inputs: Props): Promise<provider.CreateResult> {
    const resource = this.resource(urn);
    const { id, outs } = await resource.create(this.context, inputs);
    return { id, outs: this.declaredOutputs(resource, outs) };
  }

  async read(id: string, urn: string, props: Props): Promise<provider.ReadResult> {
    const resource = this.resource(urn);
    const live = await resource.read(this.context, id, props ?? {});
    // An empty id tells the engine the resource is gone (refresh drops it).
    return live ? { id, props: this.declaredOutputs(resource, live) } : { id: "", props: {} };
  }

  async update(id: string, urn: string, olds: Props, news: Props): Promise<provider.UpdateResult> {
    const resource = this.resource(urn);
    const changed = changedProperties(resource, olds, news);
    return { outs: this.declaredOutputs(resource, await resource.update(this.context, id, olds, news, changed)) };
  }

  async delete(id: string, urn: string, props: Props): Promise<void> {
    await this.resource(urn).delete(this.context, id, props);
  }

  async invoke(token: string, inputs: Props): Promise<provider.InvokeResult> {
    const fn = this.functions.get(token);
    if (!fn)
      throw new Error(
        `the AWS provider stand-in does not serve the function ${token}: it serves ${[...this.functions.keys()].join(", ")}`,
      );
    const unserved = undeclaredPaths(inputs, fn.inputs);
    if (unserved.length)
      return {
        failures: unserved.map((property) => ({
          property,
          reason: `the stand-in does not serve ${token} ${property}`,
        })),
      };
    const outputs = await fn.invoke(this.context, inputs);
    const stray = undeclaredPaths(outputs, fn.outputs);
    if (stray.length) throw new Error(`stand-in bug: ${token} returned undeclared ${stray.join(", ")}`);
    return { outputs };
  }

  /** Guards the shapes test: a property returned but not declared is a bug in the stand-in, not a silent extra. */
  private declaredOutputs(resource: StandinResource, outs: Props): Props {
    const stray = undeclaredPaths(outs, resource.outputs);
    if (stray.length) throw new Error(`stand-in bug: ${resource.token} returned undeclared ${stray.join(", ")}`);
    return outs;
  }
}
