import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RunInstancesCommand } from "@aws-sdk/client-ec2";
import { MotoServer, startMoto } from "../../harness/moto";
import { FIXTURE_BASE_IMAGES, publishBaseParameters } from "../../harness/seed";
import { deleteImageAndSnapshots } from "../../src/imaging";
import { createAwsClients, type AwsClients } from "../../src/core/clients";
import { resolveAmi } from "../../src/resolver/engine";
import { ImageCache } from "../../src/core/image-cache";
import { listTemplates, loadTemplate } from "../../src/templates";
import { CWS_MAIN, requireBuilt } from "../package/built";
import {
  actionsOf,
  type Keys,
  naming,
  type Policy,
  readPolicy,
  recordErrorBodies,
  userWithPolicy,
  without,
} from "./support";

/** Clients with a user's keys; every AccessDenied they meet is recorded, even one the code tolerates by design. */
function recordingClients(moto: MotoServer, keys: Keys, denied: string[]): AwsClients {
  const clients = createAwsClients({ endpoint: moto.endpoint, credentials: keys, maxAttempts: 1 });
  const record = <C extends object>(client: C): C => recordErrorBodies(client, (text) => denied.push(text));
  return { ec2: (region) => record(clients.ec2(region)), ssm: (region) => record(clients.ssm(region)) };
}

function cws(moto: MotoServer, keys: Keys, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CWS_MAIN, ...args], {
      env: {
        ...process.env,
        ...moto.env(),
        AWS_ACCESS_KEY_ID: keys.accessKeyId,
        AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
      },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += String(chunk)));
    child.stderr.on("data", (chunk) => (err += String(chunk)));
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

/** What the outcome of an operation says: its thrown error, its output, and the errors its AWS calls met. */
interface Outcome {
  failed: boolean;
  text: string;
}

async function withEnforcedIam<T>(moto: MotoServer, run: () => Promise<T>): Promise<T> {
  await moto.enforceIam(0);
  try {
    return await run();
  } finally {
    await moto.enforceIam(Infinity);
  }
}

/**
 * The published least-privilege policies (docs/iam/*.json) against moto with IAM enforced: a user holding exactly a
 * policy can do what the policy is for, and a user holding it minus any one action cannot, with an error that names
 * that action. moto evaluates actions against Resource "*" only, so resource scoping is not tested here.
 */
describe("the published IAM policies (docs/iam), against moto with IAM enforced", function () {
  this.timeout(300_000);
  let moto: MotoServer;
  before(async () => {
    requireBuilt();
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  it("are valid policy documents that allow actions only, and launch.json includes everything preview.json allows", () => {
    for (const name of ["preview", "launch", "save"]) {
      const policy = readPolicy(name);
      assert.equal(policy.Version, "2012-10-17", `${name}.json Version`);
      for (const statement of policy.Statement) {
        assert.equal(statement.Effect, "Allow", `${name}.json ${statement.Sid}`);
        for (const action of ([] as string[]).concat(statement.Action)) assert.match(action, /^[a-z0-9]+:[A-Za-z]+$/);
      }
    }
    const launch = new Set(actionsOf(readPolicy("launch")));
    for (const action of actionsOf(readPolicy("preview"))) assert.ok(launch.has(action), `launch.json lacks ${action}`);
  });

  describe("preview.json (resolution: pulumi preview, cws ami resolve/test/list/info)", () => {
    const REGION = "us-east-1";
    const policy = readPolicy("preview");

    before(async () => {
      await moto.reset();
      await publishBaseParameters(moto.clients().ssm(REGION));
    });

    /** Resolves every shipped template, then runs the read-only cws commands, as a user holding `userPolicy`. */
    async function resolveEverything(userPolicy: Policy): Promise<Outcome> {
      const keys = await userWithPolicy(moto, userPolicy);
      const denied: string[] = [];
      return withEnforcedIam(moto, async () => {
        const clients = recordingClients(moto, keys, denied);
        const texts: string[] = [];
        let failed = false;
        for (const { name } of listTemplates()) {
          try {
            const result = await resolveAmi(loadTemplate(name).template, { region: REGION }, clients, {
              cache: new ImageCache(),
            });
            const errors = result.fallbackChain.filter((step) => step.outcome === "error");
            // "No AMI here" (method failed, no error step) is the landscape's answer, not a permission problem. Before
            // AWS errors stop resolution, a denial shows as an "error" step of the chain: that is a failure too.
            if (errors.length) failed = true;
            texts.push(JSON.stringify(result.fallbackChain));
          } catch (error) {
            failed = true;
            texts.push(`${(error as Error).message} ${JSON.stringify(error)}`);
          }
        }
        for (const args of [
          ["ami", "resolve", "python-ml", "--region", REGION, "--json"],
          ["ami", "test", "ubuntu-24.04-base", "--regions", REGION],
          ["ami", "list", "--template", "ubuntu-24.04-base", "--region", REGION],
          ["ami", "info", FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64, "--region", REGION],
          ["costs", "python-ml", "--region", REGION],
          ["template", "show", "python-ml"],
        ]) {
          const run = await cws(moto, keys, args);
          if (run.code !== 0) failed = true;
          texts.push(`cws ${args.join(" ")}: exit ${run.code}\n${run.out}\n${run.err}`);
        }
        return { failed, text: [...texts, ...denied].join("\n") };
      });
    }

    it("lets a user holding exactly preview.json resolve every shipped template and run the read-only cws commands", async () => {
      const outcome = await resolveEverything(policy);
      assert.equal(outcome.failed, false, outcome.text);
    });

    it("the permissions the README used to name (ec2:DescribeImages, ssm:GetParameter) make every SSM tier fail", async () => {
      const documented: Policy = {
        Version: "2012-10-17",
        Statement: [{ Sid: "Old", Effect: "Allow", Action: ["ec2:DescribeImages", "ssm:GetParameter"], Resource: "*" }],
      };
      const outcome = await resolveEverything(documented);
      assert.equal(outcome.failed, true);
      assert.match(outcome.text, naming("ssm:GetParameters"));
    });

    for (const action of actionsOf(policy)) {
      it(`without ${action}, resolution fails with an error naming ${action}`, async () => {
        const outcome = await resolveEverything(without(policy, action));
        assert.equal(outcome.failed, true, `nothing failed without ${action}`);
        assert.match(outcome.text, naming(action));
      });
    }
  });

  describe("save.json (cws save, cws ami copy, cws ami share, SavedTemplate, MultiRegionAmi)", () => {
    const REGION = "us-east-1";
    const policy = readPolicy("save");
    // deleteImageAndSnapshots widens its snapshot search with DescribeSnapshots and goes on without it by design
    // (the image's block device mappings are the primary source): its denial is recorded, not thrown.
    const TOLERATED = new Set(["ec2:DescribeSnapshots"]);
    let savedCount = 0;

    before(async () => {
      await moto.reset();
    });

    /** cws save (capture, copy, share), cws ami copy, cws ami share, then a destroy's cleanup, as a user holding `userPolicy`. */
    async function saveCopyShareDelete(userPolicy: Policy): Promise<Outcome> {
      const { Instances = [] } = await moto
        .clients()
        .ec2(REGION)
        .send(
          new RunInstancesCommand({
            ImageId: FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64,
            InstanceType: "t3.micro",
            MinCount: 1,
            MaxCount: 1,
          }),
        );
      const instanceId = Instances[0].InstanceId!;
      const keys = await userWithPolicy(moto, userPolicy);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-iam-"));
      const templateName = `iam-${++savedCount}`;
      const denied: string[] = [];
      try {
        return await withEnforcedIam(moto, async () => {
          const texts: string[] = [];
          const step = async (args: string[]) => {
            const run = await cws(moto, keys, args);
            texts.push(`cws ${args.join(" ")}: exit ${run.code}\n${run.out}\n${run.err}`);
            return run;
          };
          const saved = await step([
            "save",
            instanceId,
            templateName,
            "--region",
            REGION,
            "--yes",
            "--templates-dir",
            dir,
            "--copy-to-regions",
            "us-west-2",
            "--share-accounts",
            "111122223333",
          ]);
          if (saved.code !== 0) return { failed: true, text: texts.join("\n") };
          // The saved template maps the new image in the instance's region.
          const written = fs.readFileSync(path.join(dir, `${templateName}.yml`), "utf8");
          const amiId = new RegExp(`${REGION}:\\s*(?:x86_64:\\s*)?(ami-[0-9a-f]+)`).exec(written)?.[1];
          assert.ok(amiId, `no ${REGION} image in the saved template:\n${written}`);
          const copied = await step(["ami", "copy", amiId, "--source-region", REGION, "--to-regions", "eu-west-1"]);
          const shared = await step(["ami", "share", amiId, "--region", REGION, "--accounts", "444455556666"]);
          let failed = copied.code !== 0 || shared.code !== 0;
          try {
            const clients = recordingClients(moto, keys, denied);
            const result = await deleteImageAndSnapshots(clients.ec2(REGION), amiId);
            texts.push(JSON.stringify(result));
            if (!result.deregistered || result.failedSnapshots.length) failed = true;
          } catch (error) {
            failed = true;
            texts.push(String((error as Error).message));
          }
          return { failed, text: [...texts, ...denied].join("\n") };
        });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }

    it("lets a user holding exactly save.json save, copy, share and delete images", async () => {
      const outcome = await saveCopyShareDelete(policy);
      assert.equal(outcome.failed, false, outcome.text);
    });

    // ProtectKeptImages is sent by the SavedTemplate/RegionalAmiCopy resources only, and moto lacks both calls:
    // test/dynamic/deregistration-protection.test.ts checks them with aws-sdk-client-mock.
    const protection = new Set(actionsOf(policy, "ProtectKeptImages"));
    for (const action of actionsOf(policy).filter((name) => !protection.has(name))) {
      const tolerated = TOLERATED.has(action);
      it(
        tolerated
          ? `without ${action}, the cleanup's call is denied naming ${action} (and the cleanup goes on by design)`
          : `without ${action}, saving, copying, sharing or deleting fails with an error naming ${action}`,
        async () => {
          const outcome = await saveCopyShareDelete(without(policy, action));
          if (!tolerated) assert.equal(outcome.failed, true, `nothing failed without ${action}`);
          assert.match(outcome.text, naming(action));
        },
      );
    }
  });
});
