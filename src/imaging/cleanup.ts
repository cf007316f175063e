import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  type Image,
} from "@aws-sdk/client-ec2";
import { isNotFound, notFoundOrThrow, regionOf } from "../core/aws-errors";
import { describeAwsError } from "./errors";

export interface DeleteImageResult {
  /** False when the image was already gone. */
  deregistered: boolean;
  deletedSnapshots: string[];
  /** Snapshots that could not be deleted, with the reason; they still cost money. */
  failedSnapshots: { snapshotId: string; reason: string }[];
  /**
   * Set when neither the image's block device mappings nor a snapshot search could be read: the image was
   * deregistered, but snapshots of it may remain (they are named in no list above).
   */
  snapshotLookupFailure?: string;
}

/** The image in the client's region, or undefined when EC2 says it does not exist; other failures throw AwsCallError. */
export async function describeImageById(ec2: EC2Client, amiId: string): Promise<Image | undefined> {
  try {
    const { Images = [] } = await ec2.send(new DescribeImagesCommand({ ImageIds: [amiId], IncludeDeprecated: true }));
    return Images.find((image) => image.ImageId === amiId);
  } catch (error) {
    return notFoundOrThrow(error, { service: "EC2", operation: "DescribeImages", region: await regionOf(ec2) });
  }
}

/** The EBS snapshots behind an image, from its block device mappings; [] when the image is gone. */
export async function imageSnapshotIds(ec2: EC2Client, amiId: string): Promise<string[]> {
  return snapshotsOf((await describeImageById(ec2, amiId))?.BlockDeviceMappings);
}

export function snapshotsOf(mappings: { Ebs?: { SnapshotId?: string } }[] | undefined): string[] {
  return (mappings ?? []).map((m) => m.Ebs?.SnapshotId).filter((id): id is string => Boolean(id));
}

/**
 * Deregisters an image and deletes its snapshots. The image is deregistered whatever happens to the lookups: a
 * DescribeImages that keeps failing must not leave an image behind. Snapshots are found from `knownSnapshotIds`,
 * the image's block device mappings and, for an image that never became available (no mappings yet) or cannot be
 * described, from the snapshot description AWS writes ("Created by CreateImage(i-…) for ami-…" / "Copied for
 * DestinationAmi ami-…"). Throws (AwsCallError) only when the image itself could not be deregistered.
 */
export async function deleteImageAndSnapshots(
  ec2: EC2Client,
  amiId: string,
  options: { knownSnapshotIds?: string[] } = {},
): Promise<DeleteImageResult> {
  const region = await regionOf(ec2);
  const snapshotIds = new Set(options.knownSnapshotIds ?? []);
  const lookupFailures: string[] = [];
  try {
    for (const id of await imageSnapshotIds(ec2, amiId)) snapshotIds.add(id);
  } catch (error) {
    lookupFailures.push(`DescribeImages: ${describeAwsError(error)}`);
  }
  const searchByDescription = async () => {
    try {
      const { Snapshots = [] } = await ec2.send(
        new DescribeSnapshotsCommand({
          OwnerIds: ["self"],
          Filters: [{ Name: "description", Values: [`*${amiId}*`] }],
        }),
      );
      for (const snapshot of Snapshots) if (snapshot.SnapshotId) snapshotIds.add(snapshot.SnapshotId);
      return true;
    } catch (error) {
      lookupFailures.push(`DescribeSnapshots: ${describeAwsError(error)}`);
      return false;
    }
  };
  const searched = await searchByDescription();
  let deregistered = true;
  try {
    await ec2.send(new DeregisterImageCommand({ ImageId: amiId }));
  } catch (error) {
    if (notFoundOrThrow(error, { service: "EC2", operation: "DeregisterImage", region }) === undefined)
      deregistered = false;
  }
  // Both lookups failed: one more search now that the image is gone (a transient failure may have passed).
  const found = lookupFailures.length < 2 || searched || (await searchByDescription());
  const deletedSnapshots: string[] = [];
  const failedSnapshots: DeleteImageResult["failedSnapshots"] = [];
  for (const snapshotId of [...snapshotIds].sort()) {
    try {
      await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
      deletedSnapshots.push(snapshotId);
    } catch (error) {
      if (isNotFound(error)) continue;
      failedSnapshots.push({ snapshotId, reason: describeAwsError(error) });
    }
  }
  return {
    deregistered,
    deletedSnapshots,
    failedSnapshots,
    ...(found ? {} : { snapshotLookupFailure: lookupFailures.join("; ") }),
  };
}

/** "deregistered ami-… and deleted snap-1, snap-2" — for error messages; `region` makes the commands exact. */
export function describeDeletion(
  amiId: string,
  result: DeleteImageResult,
  region?: string,
): { undone: string[]; notUndone: string[] } {
  const inRegion = region ? ` --region ${region}` : "";
  const undone: string[] = [];
  const notUndone: string[] = [];
  const snaps = result.deletedSnapshots.length ? ` and deleted ${result.deletedSnapshots.join(", ")}` : "";
  undone.push(result.deregistered ? `deregistered ${amiId}${snaps}` : `${amiId} was already gone${snaps}`);
  for (const failed of result.failedSnapshots) {
    notUndone.push(
      `snapshot ${failed.snapshotId} could not be deleted (${failed.reason}): delete it with aws ec2 delete-snapshot${inRegion} --snapshot-id ${failed.snapshotId}`,
    );
  }
  if (result.snapshotLookupFailure) {
    notUndone.push(
      `the snapshots of ${amiId} could not be listed (${result.snapshotLookupFailure}): find them with ` +
        `aws ec2 describe-snapshots${inRegion} --owner-ids self --filters "Name=description,Values=*${amiId}*" and delete them`,
    );
  }
  return { undone, notUndone };
}

/** Re-exported so imaging callers keep one import; the definition lives with the other AWS error helpers. */
export { isNotFound };
