import assert from "node:assert/strict";
import { TIER_ORDER } from "../../src/resolver/types";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  CopyImageCommand,
  CreateTagsCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  type CopyImageCommandInput,
  type CreateTagsCommandInput,
  type DeregisterImageCommandInput,
  type DescribeImagesCommandInput,
  type DescribeSnapshotsCommandInput,
} from "@aws-sdk/client-ec2";
import * as pulumi from "@pulumi/pulumi";
import { mockClient } from "aws-sdk-client-mock";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import requireFromString from "require-from-string";
import { amiResolutionProvider } from "../../src/dynamic/ami-resolution";
import { check, create, diff, read, remove, update } from "../../src/dynamic/ami-resolution/provider";
import { UNKNOWN } from "../../src/dynamic/host";
import type { AwsClients } from "../../src/core/clients";
import { MotoServer, startMoto, TEST_CREDENTIALS } from "../../harness/moto";
import { createImageFromInstance, deregisterInRegions, publishBaseParameters } from "../../harness/seed";

/**
 * The AmiResolution provider's methods against moto (the fixture landscape of harness/fixtures/amis.json). Each test
 * starts from a reset emulator and fresh clients (the resolver's lookup cache is per client, so nothing is reused).
 */

const ROOT = path.resolve(__dirname, "..", "..");
const NOBLE_AMD64_NEWEST = "ami-00c41000000000002";
const NOBLE_AMD64_OLDER = "ami-00c41000000000001";
const SQUATTER = "ami-00bad000000000001";

/** Canonical's noble images found by dynamic search (the lab's own account allowed, for images made in tests). */
const nobleSearch = {
  name: "noble-search",
  version: "1.4",
  base: "ubuntu-24.04",
  ami_config: {
    ami_search: {
      owners: ["099720109477", "self"],
      name_pattern: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-*-server-*",
    },
  },
};

function news(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    templateObject: nobleSearch,
    region: "us-east-1",
    architecture: "x86_64",
    copyOwner: "proj/dev/ws-ami",
    ...extra,
  };
}

describe("the AmiResolution provider against moto", () => {
  let moto: MotoServer;
  let clients: () => AwsClients;
  before(async () => {
    moto = await startMoto();
    clients = () => moto.clients();
  });
  beforeEach(async () => {
    await moto.reset();
  });
  after(async () => {
    await moto?.stop();
  });

  it("resolves in check: the checked inputs carry the AMI, the method, a readable chain and labelled estimates", async () => {
    const result = await check({}, news(), clients());
    assert.equal(result.failures, undefined);
    const state = result.inputs;
    assert.equal(state.amiId, NOBLE_AMD64_NEWEST);
    assert.notEqual(state.amiId, SQUATTER);
    assert.equal(state.method, "dynamic_search");
    assert.equal(state.architecture, "x86_64");
    assert.equal(typeof state.instanceType, "string");
    assert.equal(
      state.userDataHash,
      null,
      "no user data on the AMI path (null, not absent: absent reads as unknown in a preview)",
    );
    assert.equal(state.templateName, "noble-search");
    assert.equal(state.templateVersion, "1.4");
    const chain = state.fallbackChain as string[];
    assert.equal(chain.length, TIER_ORDER.length, "one line per tier");
    assert.ok(
      chain.some((line) => line.startsWith(`✓ dynamic_search: selected ${NOBLE_AMD64_NEWEST}`)),
      chain.join("\n"),
    );
    assert.ok((state.estimatedLaunchSeconds as number) > 0);
    assert.match(String(state.costLabel), /estimate/i);
    assert.match(String(state.pinKey), /^[0-9a-f]{64}$/);
  });

  it("keeps the pinned AMI across checks while a newer matching image appears, and diffs clean", async () => {
    const first = await check({}, news(), clients());
    const newer = await createImageFromInstance(moto.clients().ec2("us-east-1"), {
      sourceAmiId: NOBLE_AMD64_NEWEST,
      name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261121",
    });
    // Fresh resolution would now pick the newer image: prove it, so the pin is what keeps the old one.
    const fresh = await check({}, news(), clients());
    assert.equal(fresh.inputs.amiId, newer);

    const second = await check(first.inputs, news(), clients());
    assert.equal(second.inputs.amiId, NOBLE_AMD64_NEWEST);
    // Only `freshness` tells of the newer image (diff never compares it); the resolution itself is byte-for-byte the same.
    const { freshness, ...kept } = second.inputs;
    const { freshness: firstFreshness, ...firstKept } = first.inputs;
    assert.deepEqual(kept, firstKept, "an unchanged stack's resolution is byte-for-byte the same");
    assert.equal((firstFreshness as { status: string }).status, "current");
    assert.deepEqual((freshness as { status: string; candidateAmiId: string }).status, "newer_available");
    assert.equal((freshness as { candidateAmiId: string }).candidateAmiId, newer);
    const created = await create(first.inputs, clients());
    assert.deepEqual(diff(created.outs, second.inputs), { changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("keeps the pinned AMI when only the size changes, taking the new instance type and its price", async () => {
    const first = await check({}, news({ size: "M" }), clients());
    await createImageFromInstance(moto.clients().ec2("us-east-1"), {
      sourceAmiId: NOBLE_AMD64_NEWEST,
      name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261121",
    });
    const resized = await check(first.inputs, news({ size: "XL" }), clients());
    assert.equal(resized.inputs.amiId, NOBLE_AMD64_NEWEST);
    assert.deepEqual(resized.inputs.fallbackChain, first.inputs.fallbackChain);
    assert.notEqual(resized.inputs.instanceType, first.inputs.instanceType);
    assert.deepEqual(resized.inputs.request, { architecture: "x86_64", size: "XL" });
    assert.ok(
      (resized.inputs.estimatedCostPerHour as number) > (first.inputs.estimatedCostPerHour as number),
      "a bigger type costs more (estimate)",
    );
  });

  it("with refresh: latest, picks up the newer image, says so in resolutionNote (not in the chain), and diff reports the AMI change", async () => {
    const first = await check({}, news({ refresh: "latest" }), clients());
    const unchanged = await check(first.inputs, news({ refresh: "latest" }), clients());
    assert.deepEqual(unchanged.inputs, first.inputs, "no newer image: latest is a no-op too");
    const newer = await createImageFromInstance(moto.clients().ec2("us-east-1"), {
      sourceAmiId: NOBLE_AMD64_NEWEST,
      name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261121",
    });
    const second = await check(first.inputs, news({ refresh: "latest" }), clients());
    assert.equal(second.inputs.amiId, newer);
    assert.match(
      String(second.inputs.resolutionNote),
      new RegExp(`^↻ refresh: latest — ${newer} replaced ${NOBLE_AMD64_NEWEST}`),
    );
    assert.equal((second.inputs.fallbackChain as string[]).length, TIER_ORDER.length, "the chain is only the tiers");
    const created = await create(first.inputs, clients());
    assert.deepEqual(diff(created.outs, second.inputs), { changes: true, replaces: [], deleteBeforeReplace: false });
  });

  it("re-resolves when the pinned AMI was deregistered, says why in resolutionNote, and keeps the note while the new pick is pinned", async () => {
    const first = await check({}, news(), clients());
    assert.equal(first.inputs.resolutionNote, null, "a first resolution has no note (null, not absent)");
    await deregisterInRegions(moto.clients(), NOBLE_AMD64_NEWEST, ["us-east-1"]);
    const second = await check(first.inputs, news(), clients());
    assert.equal(second.inputs.amiId, NOBLE_AMD64_OLDER);
    assert.equal(
      second.inputs.resolutionNote,
      `↻ re-resolved: pinned ${NOBLE_AMD64_NEWEST} was deregistered (DescribeImages no longer returns it)`,
    );
    const chain = second.inputs.fallbackChain as string[];
    assert.equal(chain.length, TIER_ORDER.length, "one line per tier, nothing prepended");
    assert.ok(chain.every((line) => !line.startsWith("↻")));
    // Only the lines that really changed differ from the first chain (the search picked another image).
    const changedLines = chain.filter((line, index) => line !== (first.inputs.fallbackChain as string[])[index]);
    assert.ok(changedLines.length < chain.length, changedLines.join("\n"));
    const third = await check(second.inputs, news(), clients());
    assert.deepEqual(third.inputs, second.inputs, "the next preview keeps the note: no diff");
  });

  it("re-resolves when the template's ami_config changes, even though the old AMI is still valid", async () => {
    const first = await check({}, news(), clients());
    const jammy = {
      ...nobleSearch,
      ami_config: {
        ami_search: { owners: ["099720109477"], name_pattern: "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-*" },
      },
    };
    const second = await check(first.inputs, news({ templateObject: jammy }), clients());
    assert.equal(second.inputs.amiId, "ami-00c22000000000001");
    assert.match(String(second.inputs.resolutionNote), /^↻ re-resolved: the template's ami_config/);
  });

  it("re-resolves a pinned image once it is deprecated (aws-sdk-client-mock over moto: moto has no deprecation)", async () => {
    const first = await check({}, news(), clients());
    const real = moto.clients();
    const mocked = new EC2Client({
      region: "us-east-1",
      endpoint: moto.endpoint,
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    const ec2Mock = mockClient(mocked);
    ec2Mock.on(DescribeImagesCommand).callsFake(async (input: DescribeImagesCommandInput) => {
      const output = await real.ec2("us-east-1").send(new DescribeImagesCommand(input));
      for (const image of output.Images ?? []) {
        if (image.ImageId === NOBLE_AMD64_NEWEST) image.DeprecationTime = "2026-11-01T00:00:00.000Z";
      }
      return output;
    });
    try {
      const deprecating: AwsClients = {
        ec2: (region) => (region === "us-east-1" ? mocked : real.ec2(region)),
        ssm: (region) => real.ssm(region),
      };
      const second = await check(first.inputs, news(), deprecating, new Date("2026-11-22T00:00:00Z"));
      assert.equal(
        second.inputs.resolutionNote,
        `↻ re-resolved: pinned ${NOBLE_AMD64_NEWEST} is deprecated since 2026-11-01T00:00:00.000Z`,
      );
      assert.equal(second.inputs.amiId, NOBLE_AMD64_OLDER, "the resolver refuses the deprecated image too");
    } finally {
      ec2Mock.restore();
    }
  });

  it("keeps outputs unknown when an input the resolution depends on is unknown (never resolves a placeholder)", async () => {
    for (const unknownInputs of [
      news({ region: UNKNOWN }),
      news({ templateObject: { ...nobleSearch, name: UNKNOWN } }),
      news({ instanceType: UNKNOWN }),
    ]) {
      const result = await check({}, unknownInputs, clients());
      assert.equal(result.failures, undefined);
      for (const key of ["amiId", "method", "fallbackChain", "pinKey"])
        assert.equal(result.inputs[key], undefined, key);
    }
    // An unknown that does not affect the resolution does not stop it.
    const resolved = await check({}, news({ retainCopyOnDelete: UNKNOWN }), clients());
    assert.equal(resolved.inputs.amiId, NOBLE_AMD64_NEWEST);
  });

  it("fails check for ami_required with nothing in the region, naming the template, the region and the whole chain", async () => {
    const required = {
      name: "lab-image-required",
      ami_config: {
        strategy: "ami_required",
        fallback_strategy: "error",
        ami_mappings: { "us-east-1": "ami-00c41000000000002" },
      },
    };
    const result = await check({}, news({ templateObject: required, region: "eu-west-1" }), clients());
    assert.equal(result.failures?.length, 1);
    const { property, reason } = result.failures![0];
    assert.equal(property, "template");
    assert.match(reason, /lab-image-required/);
    assert.match(reason, /eu-west-1/);
    for (const tier of [
      "direct_mapping",
      "ssm_parameter",
      "dynamic_search",
      "marketplace",
      "cross_region",
      "fallback_script",
    ])
      assert.match(reason, new RegExp(tier));
    assert.match(reason, /What to do:/);
  });

  it("reports template validation errors and caller mistakes as check failures on the field", async () => {
    const bad = await check(
      {},
      news({ templateObject: { name: "bad", ami_config: { ami_search: { name_pattern: "x*" } } } }),
      clients(),
    );
    assert.equal(bad.failures?.[0].property, "template");
    assert.match(bad.failures![0].reason, /owners is required/);
    const contradiction = await check({}, news({ architecture: "arm64", instanceType: "m7i.large" }), clients());
    assert.match(
      contradiction.failures?.[0].reason ?? "",
      /m7i\.large is an x86_64 instance type, but architecture arm64 was requested/,
    );
  });

  it("diff is a no-op for a state recorded before templatesDirsInProject existed (absolute dirs only)", async () => {
    const { inputs } = await check({}, news({ templatesDirs: ["/home/alice/lab/templates"] }), clients());
    const { outs } = await create(inputs, clients());
    assert.equal(outs.templatesDirsInProject, undefined, "the old state's shape");
    const now = { ...inputs, templatesDirs: ["/runner/work/lab/templates"], templatesDirsInProject: ["templates"] };
    assert.deepEqual(diff(outs, now), { changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("diff updates in place for a different AMI (the instance's own ami diff replaces it), replaces on region or architecture, and is a no-op when equal", async () => {
    const { inputs } = await check({}, news(), clients());
    const { outs } = await create(inputs, clients());
    assert.deepEqual(diff(outs, inputs), { changes: false, replaces: [], deleteBeforeReplace: false });
    // Not a replacement: Pulumi re-checks a replaced resource without its old inputs, which would lose the "↻" reason.
    assert.deepEqual(diff(outs, { ...inputs, resolvedAmiId: NOBLE_AMD64_OLDER, amiId: NOBLE_AMD64_OLDER }), {
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    assert.deepEqual(diff(outs, { ...inputs, region: "us-east-2" }).replaces, ["region"]);
    assert.deepEqual(diff(outs, { ...inputs, architecture: "arm64" }).replaces, ["architecture"]);
    assert.deepEqual(diff(outs, { ...inputs, refresh: "latest" }), {
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    // The same template found elsewhere (another checkout's path) is not a change: its content is in templateHash.
    assert.deepEqual(diff(outs, { ...inputs, templatesDirs: ["/elsewhere/templates"] }), {
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    assert.equal(diff(outs, { ...inputs, templateHash: "different" }).changes, true);
    const updated = await update(String(inputs.amiId), outs, { ...inputs, refresh: "latest" }, clients());
    assert.equal(updated.outs.refresh, "latest");
    assert.deepEqual((await read(String(outs.amiId), outs, clients())).props, outs);
  });

  it("makes a consented cross-region copy in create (never in check), finds it again on the next check, and removes it on delete", async () => {
    const usEast2Only = { name: "east2-only", ami_config: { ami_mappings: { "us-east-2": NOBLE_AMD64_NEWEST } } };
    const inputs = news({ templateObject: usEast2Only, allowCrossRegionCopy: true });
    const checked = await check({}, inputs, clients());
    assert.equal(checked.failures, undefined, JSON.stringify(checked.failures));
    assert.equal(checked.inputs.method, "cross_region");
    assert.equal(checked.inputs.sourceRegion, "us-east-2");
    assert.equal(checked.inputs.amiId, undefined, "the AMI to launch is unknown in preview until the copy exists");
    assert.equal(checked.inputs.copyPending, true);
    const ownImagesBefore = await moto
      .clients()
      .ec2("us-east-1")
      .send(new DescribeImagesCommand({ Owners: ["self"] }));
    assert.equal(ownImagesBefore.Images?.length ?? 0, 0, "check made no copy");

    const created = await create(checked.inputs, clients());
    const copyId = created.outs.amiId as string;
    assert.match(copyId, /^ami-/);
    assert.notEqual(copyId, NOBLE_AMD64_NEWEST);
    assert.equal(created.id, copyId);
    assert.equal(created.outs.copiedImageId, copyId);
    assert.equal(created.outs.copyMadeByUs, true);
    const { Images = [] } = await moto
      .clients()
      .ec2("us-east-1")
      .send(new DescribeImagesCommand({ ImageIds: [copyId] }));
    assert.equal(Images[0]?.State, "available");

    const again = await check(checked.inputs, inputs, clients());
    assert.equal(again.inputs.amiId, copyId, "the next preview shows the copy, so the instance is not replaced");
    assert.equal(diff(created.outs, again.inputs).changes, false);

    await remove(copyId, created.outs, clients());
    const after = await moto
      .clients()
      .ec2("us-east-1")
      .send(new DescribeImagesCommand({ Owners: ["self"] }));
    assert.equal(
      (after.Images ?? []).some((image) => image.ImageId === copyId),
      false,
      "the copy we made is gone",
    );
  });

  it("finds a copy made before the imaging engine (tagged cloudworkstation:copy-of) again, makes no second copy, and removes it on delete", async () => {
    const usEast2Only = { name: "east2-only", ami_config: { ami_mappings: { "us-east-2": NOBLE_AMD64_NEWEST } } };
    const legacy = await createImageFromInstance(moto.clients().ec2("us-east-1"), {
      sourceAmiId: NOBLE_AMD64_OLDER,
      name: `cloudworkstation-east2-only-${NOBLE_AMD64_NEWEST}-from-us-east-2`,
      tags: {
        "cloudworkstation:copy-of": `us-east-2/${NOBLE_AMD64_NEWEST}`,
        "cloudworkstation:copy-owner": "proj/dev/ws-ami",
      },
    });
    const checked = await check({}, news({ templateObject: usEast2Only, allowCrossRegionCopy: true }), clients());
    assert.equal(checked.inputs.amiId, legacy, "the preview shows the existing copy");
    assert.equal(checked.inputs.copyPending, undefined);
    const stateWithCopy = { ...checked.inputs, copyPending: true };
    delete stateWithCopy.amiId;
    const created = await create(stateWithCopy, clients());
    assert.equal(created.id, legacy, "create adopts the copy instead of making a second one");
    const ownImages = async () =>
      (
        (
          await moto
            .clients()
            .ec2("us-east-1")
            .send(new DescribeImagesCommand({ Owners: ["self"] }))
        ).Images ?? []
      ).map((image) => image.ImageId);
    assert.deepEqual(await ownImages(), [legacy]);
    await remove(legacy, created.outs, clients());
    assert.deepEqual(await ownImages(), []);
  });

  it("removes the copy it made when an update moves the resolution to an image in the region", async () => {
    const usEast2Only = { name: "east2-only", ami_config: { ami_mappings: { "us-east-2": NOBLE_AMD64_NEWEST } } };
    const checked = await check({}, news({ templateObject: usEast2Only, allowCrossRegionCopy: true }), clients());
    const created = await create(checked.inputs, clients());
    const bothRegions = {
      name: "east2-only",
      ami_config: { ami_mappings: { "us-east-2": NOBLE_AMD64_NEWEST, "us-east-1": NOBLE_AMD64_OLDER } },
    };
    const moved = await check(
      checked.inputs,
      news({ templateObject: bothRegions, allowCrossRegionCopy: true }),
      clients(),
    );
    assert.equal(moved.inputs.amiId, NOBLE_AMD64_OLDER);
    assert.match(String(moved.inputs.resolutionNote), /^↻ re-resolved: the template's ami_config/);
    const updated = await update(String(created.id), created.outs, moved.inputs, clients());
    assert.equal(updated.outs.amiId, NOBLE_AMD64_OLDER);
    assert.equal(updated.outs.copiedImageId, undefined);
    const { Images = [] } = await moto
      .clients()
      .ec2("us-east-1")
      .send(new DescribeImagesCommand({ Owners: ["self"] }));
    assert.equal(
      Images.some((image) => image.ImageId === created.id),
      false,
      "the superseded copy is gone",
    );
  });

  it("retains the copy on delete when retainCopyOnDelete is set, and never deletes an image it did not make", async () => {
    const usEast2Only = { name: "east2-only", ami_config: { ami_mappings: { "us-east-2": NOBLE_AMD64_NEWEST } } };
    const checked = await check(
      {},
      news({ templateObject: usEast2Only, allowCrossRegionCopy: true, retainCopyOnDelete: true }),
      clients(),
    );
    const created = await create(checked.inputs, clients());
    await remove(String(created.id), created.outs, clients());
    const { Images = [] } = await moto
      .clients()
      .ec2("us-east-1")
      .send(new DescribeImagesCommand({ ImageIds: [String(created.id)] }));
    assert.equal(Images.length, 1, "retained");

    const plain = await check({}, news(), clients());
    const plainCreated = await create(plain.inputs, clients());
    await remove(String(plainCreated.id), plainCreated.outs, clients());
    const fixture = await moto
      .clients()
      .ec2("us-east-1")
      .send(new DescribeImagesCommand({ ImageIds: [NOBLE_AMD64_NEWEST] }));
    assert.equal(fixture.Images?.length, 1, "a public image we only selected is never deregistered");
  });

  it("removes a copy still pending at copyTimeoutSeconds through the imaging engine, and the error names the step and what was undone (aws-sdk-client-mock over moto: moto copies are available at once)", async () => {
    const usEast2Only = { name: "east2-only", ami_config: { ami_mappings: { "us-east-2": NOBLE_AMD64_NEWEST } } };
    const checked = await check(
      {},
      news({ templateObject: usEast2Only, allowCrossRegionCopy: true, copyTimeoutSeconds: 0 }),
      clients(),
    );
    const real = moto.clients();
    const mocked = new EC2Client({
      region: "us-east-1",
      endpoint: moto.endpoint,
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    const ec2Mock = mockClient(mocked);
    // Everything goes to moto unchanged, except that DescribeImages reports our copy as still pending.
    ec2Mock.onAnyCommand().callsFake(async (input: unknown) => {
      throw new Error(`unexpected command ${JSON.stringify(input)}`);
    });
    const moto1 = real.ec2("us-east-1");
    ec2Mock.on(CopyImageCommand).callsFake((input: CopyImageCommandInput) => moto1.send(new CopyImageCommand(input)));
    ec2Mock
      .on(CreateTagsCommand)
      .callsFake((input: CreateTagsCommandInput) => moto1.send(new CreateTagsCommand(input)));
    ec2Mock
      .on(DeregisterImageCommand)
      .callsFake((input: DeregisterImageCommandInput) => moto1.send(new DeregisterImageCommand(input)));
    ec2Mock
      .on(DescribeSnapshotsCommand)
      .callsFake((input: DescribeSnapshotsCommandInput) => moto1.send(new DescribeSnapshotsCommand(input)));
    ec2Mock.on(DescribeImagesCommand).callsFake(async (input: DescribeImagesCommandInput) => {
      const output = await real.ec2("us-east-1").send(new DescribeImagesCommand(input));
      for (const image of output.Images ?? []) if (image.OwnerId === "123456789012") image.State = "pending";
      return output;
    });
    try {
      const pendingClients: AwsClients = {
        ec2: (region) => (region === "us-east-1" ? mocked : real.ec2(region)),
        ssm: (region) => real.ssm(region),
      };
      await assert.rejects(create(checked.inputs, pendingClients), (error: Error) => {
        assert.match(
          error.message,
          /^wait for copy available \(us-east-2 → us-east-1\) failed .*still not done after 0 s \(last state: pending\).*; undone: deregistered ami-/,
        );
        return true;
      });
      const { Images = [] } = await real.ec2("us-east-1").send(new DescribeImagesCommand({ Owners: ["self"] }));
      assert.deepEqual(Images, [], "nothing is left behind untracked");
    } finally {
      ec2Mock.restore();
    }
  });

  it("runs from compiled JS in a separate plain-node process, the way pulumi-resource-pulumi-nodejs runs it", async () => {
    // `npm test` builds dist/ first; CWS_DIST_DIR points elsewhere when testing another build.
    const dist = process.env.CWS_DIST_DIR ?? path.join(ROOT, "dist");
    assert.ok(
      fs.existsSync(path.join(dist, "src", "dynamic", "ami-resolution.js")),
      `no compiled build in ${dist}: run \`npm run build\` (npm test builds first)`,
    );
    await publishBaseParameters(moto.clients().ssm("us-east-1"), ["ubuntu-24.04"]);
    const env = { ...process.env, ...moto.env(), NODE_OPTIONS: "" };
    const textFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cws-provider-")), "provider.js.txt");
    // 1. The program process writes the provider's module text (what the resource stores in __provider).
    const serialize = `
      const { amiResolutionProvider } = require(${JSON.stringify(path.join(dist, "src", "dynamic", "ami-resolution.js"))});
      require("fs").writeFileSync(${JSON.stringify(textFile)}, amiResolutionProvider.moduleText);`;
    execFileSync(process.execPath, ["-e", serialize], { env, cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    // 2. The provider host, another process without tsx: requireFromString(text).handler(), then check.
    const host = `
      const provider = require("require-from-string")(require("fs").readFileSync(${JSON.stringify(textFile)}, "utf8")).handler();
      const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
      provider.check({}, { template: "python-ml", region: "us-east-1", size: "M", copyOwner: "p/s/n" })
        .then((result) => process.stdout.write(JSON.stringify(Struct.fromJavaScript(result.inputs).toJavaScript())));`;
    const output = execFileSync(process.execPath, ["-e", host], {
      env,
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    }).toString();
    // As the host sends it to the engine: through a protobuf Struct (which refuses undefined at any depth).
    const inputs = JSON.parse(output) as Record<string, unknown>;
    assert.equal(inputs.amiId, NOBLE_AMD64_NEWEST, "the shipped python-ml template's base image, found from dist/");
    assert.equal(inputs.method, "fallback_script");
  });

  describe("as Pulumi stores it", () => {
    const saved: Record<string, string | undefined> = {};
    before(async () => {
      await pulumi.runtime.setMocks(
        { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs },
        "project",
        "stack",
        true,
      );
      for (const [key, value] of Object.entries(moto.env())) {
        saved[key] = process.env[key];
        process.env[key] = value;
      }
    });
    after(() => {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    });

    it("is a small module text that loads the logic by path, and its check resolves against moto", async () => {
      // What the resource stores in `__provider`.
      const text = amiResolutionProvider.moduleText;
      assert.ok(text.length < 500, `the provider's module text is ${text.length} characters`);
      assert.match(text, /ami-resolution\/provider/);
      assert.doesNotMatch(
        text,
        /resolveAmi|DescribeImagesCommand/,
        "the resolver and the SDK are required at call time, not captured",
      );
      // The way Pulumi's provider host loads it (cmd/dynamic-provider: requireFromString(text).handler()).
      const loaded = requireFromString(text).handler() as pulumi.dynamic.ResourceProvider;
      const result = await loaded.check!({}, news({ size: "M" }));
      assert.equal(result.inputs?.amiId, NOBLE_AMD64_NEWEST);
      // The host converts results to a protobuf Struct, which throws on undefined at any depth.
      assert.deepEqual(Struct.fromJavaScript(result.inputs).toJavaScript(), result.inputs);
      const created = await loaded.create(result.inputs);
      assert.deepEqual(Struct.fromJavaScript(created.outs).toJavaScript(), created.outs);
      assert.equal(result.inputs?.method, "dynamic_search");
      const diffResult = await loaded.diff!("id", result.inputs, result.inputs);
      assert.equal(diffResult.changes, false);
    });
  });
});
