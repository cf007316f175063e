import semver from "semver";
import { z } from "zod";
import { amiId, nonEmpty } from "./schema-fields";

/**
 * The AMI sources of `ami_config` that name an image directly or by one key: ami_mappings, ssm_parameter,
 * marketplace_search and catalog (ami_search and ami_config itself are in schema.ts, beside the architectures and
 * strategies they use).
 */

/** region → AMI id, or region → { x86_64, arm64 }. */
export const amiMappingSchema = z.union(
  [
    amiId,
    z.strictObject({ x86_64: amiId.optional(), arm64: amiId.optional() }).refine((m) => m.x86_64 || m.arm64, {
      error: "give at least one of x86_64 or arm64",
    }),
  ],
  { error: "expected an AMI id (ami-…) or a mapping of architecture to AMI id, e.g. { x86_64: ami-…, arm64: ami-… }" },
);
export type AmiMapping = z.infer<typeof amiMappingSchema>;

/** An SSM parameter name, or one per architecture. */
const ssmParameterName = z.string().startsWith("/", {
  error: (issue) => `"${String(issue.input)}" is not an SSM parameter name: it starts with "/", e.g. /aws/service/…`,
});
export const ssmParameterSchema = z
  .union(
    [
      ssmParameterName,
      z
        .strictObject({ x86_64: ssmParameterName.optional(), arm64: ssmParameterName.optional() })
        .refine((m) => m.x86_64 || m.arm64, { error: "give at least one of x86_64 or arm64" }),
    ],
    { error: "expected an SSM parameter name (/aws/service/…) or a mapping of architecture to parameter name" },
  )
  .describe(
    "Public or private SSM parameter whose value is an AMI id, e.g. /aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id; one name, or one per architecture",
  );
export type SsmParameter = z.infer<typeof ssmParameterSchema>;

export const marketplaceSearchSchema = z
  .strictObject({
    product_code: nonEmpty.describe("The AWS Marketplace product code"),
    version_constraint: z
      .string()
      .refine((value) => semver.validRange(value) !== null, {
        error: 'not a semver range: write e.g. ">=2.1 <3" or "^1.4"',
      })
      .describe("semver range the product version must satisfy")
      .optional(),
  })
  .describe("Find a subscribed AWS Marketplace image by product code");
export type MarketplaceSearch = z.infer<typeof marketplaceSearchSchema>;

export const catalogSourceSchema = z
  .strictObject({
    source: nonEmpty.describe(
      "The lab catalog: a directory (relative to the working directory) or git+https://…, git+ssh://…, git+file:///… with an optional #branch, tag or commit",
    ),
    channel: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/, { error: 'a channel name such as "stable" or "beta"' })
      .default("stable")
      .describe("The channel to take versions from (default stable)"),
    min_rating: z
      .number()
      .min(1)
      .max(5)
      .describe("Skip versions whose average review rating is below this (1-5); versions without reviews are skipped")
      .optional(),
  })
  .describe(
    "Take the newest signed, unrevoked version of this template from a lab AMI catalog (docs/catalog.md); tried right after ami_mappings",
  );
export type CatalogSourceConfig = z.infer<typeof catalogSourceSchema>;
