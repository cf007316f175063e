import type { Image } from "@aws-sdk/client-ec2";
import { AMI_ID_PATTERN, type Architecture } from "../templates/schema";
import { type AmiMapping } from "../templates/schema-ami-sources";
import { formatIssue } from "../templates/errors";
import type { CatalogEntry } from "./format";
import type { LoadedEntry } from "./loader";
import type { OpenedCatalog } from "./store";

/**
 * The catalog's half of selecting a version: which entries are candidates (the template's, in the channel, newest
 * semver first) and whether one may be used before any AWS call (revocation, signature, rating, region and
 * architecture). The AWS half (the AMI exists, is available, its real owner is the entry's owner_account and in
 * trusted_owners…) is the resolver tier's, through the resolver's image validation.
 */

export interface CatalogRequest {
  template: string;
  channel: string;
  minRating?: number;
  region: string;
  architecture: Architecture;
}

/** The template's entries in the channel (invalid files included, so they can be reported), newest version first. */
export function candidateEntries(opened: OpenedCatalog, request: Pick<CatalogRequest, "template" | "channel">) {
  return opened.catalog.entries.filter(
    (loaded) =>
      loaded.template === request.template && (!loaded.entry || loaded.entry.channels.includes(request.channel)),
  );
}

export type PreCheck =
  { ok: true; entry: CatalogEntry; amiId: string; field: string; signer: string } | { ok: false; reason: string };

/** Every check of one version that needs no AWS call; the reason is written for the fallback chain. */
export async function preCheckEntry(
  opened: OpenedCatalog,
  loaded: LoadedEntry,
  request: CatalogRequest,
): Promise<PreCheck> {
  const entry = loaded.entry;
  if (!entry) {
    const first = loaded.issues.find((issue) => issue.severity !== "warning");
    return { ok: false, reason: `invalid entry file: ${first ? formatIssue(first) : loaded.file}` };
  }
  if (entry.revoked) return { ok: false, reason: `revoked on ${entry.revoked.at}: ${entry.revoked.reason}` };
  const signature = await opened.verifySignature(loaded);
  const required = opened.catalog.manifest?.require_signatures ?? true;
  let signer: string;
  if (signature.ok) signer = signature.signer;
  else if (required || !/signature missing/.test(signature.reason)) return { ok: false, reason: signature.reason };
  else signer = "unsigned (the catalog does not require signatures)";
  if (request.minRating !== undefined) {
    if (!loaded.rating) return { ok: false, reason: `no reviews, and min_rating is ${request.minRating}` };
    if (loaded.rating.average < request.minRating)
      return {
        ok: false,
        reason: `rated ${loaded.rating.average} by ${loaded.rating.count}, below min_rating ${request.minRating}`,
      };
  }
  const mapping = (entry.regions as Record<string, AmiMapping | undefined>)[request.region];
  if (mapping === undefined)
    return { ok: false, reason: `no AMI for ${request.region} (has ${Object.keys(entry.regions).sort().join(", ")})` };
  let amiId: string | undefined;
  let field = `regions.${request.region}`;
  if (typeof mapping === "string") amiId = mapping;
  else {
    amiId = mapping[request.architecture];
    field += `.${request.architecture}`;
    if (!amiId) return { ok: false, reason: `no ${request.architecture} AMI for ${request.region}` };
  }
  if (!AMI_ID_PATTERN.test(amiId)) return { ok: false, reason: `${field} is "${amiId}", not an AMI id` };
  return { ok: true, entry, amiId, field, signer };
}

/** The owner_account check: an entry vouches only for its own account's images. Undefined when it passes. */
export function ownerMismatch(image: Image, entry: CatalogEntry): string | undefined {
  if (image.OwnerId === entry.owner_account) return undefined;
  return `owner ${image.OwnerId ?? "unknown"} is not the entry's owner_account ${entry.owner_account}`;
}

/** `catalog acc-lab@1a2b3c4d5e6f` (with the commit for Git sources). */
export function describeCatalog(opened: OpenedCatalog): string {
  return `catalog ${opened.name}${opened.commit ? `@${opened.commit.slice(0, 12)}` : ""}`;
}
