import semver from "semver";
import { z } from "zod";
import { isKnownRegion, KNOWN_REGIONS } from "./regions";

/**
 * The workstation template format. Every object is strict: an unknown key is an error (with a "did you mean"
 * suggestion from the loader), because a misspelt key silently ignored is a workstation silently misconfigured.
 */

export const AMI_ID_PATTERN = /^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
/** Owner aliases DescribeImages accepts besides 12-digit account ids. */
export const OWNER_ALIASES = ["amazon", "self", "aws-marketplace", "aws-backup-vault"] as const;
export const DURATION_PATTERN = /^(\d+)(ms|s|m|h)$/;

export const ARCHITECTURES = ["x86_64", "arm64"] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export const BASES = ["ubuntu-22.04", "ubuntu-24.04", "amazonlinux-2023", "rocky-9", "debian-12"] as const;
export type Base = (typeof BASES)[number];

export const SIZES = ["XS", "S", "M", "L", "XL", "GPU-S", "GPU-M", "GPU-L"] as const;
export type Size = (typeof SIZES)[number];

export const STRATEGIES = ["ami_preferred", "ami_required", "ami_fallback"] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const FALLBACK_STRATEGIES = ["script_provisioning", "cross_region", "error"] as const;
export type FallbackStrategy = (typeof FALLBACK_STRATEGIES)[number];

export const PACKAGE_MANAGERS = ["apt", "dnf", "conda", "pip", "spack", "ami"] as const;

const architecture = z.enum(ARCHITECTURES);

const region = z.string().refine(isKnownRegion, {
  error: (issue) =>
    `unknown region "${String(issue.input)}"; expected one of ${KNOWN_REGIONS.slice(0, 6).join(", ")}, …`,
});

const amiId = z
  .string()
  .regex(AMI_ID_PATTERN, { error: 'not an AMI id: expected "ami-" followed by 8 or 17 lowercase hex digits' });

const owner = z.string().refine((value) => ACCOUNT_ID_PATTERN.test(value) || (OWNER_ALIASES as readonly string[]).includes(value), {
  error: (issue) =>
    `"${String(issue.input)}" is not an owner: use a 12-digit account id or one of ${OWNER_ALIASES.join(", ")}`,
});

const duration = z.string().regex(DURATION_PATTERN, { error: 'not a duration: write e.g. "90s", "10m" or "1h"' });

const isoDate = z.string().refine((value) => /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(value) && !Number.isNaN(Date.parse(value)), {
  error: 'not a date: write an ISO 8601 date such as "2025-01-31"',
});

const nonEmpty = z.string().min(1, { error: "must not be empty" });
const stringList = z.array(nonEmpty);

/** region → AMI id, or region → { x86_64, arm64 }. */
export const amiMappingSchema = z.union([
  amiId,
  z.strictObject({ x86_64: amiId.optional(), arm64: amiId.optional() }).refine((m) => m.x86_64 || m.arm64, {
    error: "give at least one of x86_64 or arm64",
  }),
]);
export type AmiMapping = z.infer<typeof amiMappingSchema>;

/** An SSM parameter name, or one per architecture. */
export const ssmParameterSchema = z.union([
  z.string().startsWith("/", { error: 'an SSM parameter name starts with "/"' }),
  z
    .strictObject({
      x86_64: z.string().startsWith("/").optional(),
      arm64: z.string().startsWith("/").optional(),
    })
    .refine((m) => m.x86_64 || m.arm64, { error: "give at least one of x86_64 or arm64" }),
]);
export type SsmParameter = z.infer<typeof ssmParameterSchema>;

export const amiSearchSchema = z.strictObject({
  /** Required: an image picked by name alone can be anyone's (name-squatting on public AMIs). */
  owners: z
    .array(owner, {
      error: (issue) =>
        issue.input === undefined
          ? "owners is required: an AMI matched by name alone can be published by anyone (name-squatting). " +
            'List the publisher\'s account ids, e.g. owners: ["099720109477"] for Canonical, or "self"/"amazon"'
          : undefined,
    })
    .min(1, { error: "owners must list at least one account id or alias" }),
  name_pattern: nonEmpty.optional(),
  version_tag: nonEmpty.optional(),
  architecture: z.array(architecture).min(1).optional(),
  min_creation_date: isoDate.optional(),
  required_tags: z.record(z.string(), z.string()).optional(),
  include_deprecated: z.boolean().default(false),
});
export type AmiSearch = z.infer<typeof amiSearchSchema>;

export const marketplaceSearchSchema = z.strictObject({
  product_code: nonEmpty,
  version_constraint: z
    .string()
    .refine((value) => semver.validRange(value) !== null, { error: 'not a semver range: write e.g. ">=2.1 <3" or "^1.4"' })
    .optional(),
});
export type MarketplaceSearch = z.infer<typeof marketplaceSearchSchema>;

export const amiConfigSchema = z
  .strictObject({
    strategy: z.enum(STRATEGIES).default("ami_preferred"),
    ami_mappings: z.record(region, amiMappingSchema).optional(),
    ssm_parameter: ssmParameterSchema.optional(),
    ami_search: amiSearchSchema.optional(),
    marketplace_search: marketplaceSearchSchema.optional(),
    fallback_strategy: z.enum(FALLBACK_STRATEGIES).default("script_provisioning"),
    fallback_timeout: duration.default("10m"),
    preferred_architecture: architecture.optional(),
    instance_family_preference: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'an instance family such as "m7i" or "g5"' })).optional(),
    /** When set, every candidate AMI's owner must be in this list, whatever tier found it. */
    trusted_owners: z.array(owner).optional(),
    allow_cross_region_copy: z.boolean().default(false),
  })
  .superRefine((config, ctx) => {
    const hasSource = Boolean(
      (config.ami_mappings && Object.keys(config.ami_mappings).length > 0) ||
        config.ssm_parameter ||
        config.ami_search ||
        config.marketplace_search,
    );
    if (config.strategy === "ami_required" && !hasSource) {
      ctx.addIssue({
        code: "custom",
        path: ["strategy"],
        message:
          "ami_required needs an AMI source: add ami_mappings, ssm_parameter, ami_search or marketplace_search, " +
          "or use strategy: ami_preferred to allow script provisioning",
      });
    }
    if (config.fallback_strategy === "cross_region" && !hasSource) {
      ctx.addIssue({
        code: "custom",
        path: ["fallback_strategy"],
        message: "cross_region copies an AMI found in a neighbouring region, but no AMI source is configured to find one",
      });
    }
  });
export type AmiConfig = z.infer<typeof amiConfigSchema>;

export const parameterSchema = z
  .strictObject({
    type: z.enum(["string", "number", "boolean"]).default("string"),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
    description: z.string().optional(),
    choices: z.array(z.union([z.string(), z.number()])).optional(),
  })
  .superRefine((param, ctx) => {
    if (param.default !== undefined && typeof param.default !== param.type) {
      ctx.addIssue({ code: "custom", path: ["default"], message: `default must be a ${param.type}` });
    }
    if (param.choices && param.default !== undefined && !param.choices.includes(param.default as string | number)) {
      ctx.addIssue({ code: "custom", path: ["default"], message: `default must be one of the choices: ${param.choices.join(", ")}` });
    }
  });
export type TemplateParameter = z.infer<typeof parameterSchema>;

const port = z.number().int().min(1).max(65535);

export const templateSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, { error: "a template name is lowercase letters, digits, '.', '_' and '-'" }),
  description: z.string().optional(),
  version: z.union([z.string(), z.number()]).transform(String).optional(),
  maintainer: z.string().optional(),
  category: z.string().optional(),
  base: z.enum(BASES).optional(),
  /** Parent template(s); see the loader for merge rules. */
  inherits: z.union([nonEmpty, z.array(nonEmpty)]).optional(),
  package_manager: z.enum(PACKAGE_MANAGERS).optional(),
  packages: z
    .strictObject({
      system: stringList.optional(),
      conda: stringList.optional(),
      pip: stringList.optional(),
      spack: stringList.optional(),
    })
    .optional(),
  services: z
    .array(z.strictObject({ name: nonEmpty, port: port.optional(), enable: z.boolean().default(true) }))
    .optional(),
  users: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-z_][a-z0-9_-]*$/, { error: "a Linux user name is lowercase letters, digits, '_' and '-'" }),
        groups: stringList.optional(),
        shell: z.string().startsWith("/").optional(),
      }),
    )
    .optional(),
  instance_defaults: z
    .strictObject({
      type: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'an instance type such as "m7i.large"' }).optional(),
      size: z.enum(SIZES).optional(),
      root_volume_gb: z.number().int().min(8).max(16384).optional(),
      ports: z.array(port).optional(),
    })
    .refine((d) => !(d.type && d.size), { error: "give type or size, not both: type pins one instance type, size picks one per region and architecture" })
    .optional(),
  idle_detection: z
    .strictObject({
      enabled: z.boolean().default(true),
      idle_threshold_minutes: z.number().int().positive().optional(),
      hibernate_threshold_minutes: z.number().int().positive().optional(),
      check_interval_minutes: z.number().int().positive().optional(),
    })
    .optional(),
  post_install: z.string().optional(),
  user_data: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  parameters: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), parameterSchema).optional(),
  ami_config: amiConfigSchema.optional(),
});

/** A validated template, defaults applied. */
export type Template = z.infer<typeof templateSchema>;
/** A template as written, before defaults. */
export type TemplateInput = z.input<typeof templateSchema>;
