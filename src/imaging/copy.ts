import { createHash } from "node:crypto";
import { CopyImageCommand, CreateTagsCommand, DescribeImagesCommand } from "@aws-sdk/client-ec2";
import type { Architecture } from "../templates/schema";
import { InvalidInputError } from "../resolver/errors";
import type { AwsClients } from "../resolver/types";
import { deleteImageAndSnapshots, describeDeletion, isNotFound, snapshotsOf } from "./cleanup";
import { describeAwsError, ImagingError } from "./errors";
import { MANAGED_TAG, toTagList } from "./capture";
import { shareImage, type SharingOptions, validateSharing } from "./share";
import { realSleep, waitFor, type WaitOptions } from "./waiters";

/** Copies can sit in `pending` for well over ten minutes on AWS; 45 minutes is a generous default. */
export const DEFAULT_COPY_TIMEOUT_MS = 45 * 60_000;

export interface CopyOptions extends Omit<WaitOptions, "timeoutMs"> {
  sourceAmiId: string;
  sourceRegion: string;
  targetRegion: string;
  /** Name of the copy; defaults to the source image's name. */
  name?: string;
  description?: string;
  encrypted?: boolean;
  /** KMS key for the copy's snapshots in the target region (implies encrypted). */
  kmsKeyId?: string;
  /** Added to the copy and its snapshots, after the source image's own tags (which CopyImage does not carry). */
  tags?: Record<string, string>;
  sharing?: SharingOptions;
  /** Default 45 min. */
  timeoutMs?: number;
}

export interface CopyResult {
  region: string;
  amiId: string;
  snapshotIds: string[];
  architecture: Architecture;
  tags: Record<string, string>;
}

export const COPY_STEPS = [
  "DescribeImages (source)",
  "CopyImage",
  "wait for copy available",
  "tag copy",
  "share copy",
] as const;

/** Same inputs, same token: a retried CopyImage (lost response, re-run) returns the copy already made instead of a second one. */
export function copyClientToken(
  options: Pick<CopyOptions, "sourceAmiId" | "sourceRegion" | "targetRegion" | "name" | "encrypted" | "kmsKeyId">,
): string {
  const key = JSON.stringify([
    options.sourceAmiId,
    options.sourceRegion,
    options.targetRegion,
    options.name ?? "",
    Boolean(options.encrypted || options.kmsKeyId),
    options.kmsKeyId ?? "",
  ]);
  return `cws-${createHash("sha256").update(key).digest("hex").slice(0, 48)}`;
}

/** User tags of the source image; `aws:` tags are reserved and cannot be written. */
export function copyableTags(tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key && !tag.Key.startsWith("aws:")) result[tag.Key] = tag.Value ?? "";
  return result;
}

/**
 * Copies an image into another region, waits until it is available (bounded), copies tags, and shares it.
 * A copy that was started but failed or timed out is deregistered with its snapshots before the error is thrown.
 */
export async function copyImage(clients: AwsClients, options: CopyOptions): Promise<CopyResult> {
  if (options.sourceRegion === options.targetRegion) {
    throw new InvalidInputError(
      `the target region ${options.targetRegion} is the source region; there is nothing to copy`,
      "targetRegion",
    );
  }
  if (options.sharing) validateSharing(options.sharing);
  const source = clients.ec2(options.sourceRegion);
  const target = clients.ec2(options.targetRegion);
  const waitOptions = {
    sleep: options.sleep ?? realSleep,
    now: options.now,
    intervalMs: options.intervalMs,
    onProgress: options.onProgress,
  };
  let step: (typeof COPY_STEPS)[number] = "DescribeImages (source)";
  let amiId: string | undefined;
  try {
    const sourceImage = await source.send(new DescribeImagesCommand({ ImageIds: [options.sourceAmiId] })).then(
      ({ Images = [] }) => Images[0],
      (error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      },
    );
    if (!sourceImage || sourceImage.State !== "available") {
      throw new InvalidInputError(
        `${options.sourceAmiId} is ${sourceImage ? `in state ${sourceImage.State}` : "not found"} in ${options.sourceRegion}; ` +
          "only an available image can be copied",
        "sourceAmiId",
      );
    }
    const tags = {
      ...copyableTags(sourceImage.Tags),
      ...(options.tags ?? {}),
      "cloudworkstation:copied-from": `${options.sourceRegion}/${options.sourceAmiId}`,
      [MANAGED_TAG]: "true",
    };
    const name = options.name ?? sourceImage.Name ?? options.sourceAmiId;

    step = "CopyImage";
    options.onProgress?.(`copy ${options.sourceAmiId} to ${options.targetRegion}`, 0);
    const copied = await target.send(
      new CopyImageCommand({
        SourceImageId: options.sourceAmiId,
        SourceRegion: options.sourceRegion,
        Name: name,
        Description: options.description ?? sourceImage.Description,
        Encrypted: options.encrypted || Boolean(options.kmsKeyId) || undefined,
        KmsKeyId: options.kmsKeyId,
        ClientToken: copyClientToken({ ...options, name }),
      }),
    );
    amiId = copied.ImageId;
    if (!amiId) throw new Error("CopyImage returned no ImageId");

    step = "wait for copy available";
    const image = await waitFor(
      `wait for copy ${amiId} available in ${options.targetRegion}`,
      async () => {
        const { Images: found = [] } = await target.send(new DescribeImagesCommand({ ImageIds: [amiId as string] }));
        const state = found[0]?.State;
        if (state === "available") return { done: true, value: found[0] };
        if (state === "failed" || state === "error" || state === "invalid" || state === "deregistered") {
          return {
            done: false,
            failed: `copy state ${state}${found[0]?.StateReason?.Message ? `: ${found[0].StateReason.Message}` : ""}`,
          };
        }
        return { done: false, state: state ?? "not visible yet" };
      },
      { ...waitOptions, timeoutMs: options.timeoutMs ?? DEFAULT_COPY_TIMEOUT_MS },
    );
    const snapshotIds = snapshotsOf(image.BlockDeviceMappings);

    step = "tag copy";
    await target.send(new CreateTagsCommand({ Resources: [amiId, ...snapshotIds], Tags: toTagList(tags) }));

    if (options.sharing) {
      step = "share copy";
      await shareImage(target, amiId, options.sharing, { snapshotIds });
    }
    return {
      region: options.targetRegion,
      amiId,
      snapshotIds,
      architecture: (image.Architecture ?? sourceImage.Architecture) === "arm64" ? "arm64" : "x86_64",
      tags,
    };
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    const undone: string[] = [];
    const notUndone: string[] = [];
    if (amiId) {
      try {
        const deletion = describeDeletion(amiId, await deleteImageAndSnapshots(target, amiId));
        undone.push(...deletion.undone.map((text) => `${text} in ${options.targetRegion}`));
        notUndone.push(...deletion.notUndone);
      } catch (cleanupError) {
        notUndone.push(
          `copy ${amiId} in ${options.targetRegion} could not be deregistered (${describeAwsError(cleanupError)}): ` +
            `aws ec2 deregister-image --region ${options.targetRegion} --image-id ${amiId}`,
        );
      }
    }
    throw new ImagingError(`${step} (${options.sourceRegion} → ${options.targetRegion})`, error, undone, notUndone);
  }
}
