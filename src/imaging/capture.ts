import {
  CreateImageCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
  StartInstancesCommand,
  StopInstancesCommand,
  type Tag,
} from "@aws-sdk/client-ec2";
import type { Architecture } from "../templates/schema";
import { InvalidInputError } from "../core/errors";
import { deleteImageAndSnapshots, describeDeletion, describeImageById, isNotFound, snapshotsOf } from "./cleanup";
import { describeAwsError, ImagingError } from "./errors";
import { realSleep, throwIfInterrupted, waitFor, type WaitOptions } from "./waiters";
import { isInstanceId } from "../core/aws-ids";

export const CAPTURE_MODES = ["stop", "reboot", "no-reboot"] as const;
/**
 * stop: we stop the instance, image it, and start it again (consistent filesystem, the original CloudWorkstation flow);
 * reboot: EC2 reboots the instance itself while imaging (CreateImage NoReboot=false);
 * no-reboot: image a running instance as-is (fastest, but open files may be inconsistent).
 */
export type CaptureMode = (typeof CAPTURE_MODES)[number];

/** The tag every image and snapshot we create carries, so they can be found and audited. */
export const MANAGED_TAG = "cloudworkstation:managed";

export interface CaptureOptions extends Omit<WaitOptions, "timeoutMs"> {
  instanceId: string;
  region: string;
  templateName: string;
  /** AMI name; unique per account and region. Defaults to `<templateName>-<UTC timestamp>`. */
  imageName?: string;
  description?: string;
  mode?: CaptureMode;
  /** Extra tags for the image and its snapshots. */
  tags?: Record<string, string>;
  /** How long to wait for the instance to stop; default 10 min. */
  stopTimeoutMs?: number;
  /** How long to wait for the image to become available; default 60 min (large volumes take long). */
  imageTimeoutMs?: number;
  /** Attempts at restarting an instance we stopped, before giving up and saying so; default 3. */
  restartAttempts?: number;
  /** Timestamp source for names and tags. */
  date?: () => Date;
}

export interface CaptureResult {
  amiId: string;
  imageName: string;
  region: string;
  snapshotIds: string[];
  architecture: Architecture;
  /** The account that owns the new image: the template's trusted owner. */
  ownerId: string;
  /** State before capture. */
  instanceWasRunning: boolean;
  /** True when we stopped the instance and started it again. */
  restarted: boolean;
  tags: Record<string, string>;
}

export const CAPTURE_STEPS = [
  "DescribeInstances",
  "StopInstances",
  "wait for instance stopped",
  "CreateImage",
  "wait for image available",
  "tag snapshots",
  "StartInstances",
] as const;
export type CaptureStep = (typeof CAPTURE_STEPS)[number];

/** `<name>-20261122-035746`: AMI names must be unique, so every capture gets its own. */
export function defaultImageName(templateName: string, date: Date): string {
  const stamp = date.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${templateName}-${stamp}`;
}

/** Tags for the image and its snapshots: ours (template, source, date, managed) plus the user's. */
export function captureTags(options: {
  templateName: string;
  instanceId: string;
  date: Date;
  tags?: Record<string, string>;
}): Record<string, string> {
  return {
    ...(options.tags ?? {}),
    "cloudworkstation:template": options.templateName,
    "cloudworkstation:source-instance": options.instanceId,
    "cloudworkstation:created": options.date.toISOString(),
    [MANAGED_TAG]: "true",
  };
}

export function toTagList(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/**
 * Captures an instance as an AMI. An instance we stopped is restarted as soon as the image is available (and on any
 * failure); an image we started but could not finish is deregistered with its snapshots (found even when
 * DescribeImages keeps failing, and by its unique name when CreateImage's response was lost). An image that became
 * available is never deleted: if restarting or tagging fails afterwards it is kept and reported (`kept`), with the
 * command to finish the job. Failures throw ImagingError saying which step failed, what was undone, kept, or not undone.
 */
export async function captureImage(ec2: EC2Client, options: CaptureOptions): Promise<CaptureResult> {
  const mode = options.mode ?? "stop";
  if (!(CAPTURE_MODES as readonly string[]).includes(mode)) {
    throw new InvalidInputError(`unknown mode "${mode}": use one of ${CAPTURE_MODES.join(", ")}`, "mode");
  }
  if (!isInstanceId(options.instanceId)) {
    throw new InvalidInputError(
      `"${options.instanceId}" is not an instance id (i- followed by 8 or 17 hex digits)`,
      "instanceId",
    );
  }
  const date = (options.date ?? (() => new Date()))();
  const imageName = options.imageName ?? defaultImageName(options.templateName, date);
  const tags = captureTags({
    templateName: options.templateName,
    instanceId: options.instanceId,
    date,
    tags: options.tags,
  });
  const waitOptions = {
    sleep: options.sleep ?? realSleep,
    now: options.now,
    intervalMs: options.intervalMs,
    onProgress: options.onProgress,
    signal: options.signal,
  };
  const started = (options.now ?? Date.now)();
  const progress = (step: string) => options.onProgress?.(step, (options.now ?? Date.now)() - started);

  let step: CaptureStep = "DescribeInstances";
  let stoppedByUs = false;
  /** StopInstances succeeded: the instance is stopping. If it failed (refused connection, lost answer) it may be. */
  let stopAccepted = false;
  let instanceWasRunning: boolean;
  let amiId: string | undefined;
  let imageRequested = false;
  /** Once available, the image is the result: a later failure (restart, tagging) never deletes it. */
  let imageReady = false;
  let snapshotIds: string[] = [];
  try {
    progress("describe instance");
    const instance = await describeInstance(ec2, options.instanceId);
    const state = instance.State?.Name;
    if (state !== "running" && state !== "stopped") {
      throw new InvalidInputError(
        `instance ${options.instanceId} in ${options.region} is ${state}; it must be running or stopped to be saved. ` +
          "Wait until it has settled and try again",
        "instanceId",
      );
    }
    instanceWasRunning = state === "running";
    const architecture = toArchitecture(instance.Architecture, options.instanceId);

    if (mode === "stop" && instanceWasRunning) {
      step = "StopInstances";
      throwIfInterrupted(options.signal, step);
      progress(`stop instance ${options.instanceId}`);
      stoppedByUs = true; // set before the call: a stop that fails after AWS accepted it must still be undone
      await ec2.send(new StopInstancesCommand({ InstanceIds: [options.instanceId] }));
      stopAccepted = true;
      step = "wait for instance stopped";
      await waitFor(
        `wait for instance ${options.instanceId} stopped`,
        async () => {
          const current = (await describeInstance(ec2, options.instanceId)).State?.Name;
          if (current === "stopped") return { done: true, value: undefined };
          if (current === "terminated" || current === "shutting-down")
            return { done: false, failed: `instance is ${current}` };
          return { done: false, state: current };
        },
        { ...waitOptions, intervalMs: options.intervalMs ?? 5_000, timeoutMs: options.stopTimeoutMs ?? 10 * 60_000 },
      );
    }

    step = "CreateImage";
    throwIfInterrupted(options.signal, step);
    progress(`create image ${imageName}`);
    imageRequested = true;
    const created = await ec2.send(
      new CreateImageCommand({
        InstanceId: options.instanceId,
        Name: imageName,
        Description: options.description,
        // reboot: EC2 reboots for a consistent image; stop: already stopped; no-reboot: as asked.
        NoReboot: mode !== "reboot",
        TagSpecifications: [{ ResourceType: "image", Tags: toTagList(tags) }],
      }),
    );
    amiId = created.ImageId;
    if (!amiId) throw new Error("CreateImage returned no ImageId");

    step = "wait for image available";
    const image = await waitFor(
      `wait for image ${amiId} available`,
      async () => {
        // Not found yet is "not visible yet" (EC2 is eventually consistent); other failures end the wait.
        const found = await describeImageById(ec2, amiId as string);
        if (found?.State === "available") return { done: true, value: found };
        if (found?.State === "failed" || found?.State === "error" || found?.State === "invalid") {
          return {
            done: false,
            failed: `image state ${found.State}${found.StateReason?.Message ? `: ${found.StateReason.Message}` : ""}`,
          };
        }
        return { done: false, state: found?.State ?? "not visible yet" };
      },
      { ...waitOptions, timeoutMs: options.imageTimeoutMs ?? 60 * 60_000 },
    );
    imageReady = true;
    snapshotIds = snapshotsOf(image.BlockDeviceMappings);

    // Restart first: the user's instance matters more than our bookkeeping.
    let restarted = false;
    if (stoppedByUs) {
      step = "StartInstances";
      progress(`restart instance ${options.instanceId}`);
      await startWithRetries(ec2, options.instanceId, options.restartAttempts ?? 3, waitOptions.sleep);
      stoppedByUs = false;
      restarted = true;
    }

    // Snapshots are tagged once known (from the available image) rather than through CreateImage's snapshot
    // TagSpecification: same tags, and it works on every EC2 implementation (moto rejects snapshot TagSpecifications).
    step = "tag snapshots";
    if (snapshotIds.length) await ec2.send(new CreateTagsCommand({ Resources: snapshotIds, Tags: toTagList(tags) }));
    progress(`image ${amiId} ready`);
    return {
      amiId,
      imageName,
      region: options.region,
      snapshotIds,
      architecture,
      ownerId: image.OwnerId ?? "",
      instanceWasRunning,
      restarted,
      tags,
    };
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    const undone: string[] = [];
    const notUndone: string[] = [];
    const kept: string[] = [];
    const region = options.region;
    if (imageReady && amiId) {
      // The image is complete and good: a failed restart or tagging call is no reason to throw it away.
      kept.push(`image ${amiId} (${imageName}) in ${region} is complete and was kept`);
      if (step === "tag snapshots" && snapshotIds.length) {
        notUndone.push(
          `snapshots ${snapshotIds.join(", ")} of ${amiId} are not tagged: tag them with aws ec2 create-tags --region ${region} ` +
            `--resources ${snapshotIds.join(" ")} --tags Key=${MANAGED_TAG},Value=true`,
        );
      }
    } else if (imageRequested) {
      // Undo in reverse order of doing: the image first (while we still know it), then the instance.
      try {
        const id = amiId ?? (await findImageByName(ec2, imageName));
        if (id) {
          const deletion = describeDeletion(id, await deleteImageAndSnapshots(ec2, id), region);
          undone.push(...deletion.undone);
          notUndone.push(...deletion.notUndone);
        }
      } catch (cleanupError) {
        notUndone.push(
          amiId
            ? `image ${amiId} could not be deregistered (${describeAwsError(cleanupError)}): ` +
                `deregister it with aws ec2 deregister-image --region ${region} --image-id ${amiId}`
            : `an image named ${imageName} may have been created and could not be looked up (${describeAwsError(cleanupError)}): ` +
                `find it with aws ec2 describe-images --region ${region} --owners self --filters Name=name,Values=${imageName} and deregister it`,
        );
      }
    }
    if (stoppedByUs) {
      try {
        await startWithRetries(ec2, options.instanceId, options.restartAttempts ?? 3, waitOptions.sleep);
        undone.push(`instance ${options.instanceId} restarted`);
      } catch (startError) {
        const start = `aws ec2 start-instances --region ${region} --instance-ids ${options.instanceId}`;
        notUndone.push(
          stopAccepted
            ? `instance ${options.instanceId} is STOPPED and could not be restarted (${describeAwsError(startError)}): ` +
                `start it with ${start}`
            : // Whether the stop request reached AWS is unknown: say so rather than claim a state nobody saw.
              `instance ${options.instanceId} may be stopped: StopInstances failed (${describeAwsError(error)}), so ` +
                `whether AWS acted on it is not known, and starting it again failed too ` +
                `(${describeAwsError(startError)}); check with aws ec2 ` +
                `describe-instances --region ${region} --instance-ids ${options.instanceId} --query ` +
                `"Reservations[].Instances[].State.Name" and, if it says stopped or stopping, start it with ${start}`,
        );
      }
    }
    throw new ImagingError(step, error, undone, notUndone, kept);
  }
}

async function describeInstance(ec2: EC2Client, instanceId: string) {
  try {
    const { Reservations = [] } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = Reservations.flatMap((r) => r.Instances ?? [])[0];
    if (instance) return instance;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  throw new InvalidInputError(
    `instance ${instanceId} does not exist in this region; check the id and --region`,
    "instanceId",
  );
}

function toArchitecture(value: string | undefined, instanceId: string): Architecture {
  if (value === "x86_64" || value === "arm64") return value;
  if (value === undefined) return "x86_64";
  throw new InvalidInputError(
    `instance ${instanceId} has architecture ${value}; templates support x86_64 and arm64`,
    "instanceId",
  );
}

async function startWithRetries(
  ec2: EC2Client,
  instanceId: string,
  attempts: number,
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
      return;
    } catch (error) {
      if (attempt >= attempts) throw error;
      await sleep(2_000 * attempt);
    }
  }
}

/** A CreateImage whose response was lost may still have made an image: find it by its unique name. */
async function findImageByName(ec2: EC2Client, name: string): Promise<string | undefined> {
  const { Images = [] } = await ec2.send(
    new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "name", Values: [name] }] }),
  );
  return Images[0]?.ImageId;
}
