import { imageSnapshotIds, shareImage, type ShareResult, type SharingOptions } from "../imaging";
import type { AwsClients } from "../core/clients";

/**
 * `cws ami share --json` and the result of the `POST /ami/share` job: launch permissions added to (or removed from)
 * one image, computed here once so the CLI and the HTTP API report the same object.
 */

export interface ShareReport extends ShareResult {
  region: string;
  operation: "add" | "remove";
}

/** Shares (or unshares) an image and its snapshots; an empty `sharing` changes nothing and reports no permission. */
export async function shareInRegion(
  clients: AwsClients,
  input: { amiId: string; region: string; sharing: SharingOptions; operation: "add" | "remove" },
): Promise<ShareReport> {
  const { amiId, region, sharing, operation } = input;
  if (!grantsAnything(sharing)) return { region, amiId, launchPermissions: [], snapshotIds: [], operation };
  const ec2 = clients.ec2(region);
  const snapshotIds = await imageSnapshotIds(ec2, amiId);
  const result = await shareImage(ec2, amiId, sharing, { snapshotIds, operation });
  return { region, ...result, operation };
}

/** Whether `sharing` names anyone: everyone, an account, an organization or an OU. */
export function grantsAnything(sharing: SharingOptions): boolean {
  return (
    sharing.public === true ||
    Boolean(sharing.accountIds?.length || sharing.organizationArns?.length || sharing.organizationalUnitArns?.length)
  );
}
