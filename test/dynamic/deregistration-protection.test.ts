import assert from "node:assert/strict";
import {
  DeregisterImageCommand,
  DescribeImagesCommand,
  DisableImageDeregistrationProtectionCommand,
  EC2Client,
  EnableImageDeregistrationProtectionCommand,
  type DescribeImagesCommandOutput,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import {
  checkRegionalAmiCopyInputs,
  diffRegionalAmiCopy,
  regionalAmiCopyProvider,
  type RegionalAmiCopyOutputs,
} from "../../src/dynamic/regional-ami-copy";
import {
  checkSavedTemplateInputs,
  diffSavedTemplate,
  savedTemplateProvider,
  type SavedTemplateOutputs,
} from "../../src/dynamic/saved-template";
import { planRetirement } from "../../src/imaging";
import { MotoServer, startMoto } from "../../harness/moto";
import { actionsOf, readPolicy } from "../iam/support";
import { ownImages, runInstance } from "../imaging/helpers";

/**
 * Deregistration protection of the images SavedTemplate and RegionalAmiCopy keep. moto lacks the two calls: they are
 * answered by aws-sdk-client-mock, every other EC2 call goes through to moto, and each call is recorded in order.
 */

const REGION = "us-east-1";
const PROTECTION_CALLS = ["EnableImageDeregistrationProtectionCommand", "DisableImageDeregistrationProtectionCommand"];

describe("deregistration protection of kept images", () => {
  let moto: MotoServer;
  const savedEnv: Record<string, string | undefined> = {};
  /** Calls in order, as "Command ami-…" (protection calls and DeregisterImage). */
  let calls: string[];
  /** Images the mock has protected, as AWS would report them in DescribeImages. */
  let protectedImages: Set<string>;
  let failEnable: Error | undefined;
  let restore: () => void;

  before(async () => {
    moto = await startMoto();
    for (const [key, value] of Object.entries(moto.env())) {
      savedEnv[key] = process.env[key];
      process.env[key] = value;
    }
  });
  after(async () => {
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    calls = [];
    protectedImages = new Set();
    failEnable = undefined;
    const passThrough = EC2Client.prototype.send;
    const ec2Mock = mockClient(EC2Client);
    // The stub replaces send on every EC2Client: answer the protection calls, pass the rest to moto.
    ec2Mock.send.callsFake(async function (this: EC2Client, command: { constructor: { name: string }; input: never }) {
      const name = command.constructor.name;
      const imageId = (command.input as { ImageId?: string }).ImageId;
      if (name === "EnableImageDeregistrationProtectionCommand") {
        calls.push(`${name} ${imageId}`);
        if (failEnable) throw failEnable;
        protectedImages.add(String(imageId));
        return {};
      }
      if (name === "DisableImageDeregistrationProtectionCommand") {
        calls.push(`${name} ${imageId}`);
        protectedImages.delete(String(imageId));
        return {};
      }
      if (command instanceof DeregisterImageCommand) {
        calls.push(`DeregisterImageCommand ${imageId}`);
        if (protectedImages.has(String(imageId)))
          throw Object.assign(new Error("protected"), { name: "InvalidParameterValue" });
      }
      const output = await (passThrough as (c: unknown) => Promise<unknown>).call(this, command);
      if (command instanceof DescribeImagesCommand) {
        for (const image of (output as DescribeImagesCommandOutput).Images ?? [])
          if (protectedImages.has(String(image.ImageId))) image.DeregistrationProtection = "enabled";
      }
      return output;
    } as never);
    restore = () => ec2Mock.restore();
  });
  afterEach(() => restore());

  async function saveImage(extra: Record<string, unknown> = {}) {
    const instanceId = await runInstance(moto.clients().ec2(REGION));
    const { inputs } = await savedTemplateProvider.check!(
      {} as never,
      { instanceId, region: REGION, templateName: "lab", mode: "no-reboot", ...extra } as never,
    );
    const { id, outs } = await savedTemplateProvider.create!(inputs!);
    return { id, outs: outs as SavedTemplateOutputs };
  }

  it("SavedTemplate turns protection on after the capture and off just before a delete that removes the image (aws-sdk-client-mock over moto)", async () => {
    const { id, outs } = await saveImage({ retainOnDelete: false });
    assert.deepEqual(calls, [`EnableImageDeregistrationProtectionCommand ${id}`]);
    await savedTemplateProvider.delete!(id, outs);
    assert.deepEqual(calls, [
      `EnableImageDeregistrationProtectionCommand ${id}`,
      `DisableImageDeregistrationProtectionCommand ${id}`,
      `DeregisterImageCommand ${id}`,
    ]);
    assert.ok(!(await ownImages(moto.clients().ec2(REGION))).some((image) => image.ImageId === id));
  });

  it("SavedTemplate keeps the image protected on a retaining delete, and skips the calls with deregistrationProtection: false (aws-sdk-client-mock over moto)", async () => {
    const kept = await saveImage();
    await savedTemplateProvider.delete!(kept.id, kept.outs);
    assert.deepEqual(calls, [`EnableImageDeregistrationProtectionCommand ${kept.id}`]);
    assert.ok(protectedImages.has(kept.id));

    calls = [];
    const plain = await saveImage({ deregistrationProtection: false, retainOnDelete: false });
    await savedTemplateProvider.delete!(plain.id, plain.outs);
    assert.deepEqual(calls, [`DeregisterImageCommand ${plain.id}`]);
  });

  it("SavedTemplate turns protection on or off in an update when the option changes (aws-sdk-client-mock over moto)", async () => {
    const { id, outs } = await saveImage();
    calls = [];
    await savedTemplateProvider.update!(id, outs, { ...outs, deregistrationProtection: false });
    await savedTemplateProvider.update!(id, { ...outs, deregistrationProtection: false }, outs);
    assert.deepEqual(calls, [
      `DisableImageDeregistrationProtectionCommand ${id}`,
      `EnableImageDeregistrationProtectionCommand ${id}`,
    ]);
  });

  it("SavedTemplate removes the new image when protection cannot be turned on, and says which step failed (aws-sdk-client-mock over moto)", async () => {
    failEnable = Object.assign(new Error("You are not authorized to perform this operation."), {
      name: "UnauthorizedOperation",
    });
    const before = (await ownImages(moto.clients().ec2(REGION))).length;
    const instanceId = await runInstance(moto.clients().ec2(REGION));
    const { inputs } = await savedTemplateProvider.check!(
      {} as never,
      { instanceId, region: REGION, templateName: "lab", mode: "no-reboot" } as never,
    );
    const error = (await savedTemplateProvider.create!(inputs!).catch((e: unknown) => e)) as Error;
    assert.match(error.message, /EnableImageDeregistrationProtection/);
    assert.match(error.message, /deregistered ami-/);
    assert.equal((await ownImages(moto.clients().ec2(REGION))).length, before, "no image left behind");
  });

  it("RegionalAmiCopy protects the copy it makes (not the source it only shares) and unprotects it before removing it (aws-sdk-client-mock over moto)", async () => {
    const saved = await saveImage({ deregistrationProtection: false });
    calls = [];
    const copyInputs = (region: string) =>
      regionalAmiCopyProvider.check!(
        {} as never,
        { sourceAmiId: saved.id, sourceRegion: REGION, region, retainOnDelete: false } as never,
      );
    const copy = await regionalAmiCopyProvider.create!((await copyInputs("eu-west-1")).inputs!);
    const copied = copy.outs as RegionalAmiCopyOutputs;
    const same = await regionalAmiCopyProvider.create!((await copyInputs(REGION)).inputs!);
    assert.deepEqual(calls, [`EnableImageDeregistrationProtectionCommand ${copied.amiId}`]);
    await regionalAmiCopyProvider.delete!(copy.id, copied);
    await regionalAmiCopyProvider.delete!(same.id, same.outs as RegionalAmiCopyOutputs);
    assert.deepEqual(calls, [
      `EnableImageDeregistrationProtectionCommand ${copied.amiId}`,
      `DisableImageDeregistrationProtectionCommand ${copied.amiId}`,
      `DeregisterImageCommand ${copied.amiId}`,
    ]);
  });

  it("cws ami retire's plan keeps an image SavedTemplate protected, saying deregistration protection is on (aws-sdk-client-mock over moto)", async () => {
    const unprotected = await saveImage({ deregistrationProtection: false });
    const protectedOne = await saveImage();
    // keep: 0, so the order of two images made within the same second does not matter.
    const plan = await planRetirement({ regions: [REGION], keep: 0 }, moto.clients());
    const reasons = Object.fromEntries(plan.images.map((i) => [i.amiId, `${i.action}: ${i.reasons.join("; ")}`]));
    assert.match(reasons[protectedOne.id], /^keep: deregistration protection is on/);
    assert.match(reasons[unprotected.id], /^retire/, "the same kind of image without protection is retired");
  });

  it("lists exactly the protection calls the resources send in save.json's ProtectKeptImages statement", () => {
    assert.deepEqual(
      actionsOf(readPolicy("save"), "ProtectKeptImages").sort(),
      PROTECTION_CALLS.map((name) => `ec2:${name.replace(/Command$/, "")}`).sort(),
    );
    assert.ok(EnableImageDeregistrationProtectionCommand && DisableImageDeregistrationProtectionCommand);
  });
});

describe("deregistration protection and stacks made before it existed", () => {
  it("defaults to on, and a state without the field diffs clean (an upgrade of CloudWorkstation previews no changes)", () => {
    const saved = checkSavedTemplateInputs({ instanceId: "i-0123456789abcdef0", region: REGION, templateName: "lab" });
    assert.equal(saved.inputs.deregistrationProtection, true);
    const { deregistrationProtection: _saved, ...savedBefore } = saved.inputs;
    assert.equal(diffSavedTemplate(savedBefore, saved.inputs).changes, false);
    assert.equal(diffSavedTemplate({ ...saved.inputs, deregistrationProtection: false }, saved.inputs).changes, true);

    const copy = checkRegionalAmiCopyInputs({
      sourceAmiId: "ami-0123456789abcdef0",
      sourceRegion: REGION,
      region: "eu-west-1",
    });
    assert.equal(copy.inputs.deregistrationProtection, true);
    const { deregistrationProtection: _copy, ...copyBefore } = copy.inputs;
    assert.equal(diffRegionalAmiCopy(copyBefore, copy.inputs).changes, false);
    assert.equal(diffRegionalAmiCopy({ ...copy.inputs, deregistrationProtection: false }, copy.inputs).changes, true);
  });
});

describe("deregistration protection against plain moto (which lacks the calls)", () => {
  let moto: MotoServer;
  const savedEnv: Record<string, string | undefined> = {};
  before(async () => {
    moto = await startMoto();
    for (const [key, value] of Object.entries(moto.env())) {
      savedEnv[key] = process.env[key];
      process.env[key] = value;
    }
  });
  after(async () => {
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await moto?.stop();
  });

  it("keeps the image and warns that it is NOT protected, naming ec2:EnableImageDeregistrationProtection", async () => {
    const instanceId = await runInstance(moto.clients().ec2(REGION));
    const { inputs } = await savedTemplateProvider.check!(
      {} as never,
      { instanceId, region: REGION, templateName: "lab", mode: "no-reboot" } as never,
    );
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
    try {
      const { id } = await savedTemplateProvider.create!(inputs!);
      assert.match(id, /^ami-/);
      assert.equal(warnings.length, 1);
      assert.match(
        warnings[0],
        new RegExp(
          `^SavedTemplate lab: ${id} is NOT protected: this endpoint does not implement ec2:EnableImageDeregistrationProtection`,
        ),
      );
    } finally {
      console.warn = warn;
    }
  });
});
