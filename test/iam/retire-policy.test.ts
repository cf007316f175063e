import assert from "node:assert/strict";
import { MotoServer, startMoto } from "../../harness/moto";
import { CreateLaunchTemplateCommand } from "@aws-sdk/client-ec2";
import { createImageFromInstance, FIXTURE_BASE_IMAGES, publishPublicParameter } from "../../harness/seed";
import { applyRetirement, planRetirement } from "../../src/imaging";
import { createAwsClients } from "../../src/core/clients";
import { IMAGE_TAGS } from "../../src/core/image-tags";
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

const REGION = "us-east-1";
/** deleteImageAndSnapshots widens its snapshot search with DescribeSnapshots and goes on without it by design. */
const TOLERATED = new Set(["ec2:DescribeSnapshots"]);

/** docs/iam/retire.json: `cws ami retire --plan` and `--apply`, as a user holding exactly the policy (moto, IAM enforced). */
describe("docs/iam/retire.json (cws ami retire), against moto with IAM enforced", function () {
  this.timeout(300_000);
  let moto: MotoServer;
  const policy = readPolicy("retire");

  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  /** Two managed images, plan with --older-than (so every reference check runs), apply. */
  async function retireAs(userPolicy: Policy): Promise<{ failed: boolean; text: string }> {
    await moto.reset();
    const admin = moto.clients();
    for (const name of ["retire-old", "retire-new"]) {
      if (name === "retire-new") await new Promise((resolve) => setTimeout(resolve, 1_050)); // moto dates to the second
      await createImageFromInstance(admin.ec2(REGION), {
        sourceAmiId: FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64,
        name,
        tags: { [IMAGE_TAGS.managed]: "true", [IMAGE_TAGS.template]: "retire-lab" },
      });
    }
    // A launch template and a parameter elsewhere in the account, so every reference check makes its calls.
    await admin.ec2(REGION).send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "other",
        LaunchTemplateData: { ImageId: FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64 },
      }),
    );
    await publishPublicParameter(admin.ssm(REGION), "/lab/images/other", FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64);
    const keys: Keys = await userWithPolicy(moto, userPolicy);
    const denied: string[] = [];
    const inner = createAwsClients({ endpoint: moto.endpoint, credentials: keys, maxAttempts: 1 });
    const clients = {
      ec2: (region: string) => recordErrorBodies(inner.ec2(region), (text) => denied.push(text)),
      ssm: (region: string) => recordErrorBodies(inner.ssm(region), (text) => denied.push(text)),
    };
    await moto.enforceIam(0);
    const texts: string[] = [];
    let failed: boolean;
    try {
      const plan = await planRetirement({ regions: [REGION], keep: 1, olderThanMs: 1 }, clients);
      texts.push(...plan.images.flatMap((image) => image.reasons));
      const report = await applyRetirement(
        { ...plan, images: plan.images.map((i) => ({ ...i, action: "retire" })) },
        clients,
      );
      texts.push(
        ...report.failed.map((f) => f.reason),
        ...report.partial.flatMap((p) => p.failedSnapshots.map((f) => f.reason)),
      );
      failed = report.failed.length > 0 || report.partial.length > 0;
    } catch (error) {
      failed = true;
      texts.push((error as Error).message);
    } finally {
      await moto.enforceIam(Infinity);
    }
    return { failed, text: [...texts, ...denied].join("\n") };
  }

  it("lets a user holding exactly retire.json plan (every reference check) and remove images with their snapshots", async () => {
    const outcome = await retireAs(policy);
    assert.equal(outcome.failed, false, outcome.text);
  });

  for (const action of actionsOf(policy)) {
    if (action === "ec2:DescribeImageAttribute") {
      it(`without ${action}, the plan keeps the image and names the denied call (never retires on a guess)`, async () => {
        const outcome = await retireAs(without(policy, action));
        assert.match(
          outcome.text,
          /last launch time unavailable \(ec2:DescribeImageAttribute lastLaunchedTime: denied to this identity\)/,
        );
        assert.match(outcome.text, naming(action));
      });
      continue;
    }
    it(
      TOLERATED.has(action)
        ? `without ${action}, the cleanup's call is denied naming ${action} (and the cleanup goes on by design)`
        : `without ${action}, retiring fails with an error naming ${action}`,
      async () => {
        const outcome = await retireAs(without(policy, action));
        if (!TOLERATED.has(action)) assert.equal(outcome.failed, true, `${action}: ${outcome.text}`);
        assert.match(outcome.text, naming(action), outcome.text);
      },
    );
  }
});
