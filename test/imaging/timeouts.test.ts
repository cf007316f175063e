import assert from "node:assert/strict";
import {
  CopyImageCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { copyImage, ImagingError, waitFor, WaitTimeoutError } from "../../src/imaging";
import type { AwsClients } from "../../src/core/clients";

/** A fake clock: sleeping advances it, so a 45-minute wait takes no real time. */
function fakeClock() {
  let now = 0;
  const slept: number[] = [];
  return { now: () => now, sleep: async (ms: number) => void (slept.push(ms), (now += ms)), slept };
}

describe("bounded waits", () => {
  it("gives up after the timeout with the last state, having polled on the injected clock", async () => {
    const clock = fakeClock();
    let polls = 0;
    const progress: number[] = [];
    await assert.rejects(
      waitFor("wait for thing", async () => (polls++, { done: false, state: "pending" }), {
        timeoutMs: 60_000,
        intervalMs: 15_000,
        ...clock,
        onProgress: (_s, ms) => progress.push(ms),
      }),
      (e: unknown) =>
        e instanceof WaitTimeoutError && /still not done after 60 s \(last state: pending\)/.test(e.message),
    );
    assert.equal(polls, 5);
    assert.deepEqual(progress, [0, 15_000, 30_000, 45_000, 60_000]);
    assert.ok(clock.now() <= 60_000);
  });

  it("returns as soon as the poll says done", async () => {
    const clock = fakeClock();
    let polls = 0;
    const value = await waitFor("w", async () => (++polls === 3 ? { done: true, value: "ok" } : { done: false }), {
      timeoutMs: 600_000,
      intervalMs: 1_000,
      ...clock,
    });
    assert.equal(value, "ok");
    assert.equal(polls, 3);
  });
});

describe("a copy that stays pending (aws-sdk-client-mock: moto copies are available at once)", () => {
  it("times out after the configured time, then deregisters the copy and deletes its snapshots", async () => {
    const source = new EC2Client({ region: "us-east-1" });
    const target = new EC2Client({ region: "eu-west-1" });
    const sourceMock = mockClient(source);
    const targetMock = mockClient(target);
    try {
      sourceMock.on(DescribeImagesCommand).resolves({
        Images: [{ ImageId: "ami-0123456789abcdef0", State: "available", Name: "lab", Architecture: "x86_64" }],
      });
      targetMock.on(CopyImageCommand).resolves({ ImageId: "ami-0fedcba9876543210" });
      targetMock.on(DescribeImagesCommand).resolves({
        Images: [
          {
            ImageId: "ami-0fedcba9876543210",
            State: "pending",
            BlockDeviceMappings: [{ DeviceName: "/dev/sda1", Ebs: { SnapshotId: "snap-0aaaaaaaaaaaaaaaa" } }],
          },
        ],
      });
      targetMock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
      targetMock.on(DeregisterImageCommand).resolves({});
      targetMock.on(DeleteSnapshotCommand).resolves({});
      const clients: AwsClients = {
        ec2: (region) => (region === "us-east-1" ? source : target),
        ssm: () => assert.fail("no SSM"),
      };
      const clock = fakeClock();
      const error = await copyImage(clients, {
        sourceAmiId: "ami-0123456789abcdef0",
        sourceRegion: "us-east-1",
        targetRegion: "eu-west-1",
        timeoutMs: 20 * 60_000,
        ...clock,
      }).catch((e: unknown) => e);
      assert.ok(error instanceof ImagingError, String(error));
      assert.match(error.message, /still not done after 1200 s \(last state: pending\)/);
      assert.match(
        error.message,
        /undone: deregistered ami-0fedcba9876543210 and deleted snap-0aaaaaaaaaaaaaaaa in eu-west-1/,
      );
      assert.ok(clock.now() <= 20 * 60_000 && clock.now() >= 15 * 60_000, `waited ${clock.now()} ms on the fake clock`);
      assert.equal(targetMock.commandCalls(DeregisterImageCommand).length, 1);
      assert.deepEqual(
        targetMock.commandCalls(DeleteSnapshotCommand).map((c) => c.args[0].input.SnapshotId),
        ["snap-0aaaaaaaaaaaaaaaa"],
      );
      // The copy is tagged with its provenance as soon as CopyImage answers (so a crash mid-wait leaves a copy that is
      // recognisably ours), its snapshots only once it is available: an abandoned copy's snapshots get no tags.
      assert.deepEqual(
        targetMock.commandCalls(CreateTagsCommand).map((c) => c.args[0].input.Resources),
        [["ami-0fedcba9876543210"]],
      );
      // Same inputs → same ClientToken, so a retried run picks up the same copy rather than starting another.
      assert.match(targetMock.commandCalls(CopyImageCommand)[0].args[0].input.ClientToken ?? "", /^cws-[0-9a-f]{48}$/);
    } finally {
      sourceMock.restore();
      targetMock.restore();
    }
  });

  it("defaults to the one copy timeout of 60 minutes (AmiResolution's 3600 s and the former 45 min of imaging, unified)", async () => {
    const source = new EC2Client({ region: "us-east-1" });
    const target = new EC2Client({ region: "eu-west-1" });
    const sourceMock = mockClient(source);
    const targetMock = mockClient(target);
    try {
      sourceMock
        .on(DescribeImagesCommand)
        .resolves({ Images: [{ ImageId: "ami-0123456789abcdef0", State: "available" }] });
      targetMock.on(CopyImageCommand).resolves({ ImageId: "ami-0fedcba9876543210" });
      targetMock
        .on(DescribeImagesCommand)
        .resolves({ Images: [{ ImageId: "ami-0fedcba9876543210", State: "pending" }] });
      targetMock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
      targetMock.on(DeregisterImageCommand).resolves({});
      const clock = fakeClock();
      const clients: AwsClients = {
        ec2: (region) => (region === "us-east-1" ? source : target),
        ssm: () => assert.fail("no SSM"),
      };
      await assert.rejects(
        copyImage(clients, {
          sourceAmiId: "ami-0123456789abcdef0",
          sourceRegion: "us-east-1",
          targetRegion: "eu-west-1",
          ...clock,
        }),
        /after 3600 s/,
      );
    } finally {
      sourceMock.restore();
      targetMock.restore();
    }
  });
});
