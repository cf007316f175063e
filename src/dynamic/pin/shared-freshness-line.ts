/**
 * Shared by the provider (check, which computes the freshness in provider-freshness.ts) and the program side (the
 * AmiResolution class): no AWS SDK, no Pulumi.
 */

/** Whether the AMI in use is still what the template would pick (see resolver/freshness.ts). */
export interface AmiFreshness {
  /** current, newer_available, deprecated_soon, deprecated, deregistered, revoked or base_outdated. */
  status: string;
  /** What a fresh resolution would pick now (newer_available), or the base a rebuild would use (base_outdated). */
  candidateAmiId: string | null;
  /** For newer_available, the candidate and its date (`ami-… (2026-11-20)`); otherwise why. */
  reason: string;
}

/** The line `pulumi preview` shows for a resolution whose AMI is no longer current. Internal. Exported for testing. */
export function freshnessWarning(name: string, freshness: AmiFreshness, inUse: string): string {
  if (freshness.status === "newer_available")
    return `${name}: newer image available: ${freshness.reason}; pinned ${inUse} — set refresh: latest or bump the pin`;
  return `${name}: ${freshness.status.replace(/_/g, " ")}: ${freshness.reason}`;
}
