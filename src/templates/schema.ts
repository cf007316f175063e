import { z } from "zod";
import { INSTANCE_FAMILY_PATTERN, INSTANCE_TYPE_PATTERN } from "../core/aws-ids";
import { BASES } from "./bases";
import { TEMPLATE_NAME_PATTERN, TEMPLATE_NAME_RULE } from "./template-name";
import { clip } from "../core/suggest";
import { commandArgumentProblem, userDataProblem } from "./render-rules";
import {
  amiMappingSchema,
  catalogSourceSchema,
  marketplaceSearchSchema,
  ssmParameterSchema,
} from "./schema-ami-sources";
import {
  commandWord,
  commandWords,
  fallbackTimeout,
  isoDate,
  MAX_FALLBACK_TIMEOUT,
  nonEmpty,
  owner,
  region,
} from "./schema-fields";

/**
 * The workstation template format. Every object is strict: an unknown key is an error (with a "did you mean"
 * suggestion from the loader), because a misspelt key silently ignored is a workstation silently misconfigured.
 */

export { ACCOUNT_ID_PATTERN, AMI_ID_PATTERN } from "../core/aws-ids";
export const ARCHITECTURES = ["x86_64", "arm64"] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export { BASES, type Base } from "./bases";

export const SIZES = ["XS", "S", "M", "L", "XL", "GPU-S", "GPU-M", "GPU-L"] as const;
export type Size = (typeof SIZES)[number];

export const STRATEGIES = ["ami_preferred", "ami_required", "ami_fallback"] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const FALLBACK_STRATEGIES = ["script_provisioning", "cross_region", "error"] as const;
export type FallbackStrategy = (typeof FALLBACK_STRATEGIES)[number];

export const PACKAGE_MANAGERS = ["apt", "dnf", "conda", "pip", "spack", "ami"] as const;

/**
 * Checks that only make sense on a whole template (after inheritance) carry this in their issue's `params`, so a
 * template that inherits can be validated on its own without them (its parent may supply what they look for).
 */
export const MERGED_ONLY = { scope: "merged" } as const;

const architecture = z.enum(ARCHITECTURES).describe("CPU architecture: x86_64 (Intel/AMD) or arm64 (Graviton)");

export const amiSearchSchema = z
  .strictObject({
    /** Required: an image picked by name alone can be anyone's (name-squatting on public AMIs). */
    owners: z
      .array(owner, {
        error: (issue) =>
          issue.input === undefined
            ? "owners is required: an AMI matched by name alone can be published by anyone (name-squatting). " +
              'List the publisher\'s account ids, e.g. owners: ["099720109477"] for Canonical, or "self"/"amazon"'
            : undefined,
      })
      .min(1, { error: "owners must list at least one account id or alias" })
      .describe("Publishers whose images may match: 12-digit account ids or self/amazon/aws-marketplace"),
    name_pattern: nonEmpty.describe("DescribeImages name filter; * matches any characters").optional(),
    version_tag: nonEmpty.describe("Only images whose Version tag equals this").optional(),
    architecture: z.array(architecture).min(1).describe("Only images of these architectures").optional(),
    min_creation_date: isoDate.describe("Only images created on or after this date (ISO 8601)").optional(),
    required_tags: z.record(z.string(), z.string()).describe("Only images carrying all these tags").optional(),
    include_deprecated: z.boolean().default(false).describe("Also consider images AWS marks deprecated"),
  })
  .describe("Find the newest matching image with DescribeImages; owners is required");
export type AmiSearch = z.infer<typeof amiSearchSchema>;

export const amiConfigSchema = z
  .strictObject({
    strategy: z
      .enum(STRATEGIES)
      .default("ami_preferred")
      .describe(
        "ami_preferred: a found AMI is launched as is, else the provisioning script on the base OS; ami_required: an AMI or fail; ami_fallback: the script always runs, on the found AMI (or the base OS)",
      ),
    ami_mappings: z
      .record(region, amiMappingSchema)
      .describe("region → AMI id, or region → { x86_64, arm64 }: images you own or were given, tried first")
      .optional(),
    catalog: catalogSourceSchema.optional(),
    ssm_parameter: ssmParameterSchema.optional(),
    ami_search: amiSearchSchema.optional(),
    marketplace_search: marketplaceSearchSchema.optional(),
    fallback_strategy: z
      .enum(FALLBACK_STRATEGIES)
      .default("script_provisioning")
      .describe(
        "When no AMI is found: script_provisioning, cross_region (copy from a nearby region, with consent) or error",
      ),
    fallback_timeout: fallbackTimeout
      .default("10m")
      .describe(`How long AMI resolution may take before the fallback applies; at most ${MAX_FALLBACK_TIMEOUT}`),
    preferred_architecture: architecture.optional(),
    instance_family_preference: z
      .array(z.string().regex(INSTANCE_FAMILY_PATTERN, { error: 'an instance family such as "m7i" or "g5"' }))
      .describe("Instance families to try in order, e.g. [g6, g5]")
      .optional(),
    /** When set, every candidate AMI's owner must be in this list, whatever tier found it. */
    trusted_owners: z
      .array(owner)
      .describe("When set, an AMI from any source is used only if its owner is listed here")
      .optional(),
    allow_cross_region_copy: z.boolean().default(false).describe("Consent to copying an AMI from another region"),
  })
  .superRefine((config, ctx) => {
    const hasSource = Boolean(
      (config.ami_mappings && Object.keys(config.ami_mappings).length > 0) ||
      config.catalog ||
      config.ssm_parameter ||
      config.ami_search ||
      config.marketplace_search,
    );
    if (config.strategy === "ami_required" && !hasSource) {
      ctx.addIssue({
        code: "custom",
        path: ["strategy"],
        params: MERGED_ONLY,
        message:
          "ami_required needs an AMI source: add ami_mappings, catalog, ssm_parameter, ami_search or marketplace_search, " +
          "or use strategy: ami_preferred to allow script provisioning",
      });
    }
    if (config.fallback_strategy === "cross_region" && !hasSource) {
      ctx.addIssue({
        code: "custom",
        path: ["fallback_strategy"],
        params: MERGED_ONLY,
        message:
          "cross_region copies an AMI found in a neighbouring region, but no AMI source is configured to find one",
      });
    }
  })
  .describe(
    "Where the workstation's image comes from, tried in order: ami_mappings, catalog, ssm_parameter, ami_search, marketplace_search",
  );
export type AmiConfig = z.infer<typeof amiConfigSchema>;

export const parameterSchema = z
  .strictObject({
    type: z.enum(["string", "number", "boolean"]).default("string").describe("The value's type"),
    default: z
      .union([z.string(), z.number(), z.boolean()], { error: "expected text, a number or true/false" })
      .describe("Used when no value is given; without one, a value must be given")
      .optional(),
    description: z.string().describe("What the parameter controls").optional(),
    choices: z
      .array(z.union([z.string(), z.number()], { error: "expected text or a number" }))
      .describe("The only values allowed")
      .optional(),
  })
  .superRefine((param, ctx) => {
    if (param.default !== undefined && typeof param.default !== param.type) {
      ctx.addIssue({
        code: "custom",
        path: ["default"],
        params: MERGED_ONLY,
        message: `default must be a ${param.type}, as the parameter's type says${param.type === "string" && typeof param.default === "number" ? `; quote it ("${param.default}")` : ""}`,
      });
    }
    if (param.choices && param.default !== undefined && !param.choices.includes(param.default as string | number)) {
      ctx.addIssue({
        code: "custom",
        path: ["default"],
        params: MERGED_ONLY,
        message: `default must be one of the choices: ${param.choices.join(", ")}`,
      });
    }
  })
  .describe("A value given at launch (or defaulted) and substituted for {{name}} in every string of the template");
export type TemplateParameter = z.infer<typeof parameterSchema>;

const port = z.number().int().min(1).max(65535);

/** A template name: also its file name (`<name>.yml`) and how other templates inherit from it. */
const templateName = z.string().regex(TEMPLATE_NAME_PATTERN, { error: `a template name is ${TEMPLATE_NAME_RULE}` });

export const templateSchema = z.strictObject({
  name: templateName.describe("The template's name; by convention its file is <name>.yml"),
  description: z.string().describe("One line shown in template lists; not inherited").optional(),
  version: z
    .union([z.string(), z.number()], { error: 'expected a version such as "1.2.0"' })
    .transform(String)
    .describe('The template\'s own version; quote it ("1.10") so YAML keeps it as text')
    .optional(),
  maintainer: z.string().describe("Who to ask about this template").optional(),
  category: z.string().describe("Grouping for template lists, e.g. machine-learning").optional(),
  base: z
    .enum(BASES)
    .describe("The OS the provisioning script runs on (and whose stock image it starts from)")
    .optional(),
  /** Parent template(s); see the loader for merge rules. */
  inherits: z
    .union([nonEmpty, z.array(nonEmpty).min(1)], { error: "expected a template name or a list of template names" })
    .describe("Parent template name(s), merged left to right before this template; see docs/templates.md")
    .optional(),
  package_manager: z
    .enum(PACKAGE_MANAGERS)
    .describe("The template's main package manager (apt/dnf must match base)")
    .optional(),
  packages: z
    .strictObject({
      system: commandWords.describe("apt or dnf packages, by the base OS").optional(),
      conda: commandWords
        .describe('conda specs installed from conda-forge, e.g. "python=3.12", "bioconda::samtools"')
        .optional(),
      pip: commandWords
        .describe("pip requirement specs, installed into the conda environment or a virtualenv")
        .optional(),
      spack: commandWords.describe("spack specs, built in order").optional(),
    })
    .describe("Software the provisioning script installs")
    .optional(),
  services: z
    .array(
      z.strictObject({
        name: commandWord.describe("systemd unit name"),
        port: port.describe("TCP port the service listens on").optional(),
        enable: z.boolean().default(true).describe("Enable and start the unit during provisioning"),
      }),
    )
    .describe("systemd services of the workstation; merged by name")
    .optional(),
  users: z
    .array(
      z.strictObject({
        name: z
          .string()
          .regex(/^[a-z_][a-z0-9_-]*$/, { error: "a Linux user name is lowercase letters, digits, '_' and '-'" })
          .describe("Linux user name"),
        groups: commandWords.describe("Supplementary groups (created if missing)").optional(),
        shell: z
          .string()
          .startsWith("/", { error: 'a login shell is an absolute path such as "/bin/bash"' })
          .superRefine((value, ctx) => {
            const problem = commandArgumentProblem(value);
            if (problem) ctx.addIssue({ code: "custom", message: problem });
          })
          .describe("Login shell")
          .optional(),
      }),
    )
    .describe("Linux users created on the workstation; merged by name")
    .optional(),
  instance_defaults: z
    .strictObject({
      type: z
        .string()
        .regex(INSTANCE_TYPE_PATTERN, { error: 'an instance type such as "m7i.large"' })
        .describe("Pin one EC2 instance type")
        .optional(),
      size: z.enum(SIZES).describe("T-shirt size, mapped to an instance type per region and architecture").optional(),
      root_volume_gb: z.number().int().min(8).max(16384).describe("Root EBS volume size in GiB").optional(),
      ports: z.array(port).describe("Extra TCP ports to open").optional(),
    })
    .refine((d) => !(d.type && d.size), {
      path: ["size"],
      error: "give type or size, not both: type pins one instance type, size picks one per region and architecture",
    })
    .describe("Instance settings used unless the launch overrides them")
    .optional(),
  idle_detection: z
    .strictObject({
      enabled: z.boolean().default(true),
      idle_threshold_minutes: z
        .number()
        .int()
        .positive()
        .describe("Minutes without activity before the workstation counts as idle")
        .optional(),
      hibernate_threshold_minutes: z
        .number()
        .int()
        .positive()
        .describe("Minutes idle before it is hibernated")
        .optional(),
      check_interval_minutes: z.number().int().positive().describe("How often activity is checked").optional(),
    })
    .describe("Stop paying for workstations nobody is using")
    .optional(),
  post_install: z
    .string()
    .describe("Shell script run after packages, users and services; concatenated parent first when inherited")
    .optional(),
  user_data: z
    .string()
    .superRefine((value, ctx) => {
      const problem = userDataProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .describe("Extra shell script run last (not cloud-config)")
    .optional(),
  tags: z.record(z.string(), z.string()).describe("EC2 tags for the workstation's resources").optional(),
  parameters: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
        error: (issue) =>
          `"${clip(String(issue.input))}" cannot be a parameter name: use letters, digits and "_", not starting with a digit (it is written {{name}} in values)`,
      }),
      parameterSchema,
    )
    .describe("Values given at launch, substituted for {{name}} in every string of the template")
    .optional(),
  ami_config: amiConfigSchema.optional(),
});

/** A validated template, defaults applied. */
export type Template = z.infer<typeof templateSchema>;
/** A template as written, before defaults. */
export type TemplateInput = z.input<typeof templateSchema>;

/** The deprecated top-level key that `ami_config.ami_mappings` replaced. */
export const LEGACY_AMIS_KEY = "amis";

/**
 * A template file as it may be written: the template, plus the deprecated `amis` key, which the loader moves into
 * `ami_config.ami_mappings` (with a warning). Kept in the file schema so editors do not flag older files.
 */
export const templateFileSchema = templateSchema.extend({
  [LEGACY_AMIS_KEY]: z
    .record(region, amiMappingSchema)
    .meta({ deprecated: true, description: "Deprecated: write ami_config.ami_mappings (same shape) instead" })
    .optional(),
});
