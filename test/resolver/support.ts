import type { EC2Client } from "@aws-sdk/client-ec2";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { AwsClients } from "../../src/resolver/types";
import { templateSchema, type Template, type TemplateInput } from "../../src/templates/schema";

/** Counts SDK commands sent through the clients (once per `send`, retries not counted), by "Ec2:DescribeImages"-style key. */
export interface CallCounter {
  clients: AwsClients;
  counts: Map<string, number>;
  count(command: string): number;
  total(service: "EC2" | "SSM"): number;
  reset(): void;
}

let counterSerial = 0;

export function countCalls(inner: AwsClients): CallCounter {
  const middlewareName = `cwsTestCallCounter${++counterSerial}`;
  const counts = new Map<string, number>();
  const instrumented = new WeakSet<object>();
  const instrument = <C extends EC2Client | SSMClient>(client: C, service: string): C => {
    if (!instrumented.has(client)) {
      instrumented.add(client);
      (client as EC2Client).middlewareStack.add(
        (next, context) => async (args) => {
          const key = `${service}:${String(context.commandName).replace(/Command$/, "")}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
          return next(args);
        },
        { step: "initialize", name: middlewareName },
      );
    }
    return client;
  };
  return {
    clients: { ec2: (region) => instrument(inner.ec2(region), "EC2"), ssm: (region) => instrument(inner.ssm(region), "SSM") },
    counts,
    count: (command) => counts.get(command) ?? 0,
    total: (service) => [...counts].filter(([key]) => key.startsWith(`${service}:`)).reduce((sum, [, n]) => sum + n, 0),
    reset: () => counts.clear(),
  };
}

/** A validated template from an inline object (defaults applied), so tests do not depend on the shipped templates. */
export function template(input: Partial<TemplateInput> & { ami_config?: TemplateInput["ami_config"] }): Template {
  return templateSchema.parse({ name: "test-workstation", base: "ubuntu-24.04", ...input });
}

export const CANONICAL = "099720109477";
export const SQUATTER = "210987654321";
export const AMAZON = "137112412989";
export const DLAMI = "898082745236";
export const MARKETPLACE_SELLER = "679593333241";
export const RSTUDIO_PRODUCT_CODE = "4xsv6kuy9rz3wrj0k7s8wfjxa";
export const NOBLE_AMD64_PATTERN = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*";
export const UBUNTU_2404_AMD64_PARAMETER = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id";
