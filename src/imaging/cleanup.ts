import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { describeAwsError } from "./errors";

export interface DeleteImageResult {
  /** False when the image was already gone. */
  deregistered: boolean;
  deletedSnapshots: string[];
  /** Snapshots that could not be deleted, with the reason; they still cost money. */
  failedSnapshots: { snapshotId: string; reason: string }[];
}

/** The EBS snapshots behind an image, from its block device mappings; [] when the image is gone. */
export async function imageSnapshotIds(ec2: EC2Client, amiId: string): Promise<string[]> {
  try {
    const { Images = [] } = await ec2.send(new DescribeImagesCommand({ ImageIds: [amiId] }));
    return snapshotsOf(Images[0]?.BlockDeviceMappings);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

export function snapshotsOf(mappings: { Ebs?: { SnapshotId?: string } }[] | undefined): string[] {
  return (mappings ?? []).map((m) => m.Ebs?.SnapshotId).filter((id): id is string => Boolean(id));
}

/**
 * Deregisters an image and deletes its snapshots. Snapshots are found from the image's block device mappings and,
 * for an image that never became available (no mappings yet), from the snapshot description AWS writes
 * ("Created by CreateImage(i-…) for ami-…" / "Copied for DestinationAmi ami-…").
 */
export async function deleteImageAndSnapshots(ec2: EC2Client, amiId: string): Promise<DeleteImageResult> {
  const snapshotIds = new Set(await imageSnapshotIds(ec2, amiId));
  try {
    const { Snapshots = [] } = await ec2.send(
      new DescribeSnapshotsCommand({ OwnerIds: ["self"], Filters: [{ Name: "description", Values: [`*${amiId}*`] }] }),
    );
    for (const snapshot of Snapshots) if (snapshot.SnapshotId) snapshotIds.add(snapshot.SnapshotId);
  } catch {
    // The block device mappings are the primary source; the description search only widens it.
  }
  let deregistered = true;
  try {
    await ec2.send(new DeregisterImageCommand({ ImageId: amiId }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
    deregistered = false;
  }
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
  return { deregistered, deletedSnapshots, failedSnapshots };
}

export function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string; Code?: string })?.name ?? "";
  return /NotFound|InvalidAMIID\.(NotFound|Unavailable)|InvalidSnapshot\.NotFound/.test(name);
}

/** "deregistered ami-… and deleted snap-1, snap-2" — for error messages. */
export function describeDeletion(amiId: string, result: DeleteImageResult): { undone: string[]; notUndone: string[] } {
  const undone: string[] = [];
  const notUndone: string[] = [];
  const snaps = result.deletedSnapshots.length ? ` and deleted ${result.deletedSnapshots.join(", ")}` : "";
  undone.push(result.deregistered ? `deregistered ${amiId}${snaps}` : `${amiId} was already gone${snaps}`);
  for (const failed of result.failedSnapshots) {
    notUndone.push(
      `snapshot ${failed.snapshotId} could not be deleted (${failed.reason}): delete it with aws ec2 delete-snapshot --snapshot-id ${failed.snapshotId}`,
    );
  }
  return { undone, notUndone };
}
