import { z } from "zod";
import { CAPTURE_MODES } from "../imaging/capture";
import { WORKSTATION_NAME, workstationNameProblem } from "../ops/workstations/stack";
import { AMI_ID_PATTERN, ARCHITECTURES, SIZES, STRATEGIES } from "../templates/schema";
import { ACCOUNT_ID_PATTERN, INSTANCE_ID_PATTERN } from "../core/aws-ids";
import { clip, didYouMean } from "../core/suggest";
import { checkRegionName, KNOWN_REGIONS } from "../core/regions";
import { TEMPLATE_NAME_PATTERN, TEMPLATE_NAME_RULE, TEMPLATE_REFERENCE_PATTERN } from "../templates/template-name";

/**
 * The zod schemas that validate every request; the OpenAPI document at /api/v1/openapi.json is generated from these
 * same schemas. Query parameters mirror the CLI flags (instanceType for --instance-type, regions comma-separated).
 */

/**
 * Why the server refuses a region name, in the CLI's words (checkRegionName): the name and the nearest region, never
 * the whole list. The server takes only the regions it knows: it has no way to warn about a name it would use as
 * written, and an unknown one would otherwise reach AWS and come back as an SDK error.
 */
function regionProblem(name: string): string {
  const check = checkRegionName(name);
  if (!check.ok) return check.error;
  return `unknown region ${JSON.stringify(clip(name))}${didYouMean(name, KNOWN_REGIONS)} (this server knows the regions listed in /api/v1/openapi.json)`;
}

export const region = z
  .enum(KNOWN_REGIONS, { error: (issue) => regionProblem(String(issue.input)) })
  .describe("an AWS region, e.g. us-east-1");
export const regionList = z
  .string()
  .describe("comma-separated regions, e.g. us-east-1,eu-west-1")
  .transform((value) => value.split(",").map((r) => r.trim()))
  .pipe(z.array(region).min(1).max(40));
const templateName = z.string().min(1).max(100).describe("a template name as listed by GET /api/v1/templates");
const amiId = z.string().regex(AMI_ID_PATTERN, "an AMI id: ami- followed by 8 or 17 hex digits");
const accountId = z.string().regex(ACCOUNT_ID_PATTERN, "a 12-digit AWS account id");

export const templateParams = z.object({ template: templateName });
export const nameParams = z.object({ name: templateName });
export const jobParams = z.object({ id: z.string().uuid() });

const resolveFlags = {
  arch: z.enum(ARCHITECTURES).optional(),
  instanceType: z
    .string()
    .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "an instance type, e.g. m7i.large")
    .optional(),
  size: z.enum(SIZES).optional(),
  strategy: z.enum(STRATEGIES).optional(),
  allowCopy: z.enum(["true", "false"]).optional().describe("consent to plan a cross-region copy (nothing is copied)"),
};

export const resolveQuery = z.object({ region: region.optional(), ...resolveFlags });
export const testQuery = z.object({ region: region.optional(), regions: regionList.optional(), ...resolveFlags });
export const listQuery = z.object({ region: region.optional(), template: templateName.optional() });
export const catalogQuery = z.object({
  template: templateName.optional(),
  region: region.optional(),
  channel: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, "a channel name, e.g. stable")
    .optional(),
});
/** `python-ml` (newest version) or `python-ml@2.1.0`. */
export const catalogEntryParams = z.object({
  entry: z.string().regex(TEMPLATE_REFERENCE_PATTERN, "template or template@version"),
});
export const costsQuery = z.object({
  template: templateName,
  region: region.optional(),
  size: z.enum(SIZES).optional(),
  instanceType: resolveFlags.instanceType,
  arch: z.enum(ARCHITECTURES).optional(),
});
/** `GET /ami/costs/{template}` (the design's path): the template in the path, the rest as for GET /ami/costs. */
export const costsPathQuery = costsQuery.omit({ template: true });

/** `POST /ami/test` (the design's path): GET /ami/test/{template}'s parameters as a JSON body. */
export const testBody = z
  .object({
    template: templateName,
    region: region.optional(),
    regions: z.array(region).min(1).max(40).optional(),
    arch: resolveFlags.arch,
    instanceType: resolveFlags.instanceType,
    size: resolveFlags.size,
    strategy: resolveFlags.strategy,
    allowCopy: z.boolean().optional().describe("consent to plan a cross-region copy (nothing is copied)"),
  })
  .strict();

/** `GET /community/amis` (the design's community registry, served from the lab catalog). */
export const communityQuery = catalogQuery.extend({
  category: z.string().min(1).max(100).optional().describe("only templates of this category (GET /templates)"),
  creator: z.string().min(1).max(200).optional().describe("only entries by this creator"),
});
export const communityAmiParams = z.object({ amiId });
export const rateBody = z
  .object({
    rating: z.number().int().min(1).max(5),
    review: z.string().max(2000).optional(),
  })
  .strict();

export const fallbacksQuery = z.object({
  region: region.optional(),
  maxHops: z.coerce.number().int().min(1).max(5).optional(),
});

export const createBody = z
  .object({
    instanceId: z.string().regex(INSTANCE_ID_PATTERN, "an instance id: i- followed by 8 or 17 hex digits"),
    templateName: z.string().regex(TEMPLATE_NAME_PATTERN, TEMPLATE_NAME_RULE),
    region: region.optional(),
    description: z.string().max(255).optional(),
    mode: z.enum(CAPTURE_MODES).optional(),
    baseTemplate: templateName.optional(),
  })
  .strict();

export const copyBody = z
  .object({
    amiId,
    sourceRegion: region.optional(),
    targetRegions: z.array(region).min(1).max(40),
    name: z.string().max(128).optional(),
    encrypted: z.boolean().optional(),
    timeoutMinutes: z
      .number()
      .positive()
      .max(24 * 60)
      .optional(),
  })
  .strict();

export const shareBody = z
  .object({
    amiId,
    region: region.optional(),
    accounts: z.array(accountId).max(100).optional(),
    organizationArns: z.array(z.string().max(256)).max(100).optional(),
    ouArns: z.array(z.string().max(256)).max(100).optional(),
    public: z.boolean().optional().describe("launchable by every AWS account; needs confirmPublic: true as well"),
    confirmPublic: z
      .literal(true)
      .optional()
      .describe(
        "with public: true, the caller's explicit consent to make the image launchable by every AWS account (the CLI's --yes)",
      ),
    remove: z.boolean().optional(),
  })
  .strict();

export const validateBody = z
  .object({
    names: z.array(templateName).max(200).optional().describe("templates to validate, by name"),
    content: z.string().max(200_000).optional().describe("YAML text of one template to validate"),
    file: z
      .string()
      .max(200)
      .optional()
      .describe("the name to report `content`'s issues under (default submitted.yml)"),
  })
  .strict()
  .refine((b) => (b.names !== undefined) !== (b.content !== undefined), {
    message: "give either names (templates by name) or content (YAML text), not both and not neither",
  });

/** A workstation's name, refused in the CLI's words (`cws launch <template> <name>`). */
const workstationName = z
  .string()
  .regex(WORKSTATION_NAME, { error: (issue) => workstationNameProblem(clip(String(issue.input)), "name") })
  .describe("the workstation's name, also its Pulumi stack's: 1-63 of a-z, 0-9 and -, e.g. my-research");

export const workstationParams = z.object({ name: workstationName });

/** `POST /workstations`: `cws launch <template> <name>`'s flags as a JSON body. */
export const launchBody = z
  .object({
    template: templateName,
    name: workstationName,
    region: region.optional(),
    arch: resolveFlags.arch,
    size: resolveFlags.size,
    instanceType: resolveFlags.instanceType,
    strategy: resolveFlags.strategy,
    preferScript: z
      .boolean()
      .optional()
      .describe("provision by script at boot even where an AMI exists (strategy ami_fallback; --prefer-script)"),
    allowCopy: z
      .boolean()
      .optional()
      .describe("allow copying an AMI from a neighbouring region when none exists here (--allow-copy)"),
    dryRun: z.boolean().optional().describe("answer the plan (AMI, method, estimates, consents) and create nothing"),
    confirm: z
      .boolean()
      .optional()
      .describe(
        "consent to what the plan asks about (a cross-region copy, a script fallback): the CLI's --yes; without it such a launch is a 409",
      ),
  })
  .strict();
