/**
 * The tags CloudWorkstation writes on images and snapshots it makes (saved, copied, built), in one table: the
 * imaging engine writes them, freshness and retirement read them. In the resolver's layer so both can.
 */
export const IMAGE_TAGS = {
  /** Every image and snapshot we make carries it: the retire tool only ever considers these. */
  managed: "cloudworkstation:managed",
  /** saved | copied | built */
  kind: "cloudworkstation:kind",
  template: "cloudworkstation:template",
  templateVersion: "cloudworkstation:template-version",
  templateHash: "cloudworkstation:template-hash",
  /** The base image a build started from, and the distribution parameter that named it. */
  baseAmi: "cloudworkstation:base-ami",
  baseParameter: "cloudworkstation:base-parameter",
  built: "cloudworkstation:built",
  builder: "cloudworkstation:builder",
  /** `<region>/<ami>` of a copy's source (the imaging copy engine). */
  copiedFrom: "cloudworkstation:copied-from",
  /** The source AMI id of a copy made by AmiResolution before the copy engines were unified; still recognised. */
  legacyCopyOf: "cloudworkstation:copy-of",
} as const;

/** Tags as a plain record. */
export function tagRecord(tags: readonly { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) out[tag.Key] = tag.Value ?? "";
  return out;
}

/** The source AMI id of an image that is a copy we made (either tag), else undefined. */
export function copySourceOf(tags: Record<string, string>): string | undefined {
  const from = tags[IMAGE_TAGS.copiedFrom];
  if (from) return from.slice(from.lastIndexOf("/") + 1) || undefined;
  return tags[IMAGE_TAGS.legacyCopyOf] || undefined;
}
