import {
  EC2Client,
  type LaunchPermission,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
} from "@aws-sdk/client-ec2";
import { InvalidInputError } from "../core/errors";
import { ACCOUNT_ID_PATTERN } from "../core/aws-ids";

export interface SharingOptions {
  /** 12-digit AWS account ids that may launch the image (their snapshots get createVolumePermission too). */
  accountIds?: string[];
  /** e.g. arn:aws:organizations::123456789012:organization/o-abc123def4 */
  organizationArns?: string[];
  /** e.g. arn:aws:organizations::123456789012:ou/o-abc123def4/ou-ab12-cdef3456 */
  organizationalUnitArns?: string[];
  /** Anyone in the world may launch the image. Only when explicitly true. */
  public?: boolean;
}

const ACCOUNT = ACCOUNT_ID_PATTERN;
const ORGANIZATION_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/;
const OU_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/;

export const PUBLIC_SHARING_WARNING =
  "sharing publicly: ANYONE with an AWS account can launch this image and read everything on its disks " +
  "(home directories, credentials, datasets). Make sure nothing private was left on the instance";

/** Checks sharing targets before any AWS call; a typo in an account id would otherwise share with a stranger or fail late. */
export function validateSharing(sharing: SharingOptions): void {
  for (const id of sharing.accountIds ?? []) {
    if (!ACCOUNT.test(id))
      throw new InvalidInputError(`"${id}" is not a 12-digit AWS account id`, "sharing.accountIds");
  }
  for (const arn of sharing.organizationArns ?? []) {
    if (!ORGANIZATION_ARN.test(arn)) {
      throw new InvalidInputError(
        `"${arn}" is not an organization ARN (arn:aws:organizations::<account>:organization/o-…)`,
        "sharing.organizationArns",
      );
    }
  }
  for (const arn of sharing.organizationalUnitArns ?? []) {
    if (!OU_ARN.test(arn)) {
      throw new InvalidInputError(
        `"${arn}" is not an organizational unit ARN (arn:aws:organizations::<account>:ou/o-…/ou-…)`,
        "sharing.organizationalUnitArns",
      );
    }
  }
}

/** The launch permissions a sharing request means; [] when nothing is shared. */
export function launchPermissionsFor(sharing: SharingOptions): LaunchPermission[] {
  return [
    ...(sharing.accountIds ?? []).map((UserId) => ({ UserId })),
    ...(sharing.organizationArns ?? []).map((OrganizationArn) => ({ OrganizationArn })),
    ...(sharing.organizationalUnitArns ?? []).map((OrganizationalUnitArn) => ({ OrganizationalUnitArn })),
    ...(sharing.public === true ? [{ Group: "all" as const }] : []),
  ];
}

export function isSharing(sharing: SharingOptions | undefined): sharing is SharingOptions {
  return Boolean(sharing && launchPermissionsFor(sharing).length > 0);
}

/** What was in `before` and is not in `after`: to remove on update. */
export function removedSharing(before: SharingOptions, after: SharingOptions): SharingOptions {
  const minus = (a?: string[], b?: string[]) => (a ?? []).filter((x) => !(b ?? []).includes(x));
  return {
    accountIds: minus(before.accountIds, after.accountIds),
    organizationArns: minus(before.organizationArns, after.organizationArns),
    organizationalUnitArns: minus(before.organizationalUnitArns, after.organizationalUnitArns),
    public: before.public === true && after.public !== true,
  };
}

export interface ShareResult {
  amiId: string;
  launchPermissions: LaunchPermission[];
  /** Snapshots given createVolumePermission for the shared accounts. */
  snapshotIds: string[];
}

/**
 * Adds (or removes) launch permissions on an image and, for account sharing, createVolumePermission on its
 * snapshots (so the accounts can also copy it; organizations get snapshot access through the launch permission).
 */
export async function shareImage(
  ec2: EC2Client,
  amiId: string,
  sharing: SharingOptions,
  options: { snapshotIds?: string[]; operation?: "add" | "remove" } = {},
): Promise<ShareResult> {
  validateSharing(sharing);
  const permissions = launchPermissionsFor(sharing);
  const operation = options.operation ?? "add";
  if (permissions.length === 0) return { amiId, launchPermissions: [], snapshotIds: [] };
  await ec2.send(
    new ModifyImageAttributeCommand({
      ImageId: amiId,
      LaunchPermission: operation === "add" ? { Add: permissions } : { Remove: permissions },
    }),
  );
  const accounts = sharing.accountIds ?? [];
  const snapshotIds = accounts.length ? (options.snapshotIds ?? []) : [];
  for (const snapshotId of snapshotIds) {
    await ec2.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: snapshotId,
        Attribute: "createVolumePermission",
        OperationType: operation,
        UserIds: accounts,
      }),
    );
  }
  return { amiId, launchPermissions: permissions, snapshotIds };
}
