import type { EC2Client } from "@aws-sdk/client-ec2";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { AwsClients } from "../src/core/clients";

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
    clients: {
      ec2: (region) => instrument(inner.ec2(region), "EC2"),
      ssm: (region) => instrument(inner.ssm(region), "SSM"),
    },
    counts,
    count: (command) => counts.get(command) ?? 0,
    total: (service) => [...counts].filter(([key]) => key.startsWith(`${service}:`)).reduce((sum, [, n]) => sum + n, 0),
    reset: () => counts.clear(),
  };
}
