import { REGION_NAME_PATTERN } from "./aws-ids";
import { clip, didYouMean } from "./suggest";

/**
 * The AWS commercial regions (as of late 2025), and the one rule every layer uses to check a region name. A known
 * region is accepted; a well-formed name that is not listed (a region launched after this list, GovCloud) is accepted
 * with a warning, so a new region works before we release; a malformed name (`us-east1`, `../../etc`) is an error with
 * a suggestion, because it is almost always a typo that would otherwise surface as an opaque SDK error at `pulumi up`.
 */
export const KNOWN_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "ca-west-1",
  "mx-central-1",
  "sa-east-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "eu-south-2",
  "ap-south-1",
  "ap-south-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-east-1",
  "ap-east-2",
  "me-south-1",
  "me-central-1",
  "il-central-1",
  "af-south-1",
] as const;

export type Region = (typeof KNOWN_REGIONS)[number];

export function isKnownRegion(region: string): region is Region {
  return (KNOWN_REGIONS as readonly string[]).includes(region);
}

/** Whether `name` is formed like an AWS region name (known or not). */
export function isWellFormedRegion(name: string): boolean {
  return REGION_NAME_PATTERN.test(name);
}

export type RegionCheck = { ok: true; warning?: string } | { ok: false; error: string };

/**
 * The one region rule: known → ok; well-formed but unlisted → ok with a warning; anything else → an error with a
 * "did you mean". Messages name the region (clipped) but not the field: the caller knows where it was written.
 */
export function checkRegionName(name: string): RegionCheck {
  if (isKnownRegion(name)) return { ok: true };
  const shown = JSON.stringify(clip(name));
  if (isWellFormedRegion(name)) {
    const suggestion = didYouMean(name, KNOWN_REGIONS);
    return {
      ok: true,
      warning:
        `region ${shown} is not one of the AWS regions CloudWorkstation knows${suggestion}; ` +
        "it is used as written (fine for a newly launched region), so check its spelling",
    };
  }
  const suggestion = didYouMean(name, KNOWN_REGIONS);
  return {
    ok: false,
    error: suggestion
      ? `unknown region ${shown}${suggestion}`
      : `unknown region ${shown}: not formed like an AWS region name such as ${KNOWN_REGIONS.slice(0, 4).join(", ")}`,
  };
}
