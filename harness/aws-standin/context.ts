import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

/**
 * What every stand-in resource needs: the provider configuration the engine sent (region, endpoints, default tags),
 * SDK clients that can only reach a loopback endpoint, and the account id for ARNs.
 */

/** The services the stand-in calls; their names are the keys of the aws provider's `endpoints` config. */
export type StandinService = "ec2" | "iam" | "cloudwatch" | "sts";

/** The aws provider configuration the stand-in honours (the rest of ProviderArgs is refused in checkConfig). */
export interface StandinConfig {
  region?: string;
  /** Per-service endpoint URLs (`endpoints: [{ ec2: "http://127.0.0.1:…" }]`). */
  endpoints: Partial<Record<StandinService, string>>;
  /** `defaultTags.tags`: merged under each resource's own tags into `tagsAll`, as the real provider does. */
  defaultTags: Record<string, string>;
}

export const EMPTY_CONFIG: StandinConfig = { endpoints: {}, defaultTags: {} };

const LOOPBACK_HOSTS = new Set(["localhost", "::1", "[::1]"]);

/** True for http(s) URLs whose host is 127.0.0.0/8, ::1 or localhost: the only places the stand-in may call. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  const host = url.hostname.toLowerCase();
  return LOOPBACK_HOSTS.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * The endpoint for `service`: the provider's `endpoints` config, else AWS_ENDPOINT_URL_<SERVICE>, else
 * AWS_ENDPOINT_URL (the SDK's own variables). Anything that is not loopback is refused: the stand-in exists to
 * drive moto, and must never create resources in a real account by accident.
 */
export function standinEndpoint(
  service: StandinService,
  config: StandinConfig,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const endpoint =
    config.endpoints[service] || env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] || env.AWS_ENDPOINT_URL || "";
  if (!endpoint)
    throw new Error(
      `the AWS provider stand-in (harness/aws-standin) has no endpoint for ${service}: set AWS_ENDPOINT_URL to a ` +
        "loopback emulator such as moto (http://127.0.0.1:<port>); it never calls AWS itself",
    );
  if (!isLoopbackEndpoint(endpoint))
    throw new Error(
      `the AWS provider stand-in (harness/aws-standin) refuses the ${service} endpoint ${endpoint}: only loopback ` +
        "endpoints (127.0.0.0/8, ::1, localhost) are allowed — it is a test double for moto, never for a real account",
    );
  return endpoint;
}

export interface AwsSdkClients {
  ec2(region: string): EC2Client;
  iam(): IAMClient;
  cloudwatch(region: string): CloudWatchClient;
  accountId(): Promise<string>;
}

/** Clients per service and region, made on first use; each checks its endpoint is loopback before it exists. */
export function standinClients(config: StandinConfig): AwsSdkClients {
  const cache = new Map<string, unknown>();
  const common = { maxAttempts: 2 };
  const once = <T>(key: string, make: () => T): T => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as T;
  };
  let account: Promise<string> | undefined;
  return {
    ec2: (region) =>
      once(`ec2/${region}`, () => new EC2Client({ ...common, region, endpoint: standinEndpoint("ec2", config) })),
    // IAM is global: AWS signs it for us-east-1.
    iam: () =>
      once("iam", () => new IAMClient({ ...common, region: "us-east-1", endpoint: standinEndpoint("iam", config) })),
    cloudwatch: (region) =>
      once(
        `cloudwatch/${region}`,
        () => new CloudWatchClient({ ...common, region, endpoint: standinEndpoint("cloudwatch", config) }),
      ),
    accountId: () =>
      (account ??= new STSClient({ ...common, region: "us-east-1", endpoint: standinEndpoint("sts", config) })
        .send(new GetCallerIdentityCommand({}))
        .then((identity) => identity.Account as string)),
  };
}

/** Pulumi's marker for a value not known until apply (preview), as it arrives in a provider's inputs. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when `value` is unknown or holds an unknown anywhere inside. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

export type Tags = Record<string, string>;

export const toAwsTags = (tags: Tags | undefined) => Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }));

export const fromAwsTags = (tags: { Key?: string; Value?: string }[] | undefined): Tags =>
  Object.fromEntries((tags ?? []).filter((tag) => tag.Key).map((tag) => [tag.Key as string, tag.Value ?? ""]));

/** `tagsAll`: the provider's default tags, overridden by the resource's own (the real provider's rule). */
export const allTags = (config: StandinConfig, tags: Tags | undefined): Tags => ({ ...config.defaultTags, ...tags });

/** The region a regional resource lives in: its own `region` input (v7), else the provider's. */
export function regionOf(inputs: { region?: string }, config: StandinConfig): string {
  const region = inputs.region ?? config.region;
  if (!region)
    throw new Error(
      "no region: set `aws:region` in the stack config, a region on the aws.Provider, or the resource's `region`",
    );
  return region;
}

/** Removes undefined fields (protobuf's Struct rejects them) and returns the object. */
export function defined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}

/** Runs a read; AWS's "not found" errors (`InvalidInstanceID.NotFound`, IAM's `NoSuchEntity`) mean it is gone. */
export async function orMissing<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (/NotFound$|^NoSuchEntity/.test((error as { name?: string }).name ?? "")) return undefined;
    throw error;
  }
}
