import type { InputPropertyErrorDetails } from "@pulumi/pulumi";
import { shellQuote } from "../resolver/user-data";

/**
 * The data volume of a workstation (`dataVolumeGb`): its type and size checks, its zone, its arguments and the boot
 * section that mounts it. Pure; the resources are made in workstation-resources.ts.
 */

/**
 * One mistake in the component's arguments (workstation-plan.ts collects them all), in Pulumi's own shape: the
 * property (`allowedCidrs[0]`) and what to do about it.
 */
export type WorkstationArgErrors = InputPropertyErrorDetails;

export const DATA_VOLUME_TYPES = ["gp3", "gp2", "io1", "io2", "st1", "sc1"] as const;
export type DataVolumeType = (typeof DATA_VOLUME_TYPES)[number];
/** Where the data volume is attached (on Nitro instances it shows as an NVMe device; the boot script finds either). */
export const DATA_VOLUME_DEVICE = "/dev/sdf";
export const DATA_VOLUME_MOUNT = "/data";

/** The per-type size limits of EBS (GiB), so a wrong size fails in preview rather than at CreateVolume. */
const DATA_VOLUME_LIMITS: Record<DataVolumeType, [number, number]> = {
  gp3: [1, 16384],
  gp2: [1, 16384],
  io1: [4, 16384],
  io2: [4, 65536],
  st1: [125, 16384],
  sc1: [125, 16384],
};

/** Mistakes in `dataVolumeGb` / `dataVolumeType`, each saying what to do. */
export function dataVolumeErrors(args: { dataVolumeGb?: unknown; dataVolumeType?: unknown }): WorkstationArgErrors[] {
  const errors: WorkstationArgErrors[] = [];
  const type = args.dataVolumeType ?? "gp3";
  if (!(DATA_VOLUME_TYPES as readonly unknown[]).includes(type)) {
    errors.push({
      propertyPath: "dataVolumeType",
      reason: `"${String(type)}" is not one of ${DATA_VOLUME_TYPES.join(", ")}`,
    });
    return errors;
  }
  if (args.dataVolumeGb === undefined) {
    if (args.dataVolumeType !== undefined)
      errors.push({
        propertyPath: "dataVolumeType",
        reason: "give dataVolumeGb too: without a size there is no data volume",
      });
    return errors;
  }
  const [min, max] = DATA_VOLUME_LIMITS[type as DataVolumeType];
  const size = args.dataVolumeGb;
  if (typeof size !== "number" || !Number.isInteger(size) || size < min || size > max)
    errors.push({
      propertyPath: "dataVolumeGb",
      reason: `${String(size)} is not a ${String(type)} volume size; give whole GiB between ${min} and ${max}`,
    });
  return errors;
}

/**
 * The data volume's Availability Zone: the subnet's when the workstation has one, else the one given, else the
 * region's "a" zone (then the instance is placed there too). It never depends on the instance or its AMI, so a new
 * image replaces the instance and leaves the volume alone. Internal. Exported for testing.
 */
export function dataVolumeZone(input: { region: string; subnetZone?: string; availabilityZone?: string }): string {
  return input.subnetZone ?? input.availabilityZone ?? `${input.region}a`;
}

/**
 * The data volume's arguments. Nothing here is the AMI, the instance type or the instance: replacing the instance for
 * a new image keeps the same volume (and `retainOnDelete` keeps it even when the workstation is destroyed).
 * Internal. Exported for testing.
 */
export function dataVolumePlan(input: {
  name: string;
  availabilityZone: string;
  sizeGb: number;
  type?: DataVolumeType;
  tags?: Record<string, string>;
}): {
  args: { availabilityZone: string; size: number; type: DataVolumeType; encrypted: true; tags: Record<string, string> };
  retainOnDelete: true;
} {
  return {
    args: {
      availabilityZone: input.availabilityZone,
      size: input.sizeGb,
      type: input.type ?? "gp3",
      encrypted: true,
      tags: {
        Name: `${input.name}-data`,
        "cloudworkstation:workstation": input.name,
        "cloudworkstation:data-volume": "true",
        ...(input.tags ?? {}),
      },
    },
    retainOnDelete: true,
  };
}

/**
 * The boot section that mounts the data volume at /data: it waits for the attachment (made right after the instance
 * exists), formats the device ONLY when it holds no filesystem (a replaced instance finds the old data), and mounts it
 * by UUID with `nofail` (a missing volume never stops the boot). Runs in the background so provisioning does not wait.
 */
export function dataVolumeBootSection(volumeId: string): string {
  // EBS volumes on Nitro show as NVMe devices whose by-id name carries the volume id without its dash.
  const byId = `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volumeId.replace("-", "")}`;
  return [
    `# CloudWorkstation data volume ${volumeId}: kept across instance replacement; formatted only when blank.`,
    "(",
    "  device=''",
    "  for attempt in $(seq 1 120); do",
    `    for candidate in ${shellQuote(byId)} ${DATA_VOLUME_DEVICE} /dev/xvdf; do`,
    '      if [ -b "$candidate" ]; then device=$(readlink -f "$candidate"); break 2; fi',
    "    done",
    "    sleep 5",
    "  done",
    `  if [ -z "$device" ]; then echo "data volume ${volumeId} is not attached after 10 minutes; ${DATA_VOLUME_MOUNT} not mounted" >&2; exit 0; fi`,
    '  if [ -z "$(blkid -o value -s TYPE "$device")" ]; then mkfs -t ext4 -L cws-data "$device"; fi',
    '  uuid=$(blkid -o value -s UUID "$device"); fstype=$(blkid -o value -s TYPE "$device")',
    `  mkdir -p ${DATA_VOLUME_MOUNT}`,
    `  grep -q "UUID=$uuid " /etc/fstab || echo "UUID=$uuid ${DATA_VOLUME_MOUNT} $fstype defaults,nofail 0 2" >> /etc/fstab`,
    `  mountpoint -q ${DATA_VOLUME_MOUNT} || mount ${DATA_VOLUME_MOUNT}`,
    ") &",
  ].join("\n");
}
