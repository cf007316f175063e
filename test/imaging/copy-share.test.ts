import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
} from "@aws-sdk/client-ec2";
import { stringify } from "yaml";
import { resolveAmi } from "../../src/resolver";
import { InvalidInputError } from "../../src/core/errors";
import {
  addMapping,
  captureImage,
  copyImage,
  ImagingError,
  launchPermissionsFor,
  renderSavedTemplateYaml,
  shareImage,
} from "../../src/imaging";
import { loadTemplate } from "../../src/templates";
import { useMotoBehindFaultProxy } from "../../harness/fault-proxy";
import { newSnapshots, noSleep, runInstance, snapshotIds } from "./helpers";

const SOURCE = "us-east-1";
const ORG_ARN = "arn:aws:organizations::111122223333:organization/o-abcdef1234";
const OU_ARN = "arn:aws:organizations::111122223333:ou/o-abcdef1234/ou-ab12-cdef3456";

describe("copying and sharing a saved image", () => {
  const emulator = useMotoBehindFaultProxy({ resetEachTest: true });

  async function capture(arch: "x86_64" | "arm64" = "x86_64") {
    const ec2 = emulator.moto.clients().ec2(SOURCE);
    const instanceId = await runInstance(ec2, arch === "arm64" ? "ami-00c41000000000003" : "ami-00c41000000000001");
    return {
      instanceId,
      ...(await captureImage(ec2, {
        instanceId,
        region: SOURCE,
        templateName: "lab-env",
        tags: { Team: "bio" },
        sleep: noSleep,
      })),
    };
  }

  it("copies to each region with the source's tags and the requested launch permissions, image and snapshots", async () => {
    const source = await capture();
    const clients = emulator.moto.clients();
    for (const targetRegion of ["eu-west-1", "ap-south-1"]) {
      const copy = await copyImage(clients, {
        sourceAmiId: source.amiId,
        sourceRegion: SOURCE,
        targetRegion,
        tags: { Stage: "prod" },
        sharing: { accountIds: ["210987654321"], organizationArns: [ORG_ARN], organizationalUnitArns: [OU_ARN] },
        sleep: noSleep,
      });
      const ec2 = clients.ec2(targetRegion);
      const { Images = [] } = await ec2.send(new DescribeImagesCommand({ ImageIds: [copy.amiId] }));
      assert.equal(Images[0].State, "available");
      const tags = Object.fromEntries((Images[0].Tags ?? []).map((t) => [t.Key, t.Value]));
      assert.equal(tags["cloudworkstation:template"], "lab-env", "source tags are copied");
      assert.equal(tags.Team, "bio");
      assert.equal(tags.Stage, "prod");
      assert.equal(tags["cloudworkstation:copied-from"], `${SOURCE}/${source.amiId}`);
      const { LaunchPermissions = [] } = await ec2.send(
        new DescribeImageAttributeCommand({ ImageId: copy.amiId, Attribute: "launchPermission" }),
      );
      assert.deepEqual(
        LaunchPermissions.map((p) => p.UserId ?? p.OrganizationArn ?? p.OrganizationalUnitArn ?? p.Group).sort(),
        ["210987654321", ORG_ARN, OU_ARN].sort(),
      );
      assert.ok(copy.snapshotIds.length >= 1);
      const { Snapshots = [] } = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: copy.snapshotIds }));
      assert.ok(
        Snapshots.every((s) =>
          (s.Tags ?? []).some((t) => t.Key === "cloudworkstation:template" && t.Value === "lab-env"),
        ),
      );
      const volumePermission = await ec2.send(
        new DescribeSnapshotAttributeCommand({ SnapshotId: copy.snapshotIds[0], Attribute: "createVolumePermission" }),
      );
      assert.deepEqual(
        volumePermission.CreateVolumePermissions?.map((p) => p.UserId),
        ["210987654321"],
      );
    }
  });

  it("shares publicly only when public is exactly true", async () => {
    assert.deepEqual(launchPermissionsFor({ public: false }), []);
    assert.deepEqual(launchPermissionsFor({ public: "yes" as unknown as boolean }), []);
    const source = await capture();
    const ec2 = emulator.moto.clients().ec2(SOURCE);
    await shareImage(ec2, source.amiId, { public: true });
    const { LaunchPermissions = [] } = await ec2.send(
      new DescribeImageAttributeCommand({ ImageId: source.amiId, Attribute: "launchPermission" }),
    );
    assert.deepEqual(LaunchPermissions, [{ Group: "all" }]);
    await shareImage(ec2, source.amiId, { public: true }, { operation: "remove" });
    const after = await ec2.send(
      new DescribeImageAttributeCommand({ ImageId: source.amiId, Attribute: "launchPermission" }),
    );
    assert.deepEqual(after.LaunchPermissions ?? [], []);
  });

  it("rejects a malformed account id or organization ARN before calling AWS", async () => {
    emulator.proxy.clear();
    const ec2 = emulator.proxy.clients().ec2(SOURCE);
    await assert.rejects(
      shareImage(ec2, "ami-00c41000000000001", { accountIds: ["12345"] }),
      (e: unknown) => e instanceof InvalidInputError && /sharing.accountIds/.test(e.message),
    );
    await assert.rejects(
      shareImage(ec2, "ami-00c41000000000001", { organizationArns: ["o-abc"] }),
      /not an organization ARN/,
    );
    assert.deepEqual(emulator.proxy.actions, []);
  });

  it("deregisters a copy that became unreadable while waiting and deletes its snapshots, naming the step (fault proxy)", async () => {
    const source = await capture();
    const target = emulator.proxy.clients().ec2("eu-west-1");
    const baseline = await snapshotIds(target);
    emulator.proxy.clear();
    // DescribeImages #1 is the source lookup (us-east-1), #2 the first poll of the copy.
    emulator.proxy.fail({ action: "DescribeImages", nth: 2 });
    const error = await copyImage(emulator.proxy.clients(), {
      sourceAmiId: source.amiId,
      sourceRegion: SOURCE,
      targetRegion: "eu-west-1",
      sleep: noSleep,
    }).catch((e: unknown) => e);
    assert.ok(error instanceof ImagingError, String(error));
    assert.match(
      error.message,
      /^wait for copy available \(us-east-1 → eu-west-1\) failed .*undone: deregistered ami-[0-9a-f]+ and deleted snap-[0-9a-f]+ in eu-west-1/,
    );
    const { Images = [] } = await target.send(new DescribeImagesCommand({ Owners: ["self"] }));
    assert.deepEqual(
      Images.map((i) => i.ImageId),
      [],
    );
    assert.deepEqual(await newSnapshots(target, baseline), []);
  });

  it("refuses to copy an image that does not exist, as an input error", async () => {
    await assert.rejects(
      copyImage(emulator.moto.clients(), {
        sourceAmiId: "ami-0000000000000dead",
        sourceRegion: SOURCE,
        targetRegion: "eu-west-1",
        sleep: noSleep,
      }),
      (e: unknown) => e instanceof InvalidInputError && /not found in us-east-1/.test(e.message),
    );
  });

  it("writes a template that loads through the loader and resolves to the saved AMI in every copied region", async () => {
    const source = await capture("arm64");
    assert.equal(source.architecture, "arm64");
    let mappings = addMapping({}, SOURCE, source.architecture, source.amiId);
    const copies: Record<string, string> = { [SOURCE]: source.amiId };
    for (const region of ["eu-west-1", "ap-south-1"]) {
      const copy = await copyImage(emulator.moto.clients(), {
        sourceAmiId: source.amiId,
        sourceRegion: SOURCE,
        targetRegion: region,
        sleep: noSleep,
      });
      assert.equal(copy.architecture, "arm64");
      mappings = addMapping(mappings, region, copy.architecture, copy.amiId);
      copies[region] = copy.amiId;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-saved-"));
    fs.writeFileSync(
      path.join(dir, "lab-base.yml"),
      stringify({ name: "lab-base", base: "ubuntu-24.04", packages: { system: ["git"] } }),
    );
    fs.writeFileSync(
      path.join(dir, "lab-env.yml"),
      renderSavedTemplateYaml({
        templateName: "lab-env",
        baseTemplate: "lab-base",
        amiMappings: mappings,
        ownerId: source.ownerId,
        architecture: "arm64",
        sourceInstanceId: source.instanceId,
        createdAt: new Date(),
      }),
    );
    const { template } = loadTemplate("lab-env", { templatesDirs: [dir] });
    assert.deepEqual(template.ami_config?.trusted_owners, ["123456789012"]);
    assert.deepEqual(template.packages?.system, ["git"], "inherits the base template");
    for (const [region, amiId] of Object.entries(copies)) {
      const result = await resolveAmi(template, { region, architecture: "arm64" }, emulator.moto.clients());
      assert.equal(result.method, "direct_mapping", `${region}: ${JSON.stringify(result.fallbackChain)}`);
      assert.equal(result.amiId, amiId);
    }
    const elsewhere = await resolveAmi(
      template,
      { region: "us-west-2", architecture: "arm64" },
      emulator.moto.clients(),
    );
    assert.notEqual(elsewhere.method, "direct_mapping");
  });
});
