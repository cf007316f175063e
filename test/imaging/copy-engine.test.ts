import assert from "node:assert/strict";
import { CreateTagsCommand, DescribeImagesCommand } from "@aws-sdk/client-ec2";
import {
  captureImage,
  COPY_SOURCE_TAG,
  copyClientToken,
  copyImage,
  copySourceOf,
  findCopies,
  ImagingError,
  isCopyOf,
  LEGACY_COPY_SOURCE_TAG,
  startCopy,
  waitForCopy,
} from "../../src/imaging";
import { useMotoBehindFaultProxy } from "../../harness/fault-proxy";
import { newSnapshots, noSleep, ownImages, runInstance, snapshotIds } from "./helpers";

const SOURCE = "us-east-1";
const TARGET = "eu-west-1";

describe("the one copy engine", () => {
  const emulator = useMotoBehindFaultProxy({ resetEachTest: true });

  async function capture(): Promise<string> {
    const ec2 = emulator.moto.clients().ec2(SOURCE);
    const instanceId = await runInstance(ec2);
    return (await captureImage(ec2, { instanceId, region: SOURCE, templateName: "lab-env", sleep: noSleep })).amiId;
  }

  it("carries on with the copy AWS made when CopyImage's response was lost, leaving exactly one copy (fault proxy)", async () => {
    const source = await capture();
    emulator.proxy.clear();
    emulator.proxy.fail({ action: "CopyImage", when: "after" });
    const copy = await copyImage(emulator.proxy.clients(), {
      sourceAmiId: source,
      sourceRegion: SOURCE,
      targetRegion: TARGET,
      sleep: noSleep,
    });
    const target = emulator.moto.clients().ec2(TARGET);
    assert.deepEqual(
      (await ownImages(target)).map((i) => i.ImageId),
      [copy.amiId],
    );
    assert.equal(copy.tags[COPY_SOURCE_TAG], `${SOURCE}/${source}`);
  });

  it("removes the copy a lost CopyImage made when the wait then fails, and says so (fault proxy)", async () => {
    const source = await capture();
    const target = emulator.moto.clients().ec2(TARGET);
    const baseline = await snapshotIds(target);
    emulator.proxy.clear();
    emulator.proxy.fail({ action: "CopyImage", when: "after" });
    // DescribeImages #1: the source; #2: the copy found by name; #3: the first poll of the copy.
    emulator.proxy.fail({ action: "DescribeImages", nth: 3, always: true, code: "InternalError", status: 500 });
    const error = await copyImage(emulator.proxy.clients(), {
      sourceAmiId: source,
      sourceRegion: SOURCE,
      targetRegion: TARGET,
      sleep: noSleep,
    }).catch((e: unknown) => e);
    emulator.proxy.clear();
    assert.ok(error instanceof ImagingError, String(error));
    assert.doesNotMatch(error.message, /nothing needed undoing/);
    assert.match(error.message, /found by name after CopyImage's answer was lost/);
    assert.match(error.message, /undone: .*deregistered ami-[0-9a-f]+ .*in eu-west-1/);
    assert.deepEqual(await ownImages(target), []);
    assert.deepEqual(await newSnapshots(target, baseline), []);
  });

  it("says how to find the copy when CopyImage's response was lost and the lookup by name fails too (fault proxy)", async () => {
    const source = await capture();
    emulator.proxy.clear();
    emulator.proxy.fail({ action: "CopyImage", when: "after" });
    emulator.proxy.fail({ action: "DescribeImages", nth: 2, always: true, code: "InternalError", status: 500 });
    const error = await copyImage(emulator.proxy.clients(), {
      sourceAmiId: source,
      sourceRegion: SOURCE,
      targetRegion: TARGET,
      sleep: noSleep,
    }).catch((e: unknown) => e);
    assert.ok(error instanceof ImagingError, String(error));
    assert.match(
      error.message,
      /NOT undone: the CopyImage response was lost .*aws ec2 describe-images --region eu-west-1 --owners self --filters Name=name,Values=/,
    );
  });

  it("deregisters a copy and deletes its snapshot when every DescribeImages of the wait fails (fault proxy)", async () => {
    const source = await capture();
    const target = emulator.moto.clients().ec2(TARGET);
    const baseline = await snapshotIds(target);
    emulator.proxy.clear();
    emulator.proxy.fail({ action: "DescribeImages", nth: 2, always: true, code: "Unavailable", status: 503 });
    const error = await copyImage(emulator.proxy.clients(), {
      sourceAmiId: source,
      sourceRegion: SOURCE,
      targetRegion: TARGET,
      sleep: noSleep,
    }).catch((e: unknown) => e);
    emulator.proxy.clear();
    assert.ok(error instanceof ImagingError, String(error));
    assert.match(error.message, /undone: deregistered ami-[0-9a-f]+/);
    assert.deepEqual(await ownImages(target), []);
    assert.deepEqual(await newSnapshots(target, baseline), [], "its snapshot was found by description");
  });

  it("tags a started copy with its provenance at once, finds it by either provenance tag, and waits for it (the API AmiResolution uses)", async () => {
    const source = await capture();
    const clients = emulator.moto.clients();
    const target = clients.ec2(TARGET);
    const started = await startCopy(clients, {
      sourceAmiId: source,
      sourceRegion: SOURCE,
      targetRegion: TARGET,
      tokenScope: "urn:pulumi:dev::lab::cloudworkstation:index:AmiResolution::ws",
    });
    const image = await waitForCopy(target, started.amiId, { sleep: noSleep });
    assert.equal(image.State, "available");
    assert.ok(isCopyOf(image, SOURCE, source));
    assert.deepEqual(
      (await findCopies(target, { sourceRegion: SOURCE, sourceAmiId: source })).map((i) => i.ImageId),
      [started.amiId],
    );
    // A copy made by the old AmiResolution loop carries only cloudworkstation:copy-of: still recognised.
    await target.send(
      new CreateTagsCommand({
        Resources: [started.amiId],
        Tags: [{ Key: COPY_SOURCE_TAG, Value: "elsewhere" }],
      }),
    );
    await target.send(
      new CreateTagsCommand({
        Resources: [started.amiId],
        Tags: [{ Key: LEGACY_COPY_SOURCE_TAG, Value: `${SOURCE}/${source}` }],
      }),
    );
    assert.deepEqual(
      (await findCopies(target, { sourceRegion: SOURCE, sourceAmiId: source })).map((i) => i.ImageId),
      [started.amiId],
    );
    const { Images = [] } = await target.send(new DescribeImagesCommand({ ImageIds: [started.amiId] }));
    assert.deepEqual(copySourceOf(Images[0]), { region: SOURCE, amiId: source });
  });

  it("scopes the ClientToken only when asked, so existing copies keep their tokens", () => {
    const base = { sourceAmiId: "ami-0123456789abcdef0", sourceRegion: SOURCE, targetRegion: TARGET, name: "lab" };
    assert.equal(copyClientToken(base), copyClientToken({ ...base }));
    assert.notEqual(copyClientToken(base), copyClientToken({ ...base, tokenScope: "a" }));
    assert.notEqual(copyClientToken({ ...base, tokenScope: "a" }), copyClientToken({ ...base, tokenScope: "b" }));
    assert.match(copyClientToken({ ...base, tokenScope: "a" }), /^cws-[0-9a-f]{48}$/);
    assert.equal(
      copySourceOf({ Tags: [{ Key: LEGACY_COPY_SOURCE_TAG, Value: "us-east-2/ami-0abc1234" }] })?.amiId,
      "ami-0abc1234",
    );
    // An id AWS never issues (AMI ids have 8 or 17 hex digits) is not a copy source.
    assert.equal(copySourceOf({ Tags: [{ Key: LEGACY_COPY_SOURCE_TAG, Value: "us-east-2/ami-0abc" }] }), undefined);
    assert.equal(copySourceOf({ Tags: [{ Key: "Name", Value: "us-east-2/ami-0abc" }] }), undefined);
  });

  it("sends CopyImage with the deterministic token (fault proxy records it)", async () => {
    const source = await capture();
    emulator.proxy.clear();
    const started = await startCopy(emulator.proxy.clients(), {
      sourceAmiId: source,
      sourceRegion: SOURCE,
      targetRegion: TARGET,
    });
    const request = emulator.proxy.requests.find((r) => r.Action === "CopyImage");
    assert.equal(request?.ClientToken, started.clientToken);
  });
});
