import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AMI_RESOLUTION_TYPE } from "../../src/dynamic/ami-resolution";
import { ResearchWorkstation } from "../../src/components/research-workstation";
import { CUSTOM_RESOURCES } from "../../src/provider/provider";
import { MotoServer, startMoto } from "../../harness/moto";
import { publishBaseParameters, seedDemoLandscape } from "../../harness/seed";
import { requireBuilt } from "../package/built";
import { actionsOf, naming, type Policy, readPolicy, userWithPolicy, without } from "./support";

const ROOT = path.resolve(__dirname, "..", "..");
const actions = actionsOf;

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
          // Our resources run in the cloudworkstation plugin: through its own dispatch table, as the plugin would.
          const plugin = CUSTOM_RESOURCES.get(args.type);
          if (plugin) {
            const urn = `urn:pulumi:dev::lab::${args.type}::${args.name}`;
            const checked = await plugin.check(urn, {}, args.inputs as Record<string, unknown>);
            if (checked.failures?.length) throw new Error(JSON.stringify(checked.failures));
            const created = await plugin.create(urn, checked.inputs);
            return { id: created.id, state: created.outs ?? {} };
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
      dataVolumeGb: 100,
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
    for (const token of [
      "aws:ec2/instance:Instance",
      "aws:ec2/securityGroup:SecurityGroup",
      "aws:iam/role:Role",
      "aws:ebs/volume:Volume",
      "aws:ec2/volumeAttachment:VolumeAttachment",
    ]) {
      assert.ok(awsTokens.includes(token), `${token} not among: ${awsTokens.join(", ")}`);
    }
    for (const token of awsTokens)
      assert.ok(sids.has(sidFor(token)), `launch.json has no ${sidFor(token)} for ${token}`);
  });

  it("allows what the AmiResolution dynamic resource calls: preview.json's actions, and the consented copy's", () => {
    assert.ok(tokens.has(AMI_RESOLUTION_TYPE), [...tokens].join(", "));
    const launch = readPolicy("launch");
    assert.deepEqual(actions(launch, "ResolveAmis").sort(), actions(readPolicy("preview")).sort());
    const copy = actions(launch, "CopyAmisWithConsent");
    for (const action of ["ec2:CopyImage", "ec2:CreateTags", "ec2:DeregisterImage", "ec2:DeleteSnapshot"]) {
      assert.ok(copy.includes(action), `CopyAmisWithConsent lacks ${action}`);
    }
  });

  it("lets the workstation's role be passed to EC2 only", () => {
    const pass = readPolicy("launch").Statement.find((s) => ([] as string[]).concat(s.Action).includes("iam:PassRole"));
    const condition = pass?.Condition as { StringEquals?: Record<string, string> } | undefined;
    assert.equal(condition?.StringEquals?.["iam:PassedToService"], "ec2.amazonaws.com");
  });
});

/**
 * The part of launch.json that runs our own code: the AmiResolution dynamic resource (resolution, and the cross-region
 * copy a template consents to, made at create and removed at delete), run from dist/ in a child process with an IAM
 * user's keys against moto with IAM enforced.
 */
describe("launch.json's AmiResolution statements, against moto with IAM enforced", function () {
  this.timeout(300_000);
  const PROVIDER = path.join(ROOT, "dist", "src", "dynamic", "ami-resolution.js");
  const TEMPLATES = path.join(ROOT, "examples", "preview-demo", "templates");
  const SIDS = ["ResolveAmis", "CopyAmisWithConsent"];
  const SUPPORT = path.join(__dirname, "support.ts");
  let moto: MotoServer;

  before(async () => {
    requireBuilt();
    moto = await startMoto();
    await seedDemoLandscape(moto.clients(), ["us-east-1", "us-east-2"]);
  });
  after(async () => {
    await moto?.stop();
  });

  /** check → create (copies the lab's image from us-east-1 to us-east-2) → delete (removes the copy). */
  async function resolveCopyDelete(policy: Policy): Promise<{ ok: boolean; text: string }> {
    const keys = await userWithPolicy(moto, policy);
    await moto.enforceIam(0);
    try {
      const script = `
        require(${JSON.stringify(SUPPORT)}).recordEveryClientsErrorBodies((text) => console.error(text));
        const { amiResolutionProvider: p } = require(${JSON.stringify(PROVIDER)});
        (async () => {
          const checked = await p.check({}, { template: "lab-python-ml", templatesDirs: [${JSON.stringify(TEMPLATES)}],
            region: "us-east-2", allowCrossRegionCopy: true });
          if (checked.failures && checked.failures.length) throw new Error(JSON.stringify(checked.failures));
          const created = await p.create(checked.inputs);
          // Until AWS errors stop resolution, a denied call shows as a "⚠" (error) step of the chain: a failure too.
          const errors = created.outs.fallbackChain.filter((step) => step.startsWith("⚠"));
          if (errors.length) throw new Error(errors.join("\\n"));
          if (!created.outs.copyMadeByUs) throw new Error("no copy was made: " + JSON.stringify(created.outs));
          await p.delete(created.id, created.outs);
          console.log("done " + created.outs.amiId);
        })().catch((e) => { console.error(e && e.stack || e); process.exit(1); });`;
      const run = await new Promise<{ code: number | null; text: string }>((resolve) => {
        const child = spawn(process.execPath, ["--require", "tsx/cjs", "-e", script], {
          env: {
            ...process.env,
            ...moto.env(),
            AWS_ACCESS_KEY_ID: keys.accessKeyId,
            AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
          },
        });
        let text = "";
        child.stdout.on("data", (chunk) => (text += String(chunk)));
        child.stderr.on("data", (chunk) => (text += String(chunk)));
        child.on("close", (code) => resolve({ code, text }));
      });
      return { ok: run.code === 0, text: run.text };
    } finally {
      await moto.enforceIam(Infinity);
    }
  }

  it("a user holding exactly launch.json resolves, copies with consent, and removes the copy", async () => {
    const outcome = await resolveCopyDelete(readPolicy("launch"));
    assert.ok(outcome.ok, outcome.text);
    assert.match(outcome.text, /^done ami-/m);
  });

  for (const action of [...new Set(SIDS.flatMap((sid) => actions(readPolicy("launch"), sid)))]) {
    it(`without ${action}, the AmiResolution resource fails with an error naming ${action}`, async () => {
      const outcome = await resolveCopyDelete(without(readPolicy("launch"), action));
      assert.equal(outcome.ok, false, `nothing failed without ${action}:\n${outcome.text}`);
      assert.match(outcome.text, naming(action));
    });
  }
});
