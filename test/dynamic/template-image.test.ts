import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  CreateImageCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DisableImageDeregistrationProtectionCommand,
  EC2Client,
  EnableImageDeregistrationProtectionCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { parse } from "yaml";
import { startMoto, TEST_CREDENTIALS, type MotoServer } from "../../harness/moto";
import { FIXTURE_BASE_IMAGES, publishBaseParameters, publishPublicParameter } from "../../harness/seed";
import { UNKNOWN } from "../../src/dynamic/host";
import {
  checkTemplateImageInputs,
  describeRebuild,
  diffTemplateImage,
  type TemplateImageOutputs,
} from "../../src/dynamic/template-image";
import { check, provider, useClients } from "../../src/dynamic/template-image/provider";
import { defaultCatalogVersion } from "../../src/dynamic/template-image/publish";
import type { BuildClients } from "../../src/imaging";
import { baseImageSource } from "../../src/resolver/base-images";
import { createAwsClients } from "../../src/core/clients";
import { IMAGE_TAGS } from "../../src/core/image-tags";
import { loadTemplateFromObject } from "../../src/templates";

const REGION = "us-east-1";
const UBUNTU_PARAMETER = baseImageSource("ubuntu-24.04", "x86_64").ssmParameter as string;
const NOBLE = FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64;
const TEMPLATE = {
  name: "bake-ml",
  version: "1.0.0",
  base: "ubuntu-24.04",
  packages: { system: ["htop"], pip: ["numpy"] },
};

/** Paths whose value is undefined, at any depth: Pulumi's provider host cannot encode them (protobuf Struct). */
function undefinedPaths(value: unknown, at = "$"): string[] {
  if (value === undefined) return [at];
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) => undefinedPaths(inner, `${at}.${key}`));
}

describe("the TemplateImage provider (methods called directly, against moto, which runs no user data: Run Command answers Success)", function () {
  this.timeout(60_000);
  let moto: MotoServer;
  let clients: BuildClients;
  const savedEnv: Record<string, string | undefined> = {};

  before(async () => {
    moto = await startMoto();
    for (const [key, value] of Object.entries({ ...moto.env(), AWS_ENDPOINT_URL: moto.endpoint })) {
      savedEnv[key] = process.env[key];
      process.env[key] = value;
    }
  });
  after(async () => {
    useClients(() => createAwsClients());
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    const iam = new IAMClient({ region: "us-east-1", endpoint: moto.endpoint, credentials: TEST_CREDENTIALS });
    clients = { ...moto.clients(), iam: () => iam };
    useClients(() => clients);
    await publishBaseParameters(clients.ssm(REGION), ["ubuntu-24.04"]);
  });

  const news = (extra: Record<string, unknown> = {}) => ({
    template: TEMPLATE,
    region: REGION,
    publish: { ssmParameter: "/lab/images/bake-ml/x86_64" },
    deregistrationProtection: false,
    ...extra,
  });

  /** check then create, as the engine does for a new resource. */
  async function build(extra: Record<string, unknown> = {}) {
    const checked = await provider.check({} as never, news(extra) as never);
    assert.deepEqual(checked.failures ?? [], []);
    const created = await provider.create(checked.inputs as never);
    return {
      inputs: checked.inputs as unknown as Record<string, unknown>,
      id: created.id,
      outs: created.outs as TemplateImageOutputs,
    };
  }

  /** The distribution publishes another image: its parameter moves to another Canonical noble image of the fixture. */
  async function movedBase(): Promise<string> {
    const other = "ami-00c41000000000001";
    await publishPublicParameter(clients.ssm(REGION), UBUNTU_PARAMETER, other);
    return other;
  }

  it("check plans the build read-only: the template hash, the base from the distribution's parameter, and why it builds", async () => {
    const { inputs, failures } = await check({}, news());
    assert.equal(failures, undefined);
    assert.equal(inputs.baseAmiId, NOBLE);
    assert.equal(inputs.baseParameter, UBUNTU_PARAMETER);
    assert.equal(inputs.templateName, "bake-ml");
    assert.match(String(inputs.templateHash), /^[0-9a-f]{64}$/);
    assert.deepEqual(inputs.templateContents, { packages: ["htop", "numpy"], services: [] });
    assert.match(String(inputs.buildReason), new RegExp(`^build bake-ml on base ${NOBLE} \\(${UBUNTU_PARAMETER}\\)`));
    assert.equal(inputs.architecture, "x86_64");
    assert.deepEqual(undefinedPaths(inputs), []);
    const { Images = [] } = await clients.ec2(REGION).send(new DescribeImagesCommand({ Owners: ["self"] }));
    assert.deepEqual(Images, [], "check made no image");
  });

  it("an unknown template or region in a preview plans nothing, so the outputs stay unknown, and is no check failure", async () => {
    const { inputs, failures } = await check({}, news({ region: UNKNOWN }));
    assert.equal(failures, undefined);
    assert.equal(inputs.baseAmiId, undefined);
    assert.equal(inputs.buildReason, undefined);
    const diff = diffTemplateImage({ templateHash: "a", baseAmiId: NOBLE, region: REGION }, inputs);
    assert.equal(diff.changes, true);
    assert.deepEqual(diff.replaces, []);
  });

  it("check reports each bad input by property, saying what to give", async () => {
    const bad = checkTemplateImageInputs({
      template: "",
      region: "Mars",
      architecture: "sparc",
      copyToRegions: ["eu-west-1", "nowhere 1"],
      timeoutMinutes: -3,
      publish: { ssmParameter: "bad name!", catalog: {}, s3: "x" },
    });
    assert.deepEqual(bad.failures.map((f) => f.property).sort(), [
      "architecture",
      "copyToRegions[1]",
      "publish.catalog.creator",
      "publish.catalog.directory",
      "publish.s3",
      "publish.ssmParameter",
      "region",
      "template",
      "timeoutMinutes",
    ]);
    const missing = await check({}, news({ template: "no-such-template" }));
    assert.equal(missing.failures?.[0].property, "template");
    assert.match(missing.failures?.[0].reason ?? "", /no-such-template/);
  });

  it("create builds once: the image tagged with template, hash and base, the parameter written, outputs Struct-safe", async () => {
    const { id, outs, inputs } = await build();
    assert.match(id, /^ami-/);
    assert.equal(outs.amiId, id);
    assert.deepEqual(outs.amiIds, { [REGION]: id });
    assert.equal(outs.publishedParameter, "/lab/images/bake-ml/x86_64");
    assert.equal(outs.catalogEntry, null);
    assert.equal(outs.reused, false);
    assert.equal(outs.baseAmiId, NOBLE);
    assert.equal(outs.buildReason, inputs.buildReason);
    assert.deepEqual(undefinedPaths(outs), []);
    const { Images = [] } = await clients.ec2(REGION).send(new DescribeImagesCommand({ ImageIds: [id] }));
    const tags = Object.fromEntries((Images[0]?.Tags ?? []).map((t) => [t.Key, t.Value]));
    assert.equal(tags[IMAGE_TAGS.kind], "built");
    assert.equal(tags[IMAGE_TAGS.template], "bake-ml");
    assert.equal(tags[IMAGE_TAGS.templateHash], inputs.templateHash);
    assert.equal(tags[IMAGE_TAGS.baseAmi], NOBLE);
    const { Parameter } = await clients
      .ssm(REGION)
      .send(new GetParameterCommand({ Name: "/lab/images/bake-ml/x86_64" }));
    assert.equal(Parameter?.Value, id);
    assert.equal(Parameter?.DataType, "aws:ec2:image");
  });

  it("an unchanged template and base check clean: no changes, the old reason kept; a second create would reuse, not rebuild", async () => {
    const { inputs, outs } = await build();
    const again = await check(inputs, news());
    assert.equal(again.inputs.buildReason, inputs.buildReason);
    const diff = diffTemplateImage(outs as unknown as Record<string, unknown>, again.inputs);
    assert.equal(diff.changes, false);
    const fresh = await check({}, news());
    assert.match(String(fresh.inputs.buildReason), new RegExp(`^reuse ${outs.amiId}: already built`));
  });

  it("when the distribution's parameter moves, check proposes a replacement whose reason names both AMIs, and keeps it through the engine's re-check without olds", async () => {
    const { inputs, outs } = await build();
    const newer = await movedBase();
    const next = await check(inputs, news());
    assert.equal(
      next.inputs.buildReason,
      `base ${NOBLE} → ${newer} (the distribution published a new image: ${UBUNTU_PARAMETER} moved)`,
    );
    const diff = diffTemplateImage(outs as unknown as Record<string, unknown>, next.inputs);
    assert.deepEqual(diff.replaces, ["baseAmiId"]);
    assert.equal(diff.deleteBeforeReplace, false, "the new image is built before the old one is deleted or retained");
    // The engine checks a replaced resource again without olds (step_generator.go): the reason must survive.
    const recheck = await check({}, news());
    assert.equal(recheck.inputs.buildReason, next.inputs.buildReason);
  });

  it("a changed template proposes a replacement naming the packages and services that changed", async () => {
    const { inputs, outs } = await build();
    const changed = {
      ...TEMPLATE,
      packages: { system: ["htop"], pip: ["numpy", "scikit-learn"] },
      services: [{ name: "jupyter", port: 8888 }],
    };
    const next = await check(inputs, news({ template: changed }));
    assert.equal(next.inputs.buildReason, "template changed (packages: +scikit-learn; services: +jupyter)");
    assert.deepEqual(diffTemplateImage(outs as unknown as Record<string, unknown>, next.inputs).replaces, [
      "templateHash",
    ]);
  });

  it("describeRebuild names region, architecture and other template changes, and nothing when nothing changed", () => {
    const plan = {
      region: "us-west-2",
      architecture: "arm64" as const,
      templateName: "t",
      templateHash: "h2",
      templateContents: { packages: ["a"], services: [] },
      baseAmiId: "ami-1",
      baseParameter: null,
      buildReason: "",
    };
    assert.equal(
      describeRebuild(
        {
          region: REGION,
          architecture: "x86_64",
          baseAmiId: "ami-1",
          templateHash: "h1",
          templateContents: plan.templateContents,
        },
        plan,
      ),
      "region us-east-1 → us-west-2; architecture x86_64 → arm64; template changed (settings other than packages and services)",
    );
    assert.equal(describeRebuild({ ...plan }, plan), undefined);
  });

  it("delete keeps the image by default (retainOnDelete) and removes image, snapshots and its own parameter when asked", async () => {
    const kept = await build();
    await provider.delete(kept.id, kept.outs);
    const ec2 = clients.ec2(REGION);
    assert.equal((await ec2.send(new DescribeImagesCommand({ ImageIds: [kept.id] }))).Images?.length, 1);

    await moto.reset();
    await publishBaseParameters(clients.ssm(REGION), ["ubuntu-24.04"]);
    const removed = await build({ retainOnDelete: false });
    const snapshots = removed.outs.snapshotIds;
    assert.ok(snapshots.length > 0);
    await provider.delete(removed.id, removed.outs);
    const { Images = [] } = await ec2.send(new DescribeImagesCommand({ Owners: ["self"] }));
    assert.deepEqual(
      Images.map((i) => i.ImageId),
      [],
    );
    const { Snapshots = [] } = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] }));
    assert.deepEqual(
      Snapshots.filter((s) => snapshots.includes(s.SnapshotId as string)),
      [],
    );
    await assert.rejects(
      clients.ssm(REGION).send(new GetParameterCommand({ Name: "/lab/images/bake-ml/x86_64" })),
      /ParameterNotFound/,
    );
  });

  it("a replacement with retainOnDelete: false builds and publishes the new image first, then removes the old image but not the parameter that now names the new one", async () => {
    const old = await build({ retainOnDelete: false });
    await movedBase();
    const next = await check(old.inputs, news({ retainOnDelete: false }));
    assert.deepEqual(diffTemplateImage(old.outs as unknown as Record<string, unknown>, next.inputs).replaces, [
      "baseAmiId",
    ]);
    // The engine's order for deleteBeforeReplace: false — create the replacement, then delete the old resource.
    const replacement = await provider.create((await check({}, news({ retainOnDelete: false }))).inputs as never);
    await provider.delete(old.id, old.outs);
    const ec2 = clients.ec2(REGION);
    const { Images = [] } = await ec2.send(new DescribeImagesCommand({ Owners: ["self"] }));
    assert.deepEqual(
      Images.map((i) => i.ImageId),
      [replacement.id],
    );
    const { Parameter } = await clients
      .ssm(REGION)
      .send(new GetParameterCommand({ Name: "/lab/images/bake-ml/x86_64" }));
    assert.equal(Parameter?.Value, replacement.id);
  });

  it("read drops a deregistered image from state and keeps an existing one", async () => {
    const { id, outs } = await build();
    assert.equal((await provider.read(id, outs)).id, id);
    await clients.ec2(REGION).send(new DeregisterImageCommand({ ImageId: id }));
    assert.equal((await provider.read(id, outs)).id, "");
  });

  it("update publishes to a new parameter (removing the old one that still names the image) and copies to a newly listed region", async () => {
    const { id, outs, inputs } = await build();
    const next = await check(
      inputs,
      news({ publish: { ssmParameter: "/lab/images/v2" }, copyToRegions: ["us-west-2"] }),
    );
    const diff = diffTemplateImage(outs as unknown as Record<string, unknown>, next.inputs);
    assert.deepEqual([diff.changes, diff.replaces], [true, []]);
    const updated = (await provider.update(id, outs, next.inputs as never)).outs as TemplateImageOutputs;
    assert.equal(updated.publishedParameter, "/lab/images/v2");
    assert.match(updated.amiIds["us-west-2"], /^ami-/);
    const ssm = clients.ssm(REGION);
    assert.equal((await ssm.send(new GetParameterCommand({ Name: "/lab/images/v2" }))).Parameter?.Value, id);
    await assert.rejects(
      ssm.send(new GetParameterCommand({ Name: "/lab/images/bake-ml/x86_64" })),
      /ParameterNotFound/,
    );
  });

  it("against moto (which lacks the call) deregistration protection is a warning naming the endpoint, not a failure", async () => {
    const { outs } = await build({ deregistrationProtection: true });
    assert.equal(outs.warnings.length, 1);
    assert.match(outs.warnings[0], /deregistration protection of ami-\S+ in us-east-1 not enabled: the endpoint http/);
  });

  describe("deregistration protection (aws-sdk-client-mock on EC2: moto lacks the calls)", () => {
    /** The protection pair scripted with aws-sdk-client-mock; every other EC2 call the build makes passes through to moto. */
    function protectionMock(options: { enable?: Error } = {}) {
      const ec2 = clients.ec2(REGION) as EC2Client;
      const realSend = ec2.send.bind(ec2) as (command: unknown) => Promise<unknown>;
      const calls: string[] = [];
      const mock = mockClient(ec2);
      mock.on(EnableImageDeregistrationProtectionCommand).callsFake(async (input: { ImageId: string }) => {
        calls.push(`enable ${input.ImageId}`);
        if (options.enable) throw options.enable;
        return {};
      });
      mock.on(DisableImageDeregistrationProtectionCommand).callsFake(async (input: { ImageId: string }) => {
        calls.push(`disable ${input.ImageId}`);
        return {};
      });
      const passThrough = [
        DescribeImagesCommand,
        DescribeInstancesCommand,
        RunInstancesCommand,
        StopInstancesCommand,
        CreateImageCommand,
        CreateTagsCommand,
        TerminateInstancesCommand,
        DescribeSnapshotsCommand,
        DeleteSnapshotCommand,
        DeregisterImageCommand,
      ];
      for (const Command of passThrough) {
        mock.on(Command as never).callsFake(async (input: { ImageId?: string }) => {
          if (Command === DeregisterImageCommand) calls.push(`deregister ${input.ImageId}`);
          return realSend(new (Command as new (i: object) => unknown)(input));
        });
      }
      return { calls, restore: () => mock.restore() };
    }

    it("create protects the built image, and delete with retainOnDelete: false turns protection off before deregistering", async () => {
      const mock = protectionMock();
      try {
        const { id, outs } = await build({ deregistrationProtection: true, retainOnDelete: false });
        assert.deepEqual(outs.warnings, []);
        await provider.delete(id, outs);
        assert.deepEqual(mock.calls, [`enable ${id}`, `disable ${id}`, `deregister ${id}`]);
      } finally {
        mock.restore();
      }
    });

    it("a real protection failure (access denied) fails create, saying the image is built and kept (the next up reuses it)", async () => {
      const denied = Object.assign(new Error("not authorized to perform ec2:EnableImageDeregistrationProtection"), {
        name: "UnauthorizedOperation",
      });
      const mock = protectionMock({ enable: denied });
      try {
        await assert.rejects(build({ deregistrationProtection: true }), (error: Error) => {
          assert.match(error.message, /enable deregistration protection/);
          assert.match(error.message, /ami-\S+ in us-east-1 is built and kept/);
          return true;
        });
      } finally {
        mock.restore();
      }
    });
  });

  describe("publish.catalog (src/catalog/write.ts publishToCatalog)", () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-ti-catalog-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("writes a beta entry for the built image, owner and region from AWS, a new version per build", async () => {
      fs.writeFileSync(path.join(dir, "cloudworkstation-catalog.yml"), "name: lab\nrequire_signatures: false\n");
      const { id, outs } = await build({
        publish: { catalog: { directory: dir, creator: "ml@lab.example" } },
      });
      assert.ok(outs.catalogEntry);
      const entry = parse(fs.readFileSync(outs.catalogEntry as string, "utf8"));
      assert.equal(entry.template, "bake-ml");
      assert.match(entry.version, /^1\.0\.0-build\.\d{14}$/);
      assert.deepEqual(entry.channels, ["beta"]);
      assert.deepEqual(entry.regions, { [REGION]: id });
      assert.equal(entry.owner_account, "123456789012");
      assert.equal(
        defaultCatalogVersion(loadTemplateFromObject(TEMPLATE).template, new Date("2026-11-29T23:01:02Z")),
        "1.0.0-build.20261129230102",
      );
    });

    it("a directory that is no catalog fails create before anything is launched, naming publish.catalog.directory", async () => {
      await assert.rejects(
        build({ publish: { catalog: { directory: dir, creator: "ml@lab.example" } } }),
        /publish\.catalog\.directory: .* has no cloudworkstation-catalog\.yml/,
      );
      const { Images = [] } = await clients.ec2(REGION).send(new DescribeImagesCommand({ Owners: ["self"] }));
      assert.deepEqual(Images, []);
    });
  });
});
