import type { Image } from "@aws-sdk/client-ec2";
import type { Architecture } from "./types";

/** What every candidate image must satisfy, whichever tier found it. */
export interface ImageRequirements {
  /** The architecture of the chosen instance type; an image of the other architecture cannot boot on it. */
  architecture: Architecture;
  /** When set, the image's owner (account id, or alias such as "amazon") must be listed. */
  trustedOwners?: readonly string[];
  /** Deprecated images are refused unless this is true (`ami_search.include_deprecated`). */
  includeDeprecated: boolean;
  /** Clock for the deprecation check. */
  now: Date;
  /**
   * Whether the image belongs to the caller's own account, when `trustedOwners` lists "self" (AWS gives images no
   * "self" alias; the engine asks EC2 with `Owners: ["self"]`). Undefined when not known or not needed.
   */
  ownedBySelf?: boolean;
}

export type ImageVerdict = { ok: true; image: Image } | { ok: false; reason: string };

/**
 * Decides whether `image` (as DescribeImages returned it in the region, or undefined when it does not exist there)
 * may be launched. The reason is written for the fallback chain, e.g.
 * `owner 210987654321 not in trusted_owners [099720109477]`. Internal. Exported for testing.
 */
export function validateImage(image: Image | undefined, requirements: ImageRequirements): ImageVerdict {
  if (!image)
    return {
      ok: false,
      reason: "does not exist in the region (deregistered, never copied here, or not shared with this account)",
    };
  if (image.State !== "available") return { ok: false, reason: `state is ${image.State ?? "unknown"}, not available` };
  const architecture = normaliseArchitecture(image.Architecture);
  if (architecture !== requirements.architecture) {
    return {
      ok: false,
      reason: `architecture ${image.Architecture ?? "unknown"} does not match ${requirements.architecture}`,
    };
  }
  const trusted = requirements.trustedOwners;
  if (trusted && trusted.length > 0 && !ownerIsTrusted(image, trusted, requirements.ownedBySelf)) {
    return { ok: false, reason: `owner ${ownerLabel(image)} not in trusted_owners [${trusted.join(", ")}]` };
  }
  if (!requirements.includeDeprecated && isDeprecated(image, requirements.now)) {
    return {
      ok: false,
      reason: `deprecated since ${image.DeprecationTime} (set ami_search.include_deprecated: true to allow deprecated images)`,
    };
  }
  return { ok: true, image };
}

/** True when the image's owner id or alias is in `trusted` ("self" matches only when `ownedBySelf`). */
export function ownerIsTrusted(image: Image, trusted: readonly string[], ownedBySelf?: boolean): boolean {
  if (image.OwnerId && trusted.includes(image.OwnerId)) return true;
  if (image.ImageOwnerAlias && trusted.includes(image.ImageOwnerAlias)) return true;
  return trusted.includes("self") && ownedBySelf === true;
}

export function isDeprecated(image: Image, now: Date): boolean {
  if (!image.DeprecationTime) return false;
  const at = Date.parse(image.DeprecationTime);
  return !Number.isNaN(at) && at <= now.getTime();
}

/** EC2 reports "arm64" or "arm64_mac"/"x86_64_mac"; Mac images are not workstation images, so they never match. */
export function normaliseArchitecture(architecture: string | undefined): Architecture | undefined {
  return architecture === "x86_64" || architecture === "arm64" ? architecture : undefined;
}

function ownerLabel(image: Image): string {
  return image.OwnerId ?? image.ImageOwnerAlias ?? "unknown";
}

/**
 * Newest first by CreationDate, then by ImageId descending, so two images created in the same second always come
 * out in the same order (the chain lives in Pulumi state; a flip would show as a diff on every run).
 */
export function compareNewestFirst(a: Image, b: Image): number {
  const byDate = (Date.parse(b.CreationDate ?? "") || 0) - (Date.parse(a.CreationDate ?? "") || 0);
  if (byDate !== 0) return byDate;
  const idA = a.ImageId ?? "";
  const idB = b.ImageId ?? "";
  return idA < idB ? 1 : idA > idB ? -1 : 0;
}

/** Gigabytes of EBS snapshots behind an image (what a cross-region copy transfers); 8 when EC2 does not say. */
export function snapshotGigabytes(image: Image): number {
  const total = (image.BlockDeviceMappings ?? []).reduce((sum, mapping) => sum + (mapping.Ebs?.VolumeSize ?? 0), 0);
  return total > 0 ? total : 8;
}
