import { EC2Client } from "@aws-sdk/client-ec2";
import { SSMClient } from "@aws-sdk/client-ssm";

/** Per-region AWS clients. The engine never constructs clients itself, so tests and the CLI choose endpoints. */
export interface AwsClients {
  ec2(region: string): EC2Client;
  ssm(region: string): SSMClient;
}

export interface AwsClientOptions {
  /** e.g. an emulator on loopback; defaults to AWS_ENDPOINT_URL, then to AWS itself. */
  endpoint?: string;
  /** The SDK's own credential chain (AWS_PROFILE, environment, instance role) is used when omitted. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Bounded attempts for the SDK's adaptive retry (which also rate-limits itself on throttling). */
  maxAttempts?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 5;

/** One EC2 and one SSM client per region, created on first use and reused (they hold connection pools). */
export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const endpoint = options.endpoint ?? (process.env.AWS_ENDPOINT_URL || undefined);
  const common = {
    endpoint,
    credentials: options.credentials,
    retryMode: "adaptive",
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
  };
  const ec2 = new Map<string, EC2Client>();
  const ssm = new Map<string, SSMClient>();
  return {
    ec2(region) {
      let client = ec2.get(region);
      if (!client) ec2.set(region, (client = new EC2Client({ ...common, region })));
      return client;
    },
    ssm(region) {
      let client = ssm.get(region);
      if (!client) ssm.set(region, (client = new SSMClient({ ...common, region })));
      return client;
    },
  };
}
