import assert from "node:assert/strict";
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { IAMClient, ListInstanceProfilesCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import {
  GetCommandInvocationCommand,
  GetParameterCommand,
  GetParametersCommand,
  PutParameterCommand,
  SendCommandCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { startMoto, TEST_CREDENTIALS, type MotoServer } from "../../harness/moto";
import {
  FIXTURE_BASE_IMAGES,
  publishBaseParameters,
  publishPublicParameter,
  TEST_ACCOUNT_ID,
} from "../../harness/seed";
import { buildImageName, buildTemplateImage, ImagingError, planBuild, type BuildClients } from "../../src/imaging";
import { resolveAmi } from "../../src/resolver/engine";
import { IMAGE_TAGS } from "../../src/core/image-tags";
import { baseImageSource } from "../../src/resolver/base-images";
import { templateHash } from "../../src/templates/hash";
import { template } from "../resolver/support";
import { noSleep } from "./helpers";

const REGION = "us-east-1";
const UBUNTU_PARAMETER = baseImageSource("ubuntu-24.04", "x86_64").ssmParameter as string;
const BAKED = template({
  name: "bake-test",
  version: "1.2.0",
  base: "ubuntu-24.04",
  packages: { system: ["htop", "git"] },
  ami_config: { ssm_parameter: "/lab/images/bake-test/x86_64", trusted_owners: [TEST_ACCOUNT_ID, "099720109477"] },
});

function tagsOf(resource: { Tags?: { Key?: string; Value?: string }[] } | undefined): Record<string, string> {
  return Object.fromEntries((resource?.Tags ?? []).map((t) => [t.Key as string, t.Value as string]));
}

async function builders(ec2: EC2Client) {
  const { Reservations = [] } = await ec2.send(
    new DescribeInstancesCommand({ Filters: [{ Name: `tag:${IMAGE_TAGS.builder}`, Values: ["true"] }] }),
  );
  return Reservations.flatMap((r) => r.Instances ?? []);
}

async function ownImages(ec2: EC2Client) {
  const { Images = [] } = await ec2.send(new DescribeImagesCommand({ Owners: ["self"] }));
  return Images;
}

/**
 * Replaces Run Command on one SSM client with scripted answers (aws-sdk-client-mock) and passes every other SSM call
 * through to moto, so the base parameter and the published parameter stay real.
 */
function scriptRunCommand(
  ssm: SSMClient,
  invocations: () => { Status: string; StandardOutputContent?: string; StandardErrorContent?: string },
) {
  const realSend = ssm.send.bind(ssm) as (command: unknown) => Promise<unknown>;
  const mock = mockClient(ssm);
  mock.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-0123456789" } });
  mock.on(GetCommandInvocationCommand).callsFake(async () => invocations());
  for (const Command of [GetParameterCommand, GetParametersCommand, PutParameterCommand]) {
    mock
      .on(Command as never)
      .callsFake(async (input: object) => realSend(new (Command as new (i: object) => unknown)(input)));
  }
  return mock;
}

describe("baking a template image (buildTemplateImage) against moto, which runs no user data: there Run Command reports Success", () => {
  let moto: MotoServer;
  let clients: BuildClients;
  let iam: IAMClient;

  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    iam = new IAMClient({ region: "us-east-1", endpoint: moto.endpoint, credentials: TEST_CREDENTIALS });
    clients = { ...moto.clients(), iam: () => iam };
    await publishBaseParameters(clients.ssm(REGION), ["ubuntu-24.04"]);
  });

  async function leftovers() {
    const { Roles = [] } = await iam.send(new ListRolesCommand({}));
    const { InstanceProfiles = [] } = await iam.send(new ListInstanceProfilesCommand({}));
    return {
      running: (await builders(clients.ec2(REGION)))
        .filter((i) => i.State?.Name !== "terminated")
        .map((i) => i.InstanceId),
      roles: Roles.map((r) => r.RoleName).filter((n) => n?.startsWith("cws-builder")),
      profiles: InstanceProfiles.map((p) => p.InstanceProfileName).filter((n) => n?.startsWith("cws-builder")),
    };
  }

  it("plans the build on the distribution's current image with the script path's user data, changing nothing", async () => {
    const plan = await planBuild(BAKED, { region: REGION }, clients);
    assert.equal(plan.baseAmiId, FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64);
    assert.equal(plan.baseParameter, UBUNTU_PARAMETER);
    assert.equal(plan.templateHash, templateHash(BAKED));
    assert.match(plan.userData, /htop/);
    assert.deepEqual(await ownImages(clients.ec2(REGION)), []);
    assert.deepEqual((await builders(clients.ec2(REGION))).length, 0);
  });

  it("builds: launches one builder from the base with the rendered user data, images it with every tag, terminates it, removes its instance profile and publishes the parameter", async () => {
    const ec2 = clients.ec2(REGION);
    const date = new Date("2026-11-29T23:15:00Z");
    const result = await buildTemplateImage(
      BAKED,
      { region: REGION, publishSsmParameter: "/lab/images/bake-test/x86_64", sleep: noSleep, date: () => date },
      clients,
    );
    assert.equal(result.reused, false);
    assert.equal(result.baseAmiId, FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64);
    assert.equal(result.imageName, buildImageName("bake-test", "x86_64", date));
    const [image] = (await ec2.send(new DescribeImagesCommand({ ImageIds: [result.amiId] }))).Images ?? [];
    const tags = tagsOf(image);
    assert.equal(tags[IMAGE_TAGS.kind], "built");
    assert.equal(tags[IMAGE_TAGS.template], "bake-test");
    assert.equal(tags[IMAGE_TAGS.templateVersion], "1.2.0");
    assert.equal(tags[IMAGE_TAGS.templateHash], templateHash(BAKED));
    assert.equal(tags[IMAGE_TAGS.baseAmi], result.baseAmiId);
    assert.equal(tags[IMAGE_TAGS.baseParameter], UBUNTU_PARAMETER);
    assert.equal(tags[IMAGE_TAGS.built], date.toISOString());
    assert.equal(tags["cloudworkstation:managed"], "true");
    const { Snapshots = [] } = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: result.snapshotIds }));
    assert.ok(Snapshots.length >= 1);
    for (const snapshot of Snapshots) assert.equal(tagsOf(snapshot)[IMAGE_TAGS.templateHash], templateHash(BAKED));

    const [builder] = await builders(ec2);
    assert.equal(builder.State?.Name, "terminated");
    assert.equal(builder.ImageId, result.baseAmiId);
    assert.equal(builder.MetadataOptions?.HttpTokens, "required");
    assert.ok(result.steps.some((s) => /^create instance profile cws-builder-bake-test-\w+/.test(s)));
    assert.deepEqual(await leftovers(), { running: [], roles: [], profiles: [] });

    const parameter = await clients.ssm(REGION).send(new GetParameterCommand({ Name: "/lab/images/bake-test/x86_64" }));
    assert.equal(parameter.Parameter?.Value, result.amiId);
    assert.equal(parameter.Parameter?.DataType, "aws:ec2:image");
    assert.ok(result.steps.some((s) => s.startsWith("wait for provisioning")));
  });

  it("a template that resolves through the published parameter launches the baked image", async () => {
    const built = await buildTemplateImage(
      BAKED,
      { region: REGION, publishSsmParameter: "/lab/images/bake-test/x86_64", sleep: noSleep },
      clients,
    );
    const resolution = await resolveAmi(BAKED, { region: REGION }, clients);
    assert.equal(resolution.method, "ssm_parameter");
    assert.equal(resolution.amiId, built.amiId);
  });

  it("reuses an image built from the same template hash and base AMI, and builds again with force", async () => {
    const first = await buildTemplateImage(BAKED, { region: REGION, sleep: noSleep }, clients);
    const second = await buildTemplateImage(BAKED, { region: REGION, sleep: noSleep }, clients);
    assert.equal(second.reused, true);
    assert.equal(second.amiId, first.amiId);
    assert.equal((await builders(clients.ec2(REGION))).length, 1, "no second builder for a reused image");
    const forced = await buildTemplateImage(BAKED, { region: REGION, sleep: noSleep, force: true }, clients);
    assert.equal(forced.reused, false);
    assert.notEqual(forced.amiId, first.amiId);
  });

  it("does not reuse across a new base image or a changed template: the distribution's parameter moved, so the build starts over", async () => {
    const first = await buildTemplateImage(BAKED, { region: REGION, sleep: noSleep }, clients);
    // The distribution published a new image: point the parameter at another Canonical image of the fixture.
    const newer = FIXTURE_BASE_IMAGES["ubuntu-22.04"].x86_64;
    await publishPublicParameter(clients.ssm(REGION), UBUNTU_PARAMETER, newer);
    const plan = await planBuild(BAKED, { region: REGION }, clients);
    assert.equal(plan.baseAmiId, newer);
    const rebuilt = await buildTemplateImage(BAKED, { region: REGION, sleep: noSleep }, clients);
    assert.equal(rebuilt.reused, false);
    assert.equal(rebuilt.baseAmiId, newer);
    assert.notEqual(rebuilt.amiId, first.amiId);

    const changed = template({ ...BAKED, packages: { system: ["htop", "git", "tmux"] } });
    const third = await buildTemplateImage(changed, { region: REGION, sleep: noSleep }, clients);
    assert.equal(third.reused, false);
    assert.notEqual(third.templateHash, rebuilt.templateHash);
  });

  it("copies the built image to other regions and reports each id", async () => {
    const result = await buildTemplateImage(
      BAKED,
      { region: REGION, copyToRegions: ["us-west-2"], sleep: noSleep },
      clients,
    );
    assert.deepEqual(Object.keys(result.amiIds).sort(), [REGION, "us-west-2"]);
    const [copy] =
      (await clients.ec2("us-west-2").send(new DescribeImagesCommand({ ImageIds: [result.amiIds["us-west-2"]] })))
        .Images ?? [];
    assert.equal(copy?.State, "available");
  });

  it("a failed provisioning script (Run Command answered by aws-sdk-client-mock) fails with the tail of its output; the builder is terminated, the profile removed, no image made", async () => {
    const mock = scriptRunCommand(clients.ssm(REGION), () => ({
      Status: "Failed",
      StandardOutputContent: "cloudworkstation: provisioning did not finish (cloud-init exit 1)",
      StandardErrorContent: "E: Unable to locate package nosuchpkg",
    }));
    try {
      const error = await buildTemplateImage(BAKED, { region: REGION, sleep: noSleep }, clients).catch(
        (e: unknown) => e,
      );
      assert.ok(error instanceof ImagingError, String(error));
      assert.equal(error.step, "wait for provisioning");
      assert.match(error.message, /provisioning script Failed/);
      assert.match(error.message, /Unable to locate package nosuchpkg/);
      assert.match(error.message, /builder i-[0-9a-f]+ terminated/);
      assert.match(error.message, /instance profile and role cws-builder-bake-test-\w+ removed/);
    } finally {
      mock.restore();
    }
    assert.deepEqual(await leftovers(), { running: [], roles: [], profiles: [] });
    assert.deepEqual(await ownImages(clients.ec2(REGION)), []);
  });

  it("provisioning still running at the timeout (aws-sdk-client-mock) fails naming the command still in progress, and cleans up", async () => {
    let clock = 0;
    const mock = scriptRunCommand(clients.ssm(REGION), () => ({
      Status: "InProgress",
      StandardOutputContent: "Setting up r-base (4.4.1) ...",
    }));
    try {
      const error = await buildTemplateImage(
        BAKED,
        {
          region: REGION,
          timeoutMs: 20 * 60_000,
          now: () => clock,
          sleep: async (ms) => {
            clock += ms;
          },
        },
        clients,
      ).catch((e: unknown) => e);
      assert.ok(error instanceof ImagingError, String(error));
      assert.equal(error.step, "wait for provisioning");
      assert.match(error.message, /did not finish within 20 min/);
      assert.match(error.message, /Run Command cmd-0123456789 was still InProgress/);
      assert.match(error.message, /Setting up r-base/);
    } finally {
      mock.restore();
    }
    assert.deepEqual(await leftovers(), { running: [], roles: [], profiles: [] });
    assert.deepEqual(await ownImages(clients.ec2(REGION)), []);
  });

  it("aborted while provisioning (a Ctrl-C) terminates the builder and removes the profile, leaving no image", async () => {
    const interrupt = new AbortController();
    const error = await buildTemplateImage(
      BAKED,
      {
        region: REGION,
        sleep: noSleep,
        signal: interrupt.signal,
        onProgress: (step) => {
          if (step.startsWith("wait for provisioning")) interrupt.abort();
        },
      },
      clients,
    ).catch((e: unknown) => e);
    assert.ok(error instanceof ImagingError, String(error));
    assert.match(error.message, /interrupted/);
    assert.deepEqual(await leftovers(), { running: [], roles: [], profiles: [] });
    assert.deepEqual(await ownImages(clients.ec2(REGION)), []);
  });

  it("uses a given instance profile as it is and never deletes it", async () => {
    const error = await buildTemplateImage(
      BAKED,
      { region: REGION, sleep: noSleep, instanceProfileName: "lab-builders" },
      clients,
    ).catch((e: unknown) => e);
    // moto checks the profile exists at launch: a missing one fails the launch, and nothing of ours is left.
    assert.ok(error instanceof ImagingError, String(error));
    assert.equal(error.step, "launch builder");
    assert.doesNotMatch(error.message, /instance profile and role/);
    assert.deepEqual(await leftovers(), { running: [], roles: [], profiles: [] });
  });
});
