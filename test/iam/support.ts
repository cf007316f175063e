import * as fs from "node:fs";
import * as path from "node:path";
import { Readable } from "node:stream";
import { EC2Client } from "@aws-sdk/client-ec2";
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { type MotoServer, TEST_CREDENTIALS } from "../../harness/moto";

export type Policy = {
  Version: string;
  Statement: { Sid: string; Effect: string; Action: string | string[]; Resource?: string; Condition?: unknown }[];
};
export type Keys = { accessKeyId: string; secretAccessKey: string };

const ROOT = path.resolve(__dirname, "..", "..");

export const readPolicy = (name: string): Policy =>
  JSON.parse(fs.readFileSync(path.join(ROOT, "docs", "iam", `${name}.json`), "utf8"));

/** The actions a policy allows, optionally only those of one statement (by Sid). */
export const actionsOf = (policy: Policy, sid?: string): string[] => [
  ...new Set(
    policy.Statement.filter((s) => sid === undefined || s.Sid === sid).flatMap((s) =>
      ([] as string[]).concat(s.Action),
    ),
  ),
];

/** The policy minus one action (statements left empty are dropped). */
export const without = (policy: Policy, action: string): Policy => ({
  ...policy,
  Statement: policy.Statement.map((statement) => ({
    ...statement,
    Action: ([] as string[]).concat(statement.Action).filter((a) => a !== action),
  })).filter((statement) => statement.Action.length > 0),
});

/** "ec2:DescribeImages" → matches "ec2:DescribeImages" or the bare operation "DescribeImages" (AwsCallError). */
export const naming = (action: string): RegExp =>
  new RegExp(`(^|[^A-Za-z])(${action.split(":")[0]}:)?${action.split(":")[1]}\\b`);

let userCount = 0;
/** A new IAM user holding exactly `policy` (inline), and its access key. Call while IAM is not enforced. */
export async function userWithPolicy(moto: MotoServer, policy: Policy): Promise<Keys> {
  const iam = new IAMClient({ endpoint: moto.endpoint, region: "us-east-1", credentials: TEST_CREDENTIALS });
  const UserName = `cws-policy-test-${++userCount}`;
  await iam.send(new CreateUserCommand({ UserName }));
  await iam.send(new PutUserPolicyCommand({ UserName, PolicyName: "cws", PolicyDocument: JSON.stringify(policy) }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName }));
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
}

type Stack = { add: (middleware: unknown, options: unknown) => void };
type RawResponse = { response: { statusCode: number; body: AsyncIterable<Buffer> } };
const recorded = new WeakSet<object>();

/**
 * Keeps the raw body of every error response a client gets (innermost, below the deserializer). moto answers a
 * denied JSON-protocol call (SSM) with an XML body the SDK cannot parse, so the SDK's own error loses the action.
 */
export function recordErrorBodies<C extends object>(client: C, sink: (text: string) => void): C {
  if (recorded.has(client)) return client;
  recorded.add(client);
  ((client as unknown as { middlewareStack: Stack }).middlewareStack as Stack).add(
    (next: (args: unknown) => Promise<RawResponse>) => async (args: unknown) => {
      const out = await next(args);
      if (out.response.statusCode >= 400) {
        const chunks: Buffer[] = [];
        for await (const chunk of out.response.body) chunks.push(Buffer.from(chunk));
        const body = Buffer.concat(chunks);
        sink(`HTTP ${out.response.statusCode}: ${body.toString("utf8")}`);
        out.response.body = Readable.from([body]);
      }
      return out;
    },
    { step: "deserialize", priority: "low", name: "recordErrorBodies" },
  );
  return client;
}

/** Records error bodies of every AWS SDK client of this process (for a child process that runs our code as is). */
export function recordEveryClientsErrorBodies(sink: (text: string) => void): void {
  // Every service client extends the same SDK base class: patch its send once.
  const base = Object.getPrototypeOf(EC2Client.prototype) as { send: (...args: unknown[]) => unknown };
  const send = base.send;
  base.send = function (this: object, ...args: unknown[]) {
    recordErrorBodies(this, sink);
    return send.apply(this, args);
  };
}
