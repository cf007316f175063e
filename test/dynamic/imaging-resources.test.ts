import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DescribeImagesCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import requireFromString from "require-from-string";
import { parse } from "yaml";
import {
  diffRegionalAmiCopy,
  checkRegionalAmiCopyInputs,
  regionalAmiCopyProvider,
  type RegionalAmiCopyOutputs,
} from "../../src/dynamic/regional-ami-copy";
import {
  checkSavedTemplateInputs,
  diffSavedTemplate,
  savedTemplateProvider,
  type SavedTemplateOutputs,
} from "../../src/dynamic/saved-template";
import { ImagingError } from "../../src/imaging";
import { loadTemplateFromObject, templateSchema } from "../../src/templates";
import { MotoServer, startMoto } from "../../harness/moto";
import { FaultProxy, startFaultProxy } from "../../harness/fault-proxy";
import { instanceState, newSnapshots, ownImages, runInstance, snapshotIds } from "../imaging/helpers";

const ROOT = path.resolve(__dirname, "..", "..");
const REGION = "us-east-1";

/** Paths whose value is undefined, at any depth: Pulumi's provider host cannot encode them. */
function undefinedPaths(value: unknown, at = "$"): string[] {
  if (value === undefined) return [at];
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) => undefinedPaths(inner, `${at}.${key}`));
}

describe("the SavedTemplate and RegionalAmiCopy providers (methods called directly, against moto)", () => {
  let moto: MotoServer;
  let proxy: FaultProxy;
  const savedEnv: Record<string, string | undefined> = {};
  /** The providers build their clients from the environment, as they do in Pulumi's provider process. */
  function pointProvidersAt(endpoint: string) {
    process.env.AWS_ENDPOINT_URL = endpoint;
  }
  before(async () => {
    moto = await startMoto();
    proxy = await startFaultProxy(moto.endpoint);
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
    await proxy?.stop();
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    proxy.clear();
    pointProvidersAt(moto.endpoint);
  });

  describe("SavedTemplate", () => {
    it("applies defaults in check (stop mode, retain on delete) and reports bad inputs by property", () => {
      const ok = checkSavedTemplateInputs({ instanceId: "i-0123456789abcdef0", region: REGION, templateName: "lab" });
      assert.equal(ok.inputs.mode, "stop");
      assert.equal(ok.inputs.retainOnDelete, true);
      assert.deepEqual(ok.failures, []);
      const bad = checkSavedTemplateInputs({
        instanceId: "web-1",
        region: REGION,
        templateName: "Lab Env",
        mode: "hibernate",
      });
      assert.deepEqual(
        bad.failures.map((f) => f.property),
        ["instanceId", "templateName", "mode"],
      );
    });

    it("accepts inputs still unknown in a preview and returns checked inputs with no undefined at any depth (what the real engine's Struct encoding needs)", async () => {
      const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
      const saved = await savedTemplateProvider.check!(
        {} as never,
        { instanceId: unknown, region: REGION, templateName: "lab" } as never,
      );
      assert.deepEqual(saved.failures, []);
      assert.deepEqual(undefinedPaths(saved.inputs), []);
      const copy = await regionalAmiCopyProvider.check!(
        {} as never,
        { sourceAmiId: unknown, sourceRegion: REGION, region: "eu-west-1" } as never,
      );
      assert.deepEqual(copy.failures, []);
      assert.deepEqual(undefinedPaths(copy.inputs), []);
      // A known but malformed value is still refused.
      const bad = await regionalAmiCopyProvider.check!(
        {} as never,
        { sourceAmiId: "ami-1", sourceRegion: REGION, region: "eu-west-1" } as never,
      );
      assert.deepEqual(
        bad.failures?.map((f) => f.property),
        ["sourceAmiId"],
      );
    });

    it("replaces on a new instance, region or mode, and updates tags or retainOnDelete in place", () => {
      const base = checkSavedTemplateInputs({
        instanceId: "i-0123456789abcdef0",
        region: REGION,
        templateName: "lab",
      }).inputs;
      assert.deepEqual(diffSavedTemplate(base, { ...base, instanceId: "i-0fedcba9876543210" }).replaces, [
        "instanceId",
      ]);
      assert.deepEqual(diffSavedTemplate(base, { ...base, mode: "no-reboot" }).replaces, ["mode"]);
      assert.deepEqual(diffSavedTemplate(base, { ...base, region: "eu-west-1" }).replaces, ["region"]);
      const retag = diffSavedTemplate(base, { ...base, tags: { Team: "x" }, retainOnDelete: false });
      assert.equal(retag.changes, true);
      assert.deepEqual(retag.replaces, []);
      assert.equal(diffSavedTemplate(base, { ...base }).changes, false);
    });

    it("creates an image, restarts the instance, writes a valid template, and keeps the AMI on delete by default", async () => {
      const ec2 = moto.clients().ec2(REGION);
      const instanceId = await runInstance(ec2);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-provider-"));
      const { inputs } = checkSavedTemplateInputs({
        instanceId,
        region: REGION,
        templateName: "lab-env",
        baseTemplate: "ubuntu-24.04-base",
        tags: { Team: "bio" },
        templatesDir: dir,
      });
      const { id, outs } = await savedTemplateProvider.create!(inputs);
      const saved = outs as SavedTemplateOutputs;
      assert.equal(id, saved.amiId);
      assert.equal(await instanceState(ec2, instanceId), "running");
      const raw = parse(saved.templateYaml) as Record<string, unknown>;
      const template = templateSchema.parse(raw);
      assert.deepEqual(template.ami_config?.ami_mappings, { [REGION]: { x86_64: saved.amiId } });
      assert.equal(template.ami_config?.strategy, "ami_preferred");
      assert.deepEqual(template.ami_config?.trusted_owners, ["123456789012"]);
      assert.equal(template.inherits, "ubuntu-24.04-base");
      assert.equal(fs.readFileSync(path.join(dir, "lab-env.yml"), "utf8"), saved.templateYaml);
      // Loads through the loader, inheriting the shipped base template.
      const { template: loaded, chain } = loadTemplateFromObject(raw);
      assert.deepEqual(loaded.ami_config?.ami_mappings, { [REGION]: { x86_64: saved.amiId } });
      assert.equal(loaded.base, "ubuntu-24.04", `inherited from ${JSON.stringify(chain)}`);

      await savedTemplateProvider.update!(id, saved, { ...inputs, tags: { Stage: "prod" } });
      const { Images = [] } = await ec2.send(new DescribeImagesCommand({ ImageIds: [id] }));
      const tags = Object.fromEntries((Images[0].Tags ?? []).map((t) => [t.Key, t.Value]));
      assert.equal(tags.Stage, "prod");
      assert.equal(tags.Team, undefined, "a removed tag is removed");
      assert.equal(tags["cloudworkstation:managed"], "true", "our own tags stay");

      await savedTemplateProvider.delete!(id, saved);
      assert.deepEqual(
        (await ownImages(ec2)).map((i) => i.ImageId),
        [id],
        "retained AMI still exists after delete",
      );
    });

    it("deregisters the AMI and deletes its snapshots on delete when retainOnDelete is false", async () => {
      const ec2 = moto.clients().ec2(REGION);
      const instanceId = await runInstance(ec2);
      const baseline = await snapshotIds(ec2);
      const { inputs } = checkSavedTemplateInputs({
        instanceId,
        region: REGION,
        templateName: "scratch",
        retainOnDelete: false,
      });
      const { id, outs } = await savedTemplateProvider.create!(inputs);
      assert.ok((await newSnapshots(ec2, baseline)).length >= 1);
      await savedTemplateProvider.delete!(id, outs as SavedTemplateOutputs);
      assert.deepEqual(
        (await ownImages(ec2)).map((i) => i.ImageId),
        [],
      );
      assert.deepEqual(await newSnapshots(ec2, baseline), []);
      const read = await savedTemplateProvider.read!(id, outs as SavedTemplateOutputs);
      assert.equal(read.id, "", "read reports a deregistered image as gone");
    });

    it("fails create with the step and what was undone, leaving the instance running and no image (fault proxy)", async () => {
      const ec2 = moto.clients().ec2(REGION);
      const instanceId = await runInstance(ec2);
      pointProvidersAt(proxy.endpoint);
      proxy.fail({ action: "DescribeImages", when: "before" });
      const { inputs } = checkSavedTemplateInputs({ instanceId, region: REGION, templateName: "broken" });
      const error = await savedTemplateProvider.create!(inputs).catch((e: unknown) => e);
      assert.ok(error instanceof ImagingError, String(error));
      assert.match(
        error.message,
        /^wait for image available failed .*undone: deregistered ami-.*instance i-[0-9a-f]+ restarted/,
      );
      assert.equal(await instanceState(ec2, instanceId), "running");
      assert.deepEqual(await ownImages(ec2), []);
    });
  });

  it("stores each provider as a small module text that loads its logic by path; the loaded SavedTemplate provider captures and deletes against moto", async () => {
    for (const [provider, logic] of [
      [savedTemplateProvider, "saved-template/provider"],
      [regionalAmiCopyProvider, "regional-ami-copy/provider"],
    ] as const) {
      const text = provider.moduleText;
      assert.ok(text.length < 500, `the provider's module text is ${text.length} characters`);
      assert.doesNotMatch(
        text,
        /new CreateImageCommand|new CopyImageCommand|function waitFor/,
        "the engine and the SDK are required at call time, not captured",
      );
      assert.ok(text.includes(`"${path.join(ROOT, "src", "dynamic", logic)}"`), text);
      assert.ok(text.includes(`"cloudworkstation/dist/src/dynamic/${logic}"`), "the packaged fallback");
    }
    const text = savedTemplateProvider.moduleText;
    // The way Pulumi's provider host loads it (cmd/dynamic-provider: requireFromString(text).handler()).
    const loaded = requireFromString(text).handler() as typeof savedTemplateProvider;
    const ec2 = moto.clients().ec2(REGION);
    const instanceId = await runInstance(ec2);
    const checked = await loaded.check!(
      {} as never,
      { instanceId, region: REGION, templateName: "serialized", retainOnDelete: false } as never,
    );
    assert.deepEqual(checked.failures, []);
    const { id, outs } = await loaded.create!(checked.inputs!);
    assert.equal(await instanceState(ec2, instanceId), "running");
    assert.deepEqual(
      (await ownImages(ec2)).map((i) => i.ImageId),
      [id],
    );
    await loaded.delete!(id, outs as SavedTemplateOutputs);
    assert.deepEqual(await ownImages(ec2), []);
  });

  describe("RegionalAmiCopy", () => {
    async function sourceImage(): Promise<string> {
      const ec2 = moto.clients().ec2(REGION);
      const instanceId = await runInstance(ec2);
      const { inputs } = checkSavedTemplateInputs({
        instanceId,
        region: REGION,
        templateName: "lab",
        mode: "no-reboot",
      });
      return (await savedTemplateProvider.create!(inputs)).id;
    }

    it("replaces on a new source, region or encryption, and updates sharing and tags in place", () => {
      const base = checkRegionalAmiCopyInputs({
        sourceAmiId: "ami-0123456789abcdef0",
        sourceRegion: REGION,
        region: "eu-west-1",
      }).inputs;
      assert.equal(base.timeoutMinutes, 45);
      assert.deepEqual(diffRegionalAmiCopy(base, { ...base, encrypted: true }).replaces, ["encrypted"]);
      assert.deepEqual(diffRegionalAmiCopy(base, { ...base, sharing: { accountIds: ["210987654321"] } }).replaces, []);
      assert.equal(diffRegionalAmiCopy(base, { ...base, sharing: { accountIds: ["210987654321"] } }).changes, true);
    });

    it("check refuses a copy region the account does not have, with a did-you-mean, before anything is copied", async () => {
      const checked = await regionalAmiCopyProvider.check!(
        {} as never,
        { sourceAmiId: "ami-0123456789abcdef0", sourceRegion: REGION, region: "eu-west-9" } as never,
      );
      assert.deepEqual(
        checked.failures?.map((f) => f.property),
        ["region"],
      );
      assert.match(
        checked.failures![0].reason,
        /"eu-west-9" is not a region of this AWS account's partition.*did you mean/,
      );
      const fine = await regionalAmiCopyProvider.check!(
        {} as never,
        { sourceAmiId: "ami-0123456789abcdef0", sourceRegion: REGION, region: "eu-west-2" } as never,
      );
      assert.deepEqual(fine.failures, []);
    });

    it("check asks AWS nothing for a region already in the state, so existing stacks preview without ec2:DescribeRegions (closed endpoint)", async () => {
      pointProvidersAt("http://127.0.0.1:9"); // nothing listens: any AWS call would fail
      const inputs = { sourceAmiId: "ami-0123456789abcdef0", sourceRegion: REGION, region: "eu-west-1" };
      const checked = await regionalAmiCopyProvider.check!(inputs as never, inputs as never);
      assert.deepEqual(checked.failures, []);
      const asked = await regionalAmiCopyProvider.check!({} as never, inputs as never).then(
        () => "no call",
        (error: Error) => error.name,
      );
      assert.equal(asked, "AwsCallError", "a new region is checked against the account");
    });

    it("keeps the copy made in one region tracked when the copy in the next region fails, and leaves nothing in the failed one (fault proxy)", async () => {
      const amiId = await sourceImage();
      pointProvidersAt(proxy.endpoint);
      const west = checkRegionalAmiCopyInputs({
        sourceAmiId: amiId,
        sourceRegion: REGION,
        region: "us-west-2",
        retainOnDelete: false,
      }).inputs;
      const europe = checkRegionalAmiCopyInputs({
        sourceAmiId: amiId,
        sourceRegion: REGION,
        region: "eu-west-1",
        retainOnDelete: false,
      }).inputs;
      const created = await regionalAmiCopyProvider.create!(west);
      const westCopy = created.outs as RegionalAmiCopyOutputs;
      // The next copy is made and available, but tagging it fails: the provider deregisters it and throws.
      proxy.fail({ action: "CreateTags", when: "before" });
      const error = await regionalAmiCopyProvider.create!(europe).catch((e: unknown) => e);
      assert.ok(error instanceof ImagingError, String(error));
      assert.match(error.message, /tag copy \(us-east-1 → eu-west-1\) failed/);
      const westImages = await ownImages(moto.clients().ec2("us-west-2"));
      assert.deepEqual(
        westImages.map((i) => i.ImageId),
        [westCopy.amiId],
        "the us-west-2 copy is in state and in EC2",
      );
      assert.equal(created.id, `us-west-2/${westCopy.amiId}`);
      assert.deepEqual(await ownImages(moto.clients().ec2("eu-west-1")), []);
      // And the tracked copy can still be deleted normally.
      pointProvidersAt(moto.endpoint);
      await regionalAmiCopyProvider.delete!(created.id, westCopy);
      assert.deepEqual(await ownImages(moto.clients().ec2("us-west-2")), []);
      const { Snapshots = [] } = await moto
        .clients()
        .ec2("us-west-2")
        .send(new DescribeSnapshotsCommand({ Filters: [{ Name: "snapshot-id", Values: westCopy.snapshotIds }] }));
      assert.deepEqual(Snapshots, [], "its snapshots are deleted too");
    });

    it("maps the source region to the source AMI without copying, and never deregisters it", async () => {
      const amiId = await sourceImage();
      const inputs = checkRegionalAmiCopyInputs({
        sourceAmiId: amiId,
        sourceRegion: REGION,
        region: REGION,
        retainOnDelete: false,
      }).inputs;
      const { id, outs } = await regionalAmiCopyProvider.create!(inputs);
      assert.equal((outs as RegionalAmiCopyOutputs).amiId, amiId);
      assert.equal((outs as RegionalAmiCopyOutputs).copied, false);
      await regionalAmiCopyProvider.delete!(id, outs as RegionalAmiCopyOutputs);
      assert.deepEqual(
        (await ownImages(moto.clients().ec2(REGION))).map((i) => i.ImageId),
        [amiId],
      );
    });
  });
});
