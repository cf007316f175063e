import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import requireFromString from "require-from-string";
import { ResearchWorkstation } from "../../src/components/research-workstation";
import { MotoServer, startMoto } from "../../harness/moto";
import { publishBaseParameters } from "../../harness/seed";

type Policy = { Statement: { Sid: string; Action: string | string[] }[] };
const ROOT = path.resolve(__dirname, "..", "..");
const readPolicy = (name: string): Policy =>
  JSON.parse(fs.readFileSync(path.join(ROOT, "docs", "iam", `${name}.json`), "utf8"));
const actions = (policy: Policy, sid?: string): string[] =>
  policy.Statement.filter((s) => sid === undefined || s.Sid === sid).flatMap((s) => ([] as string[]).concat(s.Action));

/** "aws:ec2/securityGroup:SecurityGroup" → "AwsEc2SecurityGroup", "aws:ec2/getSubnet:getSubnet" → "AwsEc2GetSubnet". */
function sidFor(token: string): string {
  const [, module, member] = /^aws:([a-z0-9]+)\/[A-Za-z0-9]+:([A-Za-z0-9]+)$/.exec(token) ?? [];
  assert.ok(module && member, `unexpected AWS token ${token}`);
  const upper = (s: string) => s[0].toUpperCase() + s.slice(1);
  return `Aws${upper(module)}${upper(member)}`;
}

/**
 * launch.json's AWS-provider statements cannot be exercised here (the AWS provider plugin is unavailable; its calls
 * are listed from its documentation). What is checked: every aws.* resource and invoke that ResearchWorkstation uses
 * (seen under Pulumi runtime mocks, the AmiResolution provider running against moto) has its statement, so adding a
 * resource to the component without updating the published policy fails here.
 */
describe("launch.json covers every AWS resource and invoke a ResearchWorkstation uses (Pulumi runtime mocks, moto)", () => {
  let moto: MotoServer;
  const tokens = new Set<string>();
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    moto = await startMoto();
    await publishBaseParameters(moto.clients().ssm("us-east-1"));
    for (const [key, value] of Object.entries(moto.env())) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
    await pulumi.runtime.setMocks(
      {
        newResource: async (args) => {
          tokens.add(args.type);
          if (args.type === "pulumi-nodejs:dynamic:AmiResolution") {
            const { __provider, ...inputs } = args.inputs as Record<string, unknown>;
            const provider = requireFromString(String(__provider)).handler() as pulumi.dynamic.ResourceProvider;
            const checked = await provider.check!({}, inputs);
            const created = await provider.create!(checked.inputs);
            return { id: created.id, state: created.outs };
          }
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => {
          tokens.add(args.token);
          return args.token === "aws:ec2/getSubnet:getSubnet" ? { ...args.inputs, vpcId: "vpc-0lab" } : args.inputs;
        },
      },
      "lab",
      "dev",
      false,
    );
    const workstation = new ResearchWorkstation("alice", {
      template: "ubuntu-24.04-base",
      region: "us-east-1",
      size: "M",
      allowedCidrs: ["203.0.113.0/24"],
      owner: "alice",
    });
    await new Promise<void>((resolve) => workstation.instanceId.apply(() => resolve()));
  });
  after(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await moto?.stop();
  });

  it("has a statement (Sid Aws<Module><Type>) for each aws.* resource and invoke the component registered", () => {
    const policy = readPolicy("launch");
    const sids = new Set(policy.Statement.map((s) => s.Sid));
    const awsTokens = [...tokens].filter((token) => token.startsWith("aws:"));
    for (const token of ["aws:ec2/instance:Instance", "aws:ec2/securityGroup:SecurityGroup", "aws:iam/role:Role"]) {
      assert.ok(awsTokens.includes(token), `${token} not among: ${awsTokens.join(", ")}`);
    }
    for (const token of awsTokens)
      assert.ok(sids.has(sidFor(token)), `launch.json has no ${sidFor(token)} for ${token}`);
  });

  it("allows what the AmiResolution dynamic resource calls: preview.json's actions, and the consented copy's", () => {
    assert.ok(tokens.has("pulumi-nodejs:dynamic:AmiResolution"));
    const launch = readPolicy("launch");
    assert.deepEqual(actions(launch, "ResolveAmis").sort(), actions(readPolicy("preview")).sort());
    const copy = actions(launch, "CopyAmisWithConsent");
    for (const action of ["ec2:CopyImage", "ec2:CreateTags", "ec2:DeregisterImage", "ec2:DeleteSnapshot"]) {
      assert.ok(copy.includes(action), `CopyAmisWithConsent lacks ${action}`);
    }
  });

  it("lets the workstation's role be passed to EC2 only", () => {
    const pass = readPolicy("launch").Statement.find((s) => actions({ Statement: [s] }).includes("iam:PassRole")) as
      { Condition?: Record<string, Record<string, string>> } | undefined;
    assert.equal(pass?.Condition?.StringEquals?.["iam:PassedToService"], "ec2.amazonaws.com");
  });
});
