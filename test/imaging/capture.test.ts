import assert from "node:assert/strict";
import { DescribeImagesCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { captureImage, ImagingError } from "../../src/imaging";
import { InvalidInputError } from "../../src/core/errors";
import { useMotoBehindFaultProxy } from "../../harness/fault-proxy";
import { instanceState, newSnapshots, noSleep, ownImages, runInstance, snapshotIds } from "./helpers";

const REGION = "us-east-1";

describe("capturing an instance as an AMI", () => {
  const emulator = useMotoBehindFaultProxy({ resetEachTest: true });

  it("stops a running instance, images it with tagged image and snapshots, and leaves it running again", async () => {
    const ec2 = emulator.moto.clients().ec2(REGION);
    const instanceId = await runInstance(ec2);
    const steps: string[] = [];
    const result = await captureImage(ec2, {
      instanceId,
      region: REGION,
      templateName: "my-env",
      tags: { Project: "genomics" },
      sleep: noSleep,
      date: () => new Date("2026-11-22T04:00:00Z"),
      onProgress: (step) => steps.push(step),
    });
    assert.equal(await instanceState(ec2, instanceId), "running");
    assert.equal(result.restarted, true);
    assert.equal(result.architecture, "x86_64");
    assert.equal(result.ownerId, "123456789012");
    assert.equal(result.imageName, "my-env-20261122-040000");
    const { Images = [] } = await ec2.send(new DescribeImagesCommand({ ImageIds: [result.amiId] }));
    const tags = Object.fromEntries((Images[0].Tags ?? []).map((t) => [t.Key, t.Value]));
    assert.equal(tags["cloudworkstation:managed"], "true");
    assert.equal(tags["cloudworkstation:template"], "my-env");
    assert.equal(tags["cloudworkstation:source-instance"], instanceId);
    assert.equal(tags["cloudworkstation:created"], "2026-11-22T04:00:00.000Z");
    assert.equal(tags.Project, "genomics");
    assert.ok(result.snapshotIds.length >= 1);
    const { Snapshots = [] } = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: result.snapshotIds }));
    for (const snapshot of Snapshots) {
      const snapTags = Object.fromEntries((snapshot.Tags ?? []).map((t) => [t.Key, t.Value]));
      assert.equal(snapTags["cloudworkstation:template"], "my-env");
      assert.equal(snapTags["cloudworkstation:managed"], "true");
    }
    assert.ok(steps.some((s) => s.startsWith("stop instance")) && steps.some((s) => s.startsWith("restart instance")));
  });

  it("interrupted while waiting for the image (a Ctrl-C), removes the unfinished image and restarts the instance", async () => {
    const ec2 = emulator.moto.clients().ec2(REGION);
    const instanceId = await runInstance(ec2);
    const before = await ownImages(ec2);
    const interrupt = new AbortController();
    const error = await captureImage(ec2, {
      instanceId,
      region: REGION,
      templateName: "interrupted",
      sleep: noSleep,
      signal: interrupt.signal,
      onProgress: (step) => {
        if (step.startsWith("create image")) interrupt.abort();
      },
    }).then(
      () => assert.fail("an interrupted capture must not succeed"),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof ImagingError, String(error));
    assert.equal(error.step, "wait for image available");
    assert.match(error.message, /interrupted/);
    assert.ok(
      error.undone.some((line) => line.includes(`${instanceId} restarted`)),
      error.message,
    );
    assert.equal(await instanceState(ec2, instanceId), "running");
    assert.deepEqual(await ownImages(ec2), before);
  });

  it("never stops or starts the instance in no-reboot mode (fault proxy records the calls)", async () => {
    const ec2 = emulator.proxy.clients().ec2(REGION);
    const instanceId = await runInstance(ec2);
    emulator.proxy.clear();
    const result = await captureImage(ec2, {
      instanceId,
      region: REGION,
      templateName: "quick",
      mode: "no-reboot",
      sleep: noSleep,
    });
    assert.equal(result.restarted, false);
    assert.ok(
      !emulator.proxy.actions.includes("StopInstances") && !emulator.proxy.actions.includes("StartInstances"),
      emulator.proxy.actions.join(","),
    );
    assert.equal(await instanceState(ec2, instanceId), "running");
  });

  it("lets EC2 reboot the instance in reboot mode (CreateImage NoReboot=false) without stopping it itself (fault proxy records the calls)", async () => {
    const ec2 = emulator.proxy.clients().ec2(REGION);
    const instanceId = await runInstance(ec2);
    emulator.proxy.clear();
    await captureImage(ec2, { instanceId, region: REGION, templateName: "rebooted", mode: "reboot", sleep: noSleep });
    const createImage = emulator.proxy.requests.find((r) => r.Action === "CreateImage");
    assert.equal(createImage?.NoReboot, "false");
    assert.ok(!emulator.proxy.actions.includes("StopInstances"), emulator.proxy.actions.join(","));
    const stopMode = await runInstance(ec2);
    emulator.proxy.clear();
    await captureImage(ec2, { instanceId: stopMode, region: REGION, templateName: "stopped", sleep: noSleep });
    assert.equal(
      emulator.proxy.requests.find((r) => r.Action === "CreateImage")?.NoReboot,
      "true",
      "stop mode: already stopped, no extra reboot",
    );
    assert.ok(emulator.proxy.actions.indexOf("StopInstances") < emulator.proxy.actions.indexOf("CreateImage"));
    // Restarted as soon as the image is available: before tagging (or any copy).
    assert.ok(emulator.proxy.actions.indexOf("StartInstances") > emulator.proxy.actions.indexOf("DescribeImages"));
    assert.ok(emulator.proxy.actions.indexOf("StartInstances") < emulator.proxy.actions.indexOf("CreateTags"));
  });

  it("leaves a stopped instance stopped: it only restarts what it stopped", async () => {
    const ec2 = emulator.moto.clients().ec2(REGION);
    const instanceId = await runInstance(ec2);
    const { StopInstancesCommand } = await import("@aws-sdk/client-ec2");
    await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
    const result = await captureImage(ec2, { instanceId, region: REGION, templateName: "cold", sleep: noSleep });
    assert.equal(result.instanceWasRunning, false);
    assert.equal(result.restarted, false);
    assert.equal(await instanceState(ec2, instanceId), "stopped");
  });

  it("refuses an instance that does not exist with a clear input error, touching nothing", async () => {
    const ec2 = emulator.moto.clients().ec2(REGION);
    await assert.rejects(
      captureImage(ec2, { instanceId: "i-0123456789abcdef0", region: REGION, templateName: "x", sleep: noSleep }),
      (error: unknown) => error instanceof InvalidInputError && /does not exist/.test(error.message),
    );
    assert.equal((await ownImages(ec2)).length, 0);
  });

  // Each case fails one request of one Action at the fault proxy; moto keeps the real state behind it.
  const faults: {
    step: string;
    action: string;
    nth?: number;
    when?: "before" | "after";
    undone: RegExp;
    imageMade: boolean;
  }[] = [
    { step: "DescribeInstances", action: "DescribeInstances", undone: /nothing needed undoing/, imageMade: false },
    { step: "StopInstances", action: "StopInstances", undone: /restarted/, imageMade: false },
    { step: "wait for instance stopped", action: "DescribeInstances", nth: 2, undone: /restarted/, imageMade: false },
    { step: "CreateImage", action: "CreateImage", undone: /restarted/, imageMade: false },
    {
      step: "CreateImage",
      action: "CreateImage",
      when: "after",
      undone: /deregistered ami-[0-9a-f]+ and deleted snap-.*restarted/,
      imageMade: true,
    },
    {
      step: "wait for image available",
      action: "DescribeImages",
      undone: /deregistered ami-[0-9a-f]+ and deleted snap-.*restarted/,
      imageMade: true,
    },
  ];
  for (const fault of faults) {
    it(`leaves the instance running and no image or snapshot behind when ${fault.action} fails ${fault.when === "after" ? "after AWS acted (response lost)" : "outright"} at step "${fault.step}" (fault proxy in front of moto)`, async () => {
      const ec2 = emulator.proxy.clients().ec2(REGION);
      const instanceId = await runInstance(ec2);
      const baseline = await snapshotIds(ec2);
      emulator.proxy.clear();
      emulator.proxy.fail({ action: fault.action, nth: fault.nth, when: fault.when });
      const error = await captureImage(ec2, {
        instanceId,
        region: REGION,
        templateName: "broken",
        sleep: noSleep,
      }).then(
        () => assert.fail("capture should have failed"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ImagingError, String(error));
      assert.equal(error.step, fault.step);
      assert.match(error.message, new RegExp(`^${fault.step} failed \\(.*InjectedFault`));
      assert.match(error.message, fault.undone);
      assert.deepEqual(error.notUndone, []);
      assert.equal(await instanceState(ec2, instanceId), "running");
      assert.deepEqual(
        (await ownImages(ec2)).map((i) => i.ImageId),
        [],
      );
      assert.deepEqual(await newSnapshots(ec2, baseline), []);
      if (fault.imageMade) assert.ok(emulator.proxy.actions.includes("DeregisterImage"));
    });
  }

  it("retries a failed restart and keeps the finished image (fault proxy fails StartInstances once)", async () => {
    const ec2 = emulator.proxy.clients().ec2(REGION);
    const instanceId = await runInstance(ec2);
    emulator.proxy.clear();
    emulator.proxy.fail({ action: "StartInstances" });
    const result = await captureImage(ec2, { instanceId, region: REGION, templateName: "flaky", sleep: noSleep });
    assert.equal(await instanceState(ec2, instanceId), "running");
    assert.deepEqual(
      (await ownImages(ec2)).map((i) => i.ImageId),
      [result.amiId],
    );
    assert.equal(emulator.proxy.actions.filter((a) => a === "StartInstances").length, 2);
  });

  it("keeps the finished image and says the instance is still stopped, with the command to start it, when every restart fails (fault proxy)", async () => {
    const ec2 = emulator.proxy.clients().ec2(REGION);
    const instanceId = await runInstance(ec2);
    emulator.proxy.clear();
    emulator.proxy.fail({ action: "StartInstances", always: true });
    const error = await captureImage(ec2, { instanceId, region: REGION, templateName: "stuck", sleep: noSleep }).catch(
      (e: unknown) => e,
    );
    assert.ok(error instanceof ImagingError);
    assert.equal(error.step, "StartInstances");
    assert.match(
      error.message,
      /NOT undone: instance i-[0-9a-f]+ is STOPPED .*aws ec2 start-instances --region us-east-1 --instance-ids/,
    );
    const images = (await ownImages(ec2)).map((i) => i.ImageId as string);
    assert.equal(images.length, 1, "the complete image is kept");
    assert.match(error.message, new RegExp(`kept: image ${images[0]} \\(stuck-[0-9-]+\\) in us-east-1 is complete`));
    assert.deepEqual(error.kept, [error.kept[0]]);
    assert.ok(!emulator.proxy.actions.includes("DeregisterImage"));
    assert.equal(await instanceState(ec2, instanceId), "stopped");
  });

  it("says the instance MAY be stopped, with the commands to check and start it, when StopInstances never reached AWS (a middleware refuses the connection for StopInstances and StartInstances)", async () => {
    const ec2 = emulator.proxy.clients().ec2(REGION);
    const instanceId = await runInstance(ec2);
    const refused = new Set(["StopInstancesCommand", "StartInstancesCommand"]);
    ec2.middlewareStack.add(
      (next, context) => async (args) => {
        if (!refused.has(context.commandName as string)) return next(args);
        throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5000"), { code: "ECONNREFUSED" });
      },
      { step: "finalizeRequest", name: "refuseConnection" },
    );
    const error = await captureImage(ec2, { instanceId, region: REGION, templateName: "gone", sleep: noSleep }).catch(
      (e: unknown) => e,
    );
    assert.ok(error instanceof ImagingError, String(error));
    assert.equal(error.step, "StopInstances");
    assert.equal(error.notUndone.length, 1);
    assert.doesNotMatch(error.notUndone[0], /is STOPPED/, "nobody saw it stop");
    assert.match(
      error.notUndone[0],
      new RegExp(`^instance ${instanceId} may be stopped: StopInstances failed \\(.*ECONNREFUSED`),
    );
    assert.match(
      error.notUndone[0],
      new RegExp(
        `check with aws ec2 describe-instances --region us-east-1 --instance-ids ${instanceId} .*aws ec2 start-instances --region us-east-1 --instance-ids ${instanceId}$`,
      ),
    );
    assert.equal(await instanceState(ec2, instanceId), "running", "what the check command would show");
  });

  it("keeps the finished image and reports the untagged snapshots when tagging them fails (fault proxy)", async () => {
    const ec2 = emulator.proxy.clients().ec2(REGION);
    const instanceId = await runInstance(ec2);
    emulator.proxy.clear();
    // CreateTags #1 is the snapshot tagging (the image is tagged through CreateImage's TagSpecifications).
    emulator.proxy.fail({ action: "CreateTags" });
    const error = await captureImage(ec2, {
      instanceId,
      region: REGION,
      templateName: "tagless",
      sleep: noSleep,
    }).catch((e: unknown) => e);
    assert.ok(error instanceof ImagingError, String(error));
    assert.equal(error.step, "tag snapshots");
    const images = await ownImages(ec2);
    assert.equal(images.length, 1);
    assert.match(error.message, new RegExp(`kept: image ${images[0].ImageId} .* in us-east-1 is complete`));
    assert.match(
      error.message,
      /snapshots snap-[0-9a-f]+ of ami-[0-9a-f]+ are not tagged: tag them with aws ec2 create-tags --region us-east-1/,
    );
    assert.ok(!emulator.proxy.actions.includes("DeregisterImage"));
    assert.equal(await instanceState(ec2, instanceId), "running");
  });

  it("deregisters the unfinished image and deletes its snapshot even when DescribeImages keeps failing (fault proxy)", async () => {
    const ec2 = emulator.proxy.clients().ec2(REGION);
    const instanceId = await runInstance(ec2);
    const baseline = await snapshotIds(ec2);
    emulator.proxy.clear();
    emulator.proxy.fail({ action: "DescribeImages", always: true, code: "InternalError", status: 500 });
    const error = await captureImage(ec2, { instanceId, region: REGION, templateName: "blind", sleep: noSleep }).catch(
      (e: unknown) => e,
    );
    emulator.proxy.clear();
    assert.ok(error instanceof ImagingError, String(error));
    assert.equal(error.step, "wait for image available");
    assert.match(
      error.message,
      /undone: deregistered ami-[0-9a-f]+ and deleted snap-[0-9a-f]+, instance i-[0-9a-f]+ restarted/,
    );
    assert.deepEqual(error.notUndone, []);
    assert.deepEqual(await ownImages(ec2), []);
    assert.deepEqual(await newSnapshots(ec2, baseline), []);
  });

  it("reports precisely what is left when neither the image nor its snapshots can be listed (fault proxy)", async () => {
    const ec2 = emulator.proxy.clients().ec2(REGION);
    const instanceId = await runInstance(ec2);
    emulator.proxy.clear();
    emulator.proxy.fail({ action: "DescribeImages", always: true, code: "InternalError", status: 500 });
    emulator.proxy.fail({ action: "DescribeSnapshots", always: true, code: "InternalError", status: 500 });
    const error = await captureImage(ec2, {
      instanceId,
      region: REGION,
      templateName: "blinder",
      sleep: noSleep,
    }).catch((e: unknown) => e);
    emulator.proxy.clear();
    assert.ok(error instanceof ImagingError, String(error));
    assert.match(error.message, /undone: deregistered ami-[0-9a-f]+/);
    assert.match(
      error.message,
      /NOT undone: the snapshots of ami-[0-9a-f]+ could not be listed .*aws ec2 describe-snapshots --region us-east-1 --owner-ids self --filters "Name=description,Values=\*ami-[0-9a-f]+\*"/,
    );
    assert.deepEqual(await ownImages(ec2), []);
  });

  it("classifies the AWS failure behind a step like the resolver does, for the CLI's exit code and hint (fault proxy)", async () => {
    const ec2 = emulator.proxy.clients().ec2(REGION);
    const instanceId = await runInstance(ec2);
    emulator.proxy.clear();
    emulator.proxy.fail({ action: "DescribeInstances", code: "AuthFailure", status: 401 });
    const error = await captureImage(ec2, { instanceId, region: REGION, templateName: "denied", sleep: noSleep }).catch(
      (e: unknown) => e,
    );
    assert.ok(error instanceof ImagingError, String(error));
    assert.equal(error.awsError?.kind, "credentials");
    assert.equal(error.awsError?.details.operation, "DescribeInstances");
    assert.match(error.message, /nothing needed undoing/);
  });
});
