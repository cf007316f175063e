import semver from "semver";
import { z } from "zod";
import { ACCOUNT_ID_PATTERN } from "../templates/schema";
import { amiMappingSchema } from "../templates/schema-ami-sources";
import { isKnownRegion, KNOWN_REGIONS } from "../core/regions";
import { didYouMean } from "../core/suggest";
import { TEMPLATE_NAME_PATTERN, TEMPLATE_NAME_RULE } from "../templates/template-name";

/**
 * The lab AMI catalog format (docs/catalog.md): the catalog manifest, one entry per template version, one review per
 * reviewer. Strict objects, like templates: a misspelt key is an error with a "did you mean", never silently ignored.
 */

/** The namespace every entry signature is made and verified in (`ssh-keygen -Y sign -n …`). */
export const SIGNATURE_NAMESPACE = "cloudworkstation-catalog";
export const MANIFEST_FILE = "cloudworkstation-catalog.yml";
export const ALLOWED_SIGNERS_FILE = "allowed_signers";
export const DEFAULT_CHANNELS = ["stable", "beta"] as const;
export const DEFAULT_CHANNEL = "stable";

const nonEmpty = z.string().min(1, { error: "must not be empty" });
const name = z.string().regex(TEMPLATE_NAME_PATTERN, {
  error: (issue) => `"${String(issue.input)}" is not a template name: ${TEMPLATE_NAME_RULE}`,
});
const isoDate = z
  .string()
  .refine((value) => /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(value) && !Number.isNaN(Date.parse(value)), {
    error: 'not a date: write an ISO 8601 date such as "2026-11-01" (in quotes)',
  });

const region = z
  .string()
  .refine(isKnownRegion, {
    error: (issue) => `unknown region "${String(issue.input)}"${didYouMean(String(issue.input), KNOWN_REGIONS)}`,
  })
  .meta({ enum: [...KNOWN_REGIONS] });

export const catalogManifestSchema = z
  .strictObject({
    name: name.describe("Short name of the catalog, shown in chains and `cws catalog` output, e.g. acc-lab"),
    description: nonEmpty.describe("What the catalog holds and who maintains it").optional(),
    require_signatures: z
      .boolean()
      .default(true)
      .describe("Refuse entries whose signature is missing or does not verify against allowed_signers"),
    channels: z
      .array(name)
      .min(1)
      .default([...DEFAULT_CHANNELS])
      .describe("The channels entries may be published in; templates pick one (default stable)"),
  })
  .describe("cloudworkstation-catalog.yml: the catalog's name and rules");
export type CatalogManifest = z.infer<typeof catalogManifestSchema>;

export const verificationSchema = z
  .strictObject({
    tested: z.boolean().describe("The image was launched and its software checked").optional(),
    security_scan: z.enum(["passed", "failed", "not_run"]).describe("Result of the lab's security scan").optional(),
    performance_benchmark: nonEmpty.describe('A measured result, e.g. "4.2x faster than script install"').optional(),
  })
  .describe("What was checked about this version before it was published");

export const revocationSchema = z
  .strictObject({
    reason: nonEmpty.describe('Why the version must no longer be launched, e.g. "openssl CVE-2026-1234"'),
    at: isoDate.describe("When it was revoked (ISO 8601)"),
  })
  .describe("Present when the version is revoked: no resolution selects it, pinned workstations re-resolve");

export const catalogEntrySchema = z
  .strictObject({
    template: name.describe("The template this image set is for; must match the entries/<template>/ folder"),
    version: z
      .string()
      .refine((value) => semver.valid(value) !== null, {
        error: (issue) => `"${String(issue.input)}" is not a semver version: write e.g. "2.1.0"`,
      })
      .describe("Semantic version of this image set; must match the file name <version>.yml"),
    creator: nonEmpty.describe("Who built and signed the entry: the signer's principal in allowed_signers"),
    owner_account: z
      .string()
      .regex(ACCOUNT_ID_PATTERN, {
        error: (issue) =>
          `"${String(issue.input)}" is not an AWS account id: write the 12 digits in quotes, e.g. "111122223333"`,
      })
      .describe("The AWS account that owns every AMI listed; an AMI owned by anyone else is refused"),
    description: nonEmpty.describe("What is in the image").optional(),
    channels: z.array(name).min(1).describe("Channels this version is published in (the catalog's channels)"),
    regions: z
      .record(region, amiMappingSchema)
      .refine((regions) => Object.keys(regions).length > 0, { error: "must list at least one region" })
      .describe("region → AMI id, or region → { x86_64, arm64 }"),
    verification: verificationSchema.optional(),
    revoked: revocationSchema.optional(),
  })
  .describe("One version of one template's image set in a CloudWorkstation lab catalog");
export type CatalogEntry = z.infer<typeof catalogEntrySchema>;

export const reviewSchema = z
  .strictObject({
    rating: z.int().min(1).max(5).describe("1 (poor) to 5 (excellent)"),
    comment: z.string().describe("What worked, what did not").optional(),
    reviewer: nonEmpty.describe("Who reviewed; must match the file name <reviewer>.yml"),
    date: isoDate.describe("When the review was written (ISO 8601)"),
  })
  .describe("One person's review of one catalog entry");
export type Review = z.infer<typeof reviewSchema>;

/** Stable identifier of the entry schema (catalog/entry.schema.json). */
export const ENTRY_SCHEMA_ID = "urn:cloudworkstation:schema:catalog-entry:v1";

/** The entry format as JSON Schema (draft 2020-12), generated from the zod schema so the two cannot drift. */
export function catalogEntryJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(catalogEntrySchema, { io: "input", target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: ENTRY_SCHEMA_ID,
    title: "CloudWorkstation catalog entry",
    description:
      "entries/<template>/<version>.yml in a lab AMI catalog: one signed version of a template's images. See docs/catalog.md.",
    ...rest,
  };
}
