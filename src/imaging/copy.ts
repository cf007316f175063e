import { createHash } from "node:crypto";
import {
  CopyImageCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  type EC2Client,
  type Image,
} from "@aws-sdk/client-ec2";
import { isAmiId } from "../core/aws-ids";
import type { Architecture } from "../templates/schema";
import { awsFailureKind, awsErrorCode, notFoundOrThrow, regionOf } from "../core/aws-errors";
import { InvalidInputError } from "../core/errors";
import type { AwsClients } from "../core/clients";
import { deleteImageAndSnapshots, describeDeletion, describeImageById, snapshotsOf } from "./cleanup";
import { describeAwsError, ImagingError } from "./errors";
import { MANAGED_TAG, toTagList } from "./capture";
import { shareImage, type SharingOptions, validateSharing } from "./share";
import { realSleep, waitFor, type WaitOptions } from "./waiters";

/**
 * THE copy engine: `cws ami copy`, RegionalAmiCopy and AmiResolution's cross-region copies all go through here, with
 * one timeout, one ClientToken scheme and one provenance tag.
 */

/**
 * Copies can sit in `pending` for well over ten minutes on AWS, large ones for most of an hour; 60 minutes matches
 * the capture wait and AmiResolution's former default (3600 s), so no existing stack waits less than before.
 */
export const DEFAULT_COPY_TIMEOUT_MS = 60 * 60_000;

/** The provenance tag every copy carries: `<source region>/<source AMI id>`. */
export const COPY_SOURCE_TAG = "cloudworkstation:copied-from";
/** Written by older AmiResolution copies (same value format); still recognised, never written. */
export const LEGACY_COPY_SOURCE_TAG = "cloudworkstation:copy-of";
const COPY_SOURCE_TAGS = [COPY_SOURCE_TAG, LEGACY_COPY_SOURCE_TAG] as const;

export function copySourceTagValue(sourceRegion: string, sourceAmiId: string): string {
  return `${sourceRegion}/${sourceAmiId}`;
}

/** Where a copy came from, read from either provenance tag; undefined for an image that is not one of our copies. */
export function copySourceOf(image: Pick<Image, "Tags">): { region: string; amiId: string } | undefined {
  for (const key of COPY_SOURCE_TAGS) {
    const value = image.Tags?.find((tag) => tag.Key === key)?.Value;
    const match = value ? /^([a-z0-9-]+)\/(ami-[0-9a-f]+)$/.exec(value) : null;
    if (match && isAmiId(match[2])) return { region: match[1], amiId: match[2] };
  }
  return undefined;
}

/** Whether `image` is our copy of `sourceAmiId` from `sourceRegion` (either provenance tag). */
export function isCopyOf(image: Pick<Image, "Tags">, sourceRegion: string, sourceAmiId: string): boolean {
  const source = copySourceOf(image);
  return source?.region === sourceRegion && source.amiId === sourceAmiId;
}

/**
 * Our copies of a source image in the client's region (own images carrying either provenance tag, plus every
 * `tags` filter), ordered by ImageId. Includes every state; callers choose (e.g. available or pending).
 */
export async function findCopies(
  ec2: EC2Client,
  source: { sourceRegion: string; sourceAmiId: string; tags?: Record<string, string> },
): Promise<Image[]> {
  const region = await regionOf(ec2);
  const found = new Map<string, Image>();
  for (const key of COPY_SOURCE_TAGS) {
    const Filters = [
      { Name: `tag:${key}`, Values: [copySourceTagValue(source.sourceRegion, source.sourceAmiId)] },
      ...Object.entries(source.tags ?? {}).map(([name, value]) => ({ Name: `tag:${name}`, Values: [value] })),
    ];
    let NextToken: string | undefined;
    do {
      const page = await ec2
        .send(new DescribeImagesCommand({ Owners: ["self"], Filters, NextToken, IncludeDeprecated: true }))
        .catch((error: unknown) => notFoundOrThrow(error, { service: "EC2", operation: "DescribeImages", region }));
      for (const image of page?.Images ?? []) if (image.ImageId) found.set(image.ImageId, image);
      NextToken = page?.NextToken || undefined;
    } while (NextToken);
  }
  return [...found.values()].sort((a, b) => ((a.ImageId ?? "") < (b.ImageId ?? "") ? -1 : 1));
}

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
  /** Default DEFAULT_COPY_TIMEOUT_MS (60 min). */
  timeoutMs?: number;
  /**
   * Who the copy is for (e.g. a Pulumi resource's URN): part of the ClientToken, so two owners copying the same
   * source get two copies while one owner's retries get the same one. Omitted: tokens as before.
   */
  tokenScope?: string;
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
  options: Pick<
    CopyOptions,
    "sourceAmiId" | "sourceRegion" | "targetRegion" | "name" | "encrypted" | "kmsKeyId" | "tokenScope"
  >,
): string {
  const key = JSON.stringify([
    options.sourceAmiId,
    options.sourceRegion,
    options.targetRegion,
    options.name ?? "",
    Boolean(options.encrypted || options.kmsKeyId),
    options.kmsKeyId ?? "",
    ...(options.tokenScope !== undefined ? [options.tokenScope] : []),
  ]);
  return `cws-${createHash("sha256").update(key).digest("hex").slice(0, 48)}`;
}

/** User tags of the source image; `aws:` tags are reserved and cannot be written. */
export function copyableTags(tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key && !tag.Key.startsWith("aws:")) result[tag.Key] = tag.Value ?? "";
  return result;
}

/** A copy that CopyImage accepted and that already carries its tags; not necessarily available yet. */
export interface StartedCopy {
  amiId: string;
  name: string;
  clientToken: string;
  tags: Record<string, string>;
  sourceImage: Image;
  /** True when CopyImage's response was lost and the copy was found by its name instead. */
  recovered: boolean;
}

/**
 * Starts a copy (CopyImage with the deterministic ClientToken) and tags it at once with the provenance tag,
 * `cloudworkstation:managed` and the caller's tags, so it is recognisable even if the process dies while it is
 * pending. A lost CopyImage response is recovered by the copy's name. If tagging fails the copy is removed again.
 * Throws InvalidInputError for an unavailable source; AWS failures as ImagingError (step CopyImage).
 */
export async function startCopy(clients: AwsClients, options: CopyOptions): Promise<StartedCopy> {
  if (options.sourceRegion === options.targetRegion) {
    throw new InvalidInputError(
      `the target region ${options.targetRegion} is the source region; there is nothing to copy`,
      "targetRegion",
    );
  }
  if (options.sharing) validateSharing(options.sharing);
  const route = `(${options.sourceRegion} → ${options.targetRegion})`;
  let sourceImage: Image | undefined;
  try {
    sourceImage = await describeImageById(clients.ec2(options.sourceRegion), options.sourceAmiId);
  } catch (error) {
    throw new ImagingError(`DescribeImages (source) ${route}`, error, []);
  }
  if (!sourceImage || sourceImage.State !== "available") {
    throw new InvalidInputError(
      `${options.sourceAmiId} is ${sourceImage ? `in state ${sourceImage.State}` : "not found"} in ${options.sourceRegion}; ` +
        "only an available image can be copied",
      "sourceAmiId",
    );
  }
  const target = clients.ec2(options.targetRegion);
  const tags = {
    ...copyableTags(sourceImage.Tags),
    ...(options.tags ?? {}),
    [COPY_SOURCE_TAG]: copySourceTagValue(options.sourceRegion, options.sourceAmiId),
    [MANAGED_TAG]: "true",
  };
  const name = options.name ?? sourceImage.Name ?? options.sourceAmiId;
  const clientToken = copyClientToken({ ...options, name });
  options.onProgress?.(`copy ${options.sourceAmiId} to ${options.targetRegion}`, 0);
  let amiId: string | undefined;
  let recovered = false;
  try {
    const copied = await target.send(
      new CopyImageCommand({
        SourceImageId: options.sourceAmiId,
        SourceRegion: options.sourceRegion,
        Name: name,
        Description: options.description ?? sourceImage.Description,
        Encrypted: options.encrypted || Boolean(options.kmsKeyId) || undefined,
        KmsKeyId: options.kmsKeyId,
        ClientToken: clientToken,
      }),
    );
    amiId = copied.ImageId;
    if (!amiId) throw new Error("CopyImage returned no ImageId");
  } catch (error) {
    const found = mayHaveActed(error) ? await findCopyByName(target, name, options.sourceAmiId).catch(() => "?") : "";
    if (found === "?") {
      throw new ImagingError(
        `CopyImage ${route}`,
        error,
        [],
        [
          `the CopyImage response was lost and the copy could not be looked up: find it with aws ec2 describe-images ` +
            `--region ${options.targetRegion} --owners self --filters Name=name,Values=${name} and deregister it`,
        ],
      );
    }
    if (!found) throw new ImagingError(`CopyImage ${route}`, error, []);
    // AWS made the copy; only its answer was lost. Carry on with it (ClientToken retries would return the same one).
    amiId = found;
    recovered = true;
  }
  try {
    await target.send(new CreateTagsCommand({ Resources: [amiId], Tags: toTagList(tags) }));
  } catch (error) {
    const cleanup = await removeCopy(target, amiId, options.targetRegion);
    throw new ImagingError(`tag copy ${route}`, error, cleanup.undone, cleanup.notUndone);
  }
  return { amiId, name, clientToken, tags, sourceImage, recovered };
}

/** Waits (bounded) until a copy is available; throws WaitFailedError/WaitTimeoutError, or AwsCallError. */
export async function waitForCopy(
  ec2: EC2Client,
  amiId: string,
  options: Omit<WaitOptions, "timeoutMs"> & { timeoutMs?: number },
): Promise<Image> {
  const region = (await regionOf(ec2)) ?? "its region";
  return waitFor(
    `wait for copy ${amiId} available in ${region}`,
    async () => {
      const found = await describeImageById(ec2, amiId);
      const state = found?.State;
      if (found && state === "available") return { done: true, value: found };
      if (state === "failed" || state === "error" || state === "invalid" || state === "deregistered") {
        return {
          done: false,
          failed: `copy state ${state}${found?.StateReason?.Message ? `: ${found.StateReason.Message}` : ""}`,
        };
      }
      return { done: false, state: state ?? "not visible yet" };
    },
    {
      sleep: options.sleep ?? realSleep,
      now: options.now,
      intervalMs: options.intervalMs,
      onProgress: options.onProgress,
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? DEFAULT_COPY_TIMEOUT_MS,
    },
  );
}

/**
 * Deregisters a copy and deletes its snapshots, never throwing: returns what was undone and what was not (with the
 * command to finish it by hand). For error paths; a `delete` that must fail loudly calls deleteImageAndSnapshots.
 */
export async function removeCopy(
  ec2: EC2Client,
  amiId: string,
  region: string,
  knownSnapshotIds: string[] = [],
): Promise<{ undone: string[]; notUndone: string[] }> {
  try {
    const deletion = describeDeletion(amiId, await deleteImageAndSnapshots(ec2, amiId, { knownSnapshotIds }), region);
    return { undone: deletion.undone.map((text) => `${text} in ${region}`), notUndone: deletion.notUndone };
  } catch (cleanupError) {
    return {
      undone: [],
      notUndone: [
        `copy ${amiId} in ${region} could not be deregistered (${describeAwsError(cleanupError)}): ` +
          `aws ec2 deregister-image --region ${region} --image-id ${amiId}`,
      ],
    };
  }
}

/**
 * Copies an image into another region, waits until it is available (bounded), tags its snapshots, and shares it.
 * A copy that was started (or whose CopyImage answer was lost) but failed or timed out is deregistered with its
 * snapshots before the error is thrown.
 */
export async function copyImage(clients: AwsClients, options: CopyOptions): Promise<CopyResult> {
  const started = await startCopy(clients, options);
  const target = clients.ec2(options.targetRegion);
  const { amiId, tags, sourceImage } = started;
  let step: (typeof COPY_STEPS)[number] = "wait for copy available";
  let snapshotIds: string[] = [];
  try {
    const image = await waitForCopy(target, amiId, options);
    snapshotIds = snapshotsOf(image.BlockDeviceMappings);

    step = "tag copy";
    if (snapshotIds.length) await target.send(new CreateTagsCommand({ Resources: snapshotIds, Tags: toTagList(tags) }));

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
    const cleanup = await removeCopy(target, amiId, options.targetRegion, snapshotIds);
    const recovered = started.recovered ? [`(copy ${amiId} was found by name after CopyImage's answer was lost)`] : [];
    throw new ImagingError(
      `${step} (${options.sourceRegion} → ${options.targetRegion})`,
      error,
      [...recovered, ...cleanup.undone],
      cleanup.notUndone,
    );
  }
}

/**
 * CopyImage may have made the copy although we got no answer (lost response, timeout, 5xx…). A definite refusal
 * (bad name or id, denied, no credentials) made nothing.
 */
function mayHaveActed(error: unknown): boolean {
  const kind = awsFailureKind(error);
  if (kind === "credentials" || kind === "permission") return false;
  return !/^(Invalid|MissingParameter|UnknownParameter|IncorrectState|Unsupported)|\.Duplicate$|Malformed/.test(
    awsErrorCode(error),
  );
}

/** The copy a lost CopyImage made: our image with this (region-unique) name, of this source when EC2 says so. */
async function findCopyByName(ec2: EC2Client, name: string, sourceAmiId: string): Promise<string | undefined> {
  const { Images = [] } = await ec2.send(
    new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "name", Values: [name] }] }),
  );
  const image = Images.find(
    (candidate) =>
      candidate.Name === name &&
      candidate.State !== "deregistered" &&
      (candidate.SourceImageId === undefined || candidate.SourceImageId === sourceAmiId),
  );
  return image?.ImageId;
}
