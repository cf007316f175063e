import type { DiffResult } from "@pulumi/pulumi/dynamic";
import { canonicalJson } from "../../templates/hash";
import { isWellFormedRegion } from "../../core/regions";
import type { Architecture, Template } from "../../templates/schema";
import { containsUnknown, UNKNOWN } from "../host";

/** Where and how to publish a beta catalog entry for each build (src/catalog/write.ts `publishToCatalog`). */
export interface CatalogPublishInputs {
  /** A catalog's working copy (the directory holding cloudworkstation-catalog.yml); the entry is written, not pushed. */
  directory: string;
  /** The creator principal (as allowed_signers lists it). */
  creator: string;
  /** Semver of the entry; default `<template version or 0.0.0>-build.<yyyymmddhhmmss>` (a new one per build). */
  version?: string;
  /** Default ["beta"]: a built image is tried by the lab before it is promoted. */
  channels?: string[];
  description?: string;
  /** An SSH private key to sign the entry with. */
  signKey?: string;
}

export interface PublishInputs {
  /** Write the image id to exactly this SSM parameter (data type aws:ec2:image) in the build region. */
  ssmParameter?: string;
  catalog?: CatalogPublishInputs;
}

/** The inputs as the provider receives them, defaults applied by check. */
export interface TemplateImageInputs {
  /** A template name (looked up in templatesDirs, then the shipped templates), a path, or an inline template object. */
  template: string | Record<string, unknown>;
  templatesDirs?: string[];
  parameters?: Record<string, string | number | boolean>;
  region: string;
  /** After check: the architecture the build uses (the request, or the template's preference). */
  architecture?: Architecture;
  /** After check: the builder's instance type. */
  instanceType?: string;
  publish: PublishInputs;
  copyToRegions: string[];
  retainOnDelete: boolean;
  deregistrationProtection: boolean;
  timeoutMinutes?: number;
  force: boolean;
}

/** A compact summary of what a template installs: enough for a preview to say what changed. */
export interface TemplateContents {
  packages: string[];
  services: string[];
}

/** What check plans (read-only) and stores with the inputs, so a preview shows it. */
export interface TemplateImagePlan {
  templateName: string;
  templateHash: string;
  templateContents: TemplateContents;
  baseAmiId: string;
  /** The distribution's public parameter the base came from (null when it came from a search). */
  baseParameter: string | null;
  /** Why the next `up` builds (or why the image stands); see describeBuildReason. */
  buildReason: string;
}

export interface TemplateImageOutputs extends TemplateImageInputs, TemplateImagePlan {
  amiId: string;
  /** region → image: the build region and every copy. */
  amiIds: Record<string, string>;
  snapshotIds: string[];
  imageName: string | null;
  /** The SSM parameter written, or null. */
  publishedParameter: string | null;
  /** The catalog entry file written, or null. */
  catalogEntry: string | null;
  /** True when create found an image from the same template hash and base and reused it. */
  reused: boolean;
  warnings: string[];
}

/** Inputs that decide the plan: while any is unknown (in a preview), check plans nothing and the outputs stay unknown. */
export const PLAN_INPUT_KEYS = [
  "template",
  "templatesDirs",
  "parameters",
  "region",
  "architecture",
  "instanceType",
] as const;

/** The keys check adds (stale ones are dropped from the news). */
export const PLAN_KEYS = [
  "templateName",
  "templateHash",
  "templateContents",
  "baseAmiId",
  "baseParameter",
  "buildReason",
] as const;

/** A different image: replaced (the new one is built before the old is deleted or retained). */
const REPLACE_KEYS = ["region", "architecture", "baseAmiId", "templateHash"] as const;
/** Changed in place: publishing, copies, protection and the build settings that only matter for the next build. */
const UPDATABLE_KEYS = [
  "publish",
  "copyToRegions",
  "retainOnDelete",
  "deregistrationProtection",
  "instanceType",
  "timeoutMinutes",
  "force",
] as const;

type Failure = { property: string; reason: string };

export const SSM_PARAMETER_NAME = /^\/?[a-zA-Z0-9_.\-/]{1,1011}$/;

/** Applies defaults and reports input mistakes (naming the field and what to do). Internal. Exported for testing. */
export function checkTemplateImageInputs(news: Record<string, unknown>): {
  inputs: TemplateImageInputs;
  failures: Failure[];
} {
  const failures: Failure[] = [];
  const fail = (property: string, reason: string) => {
    // An unknown value in a preview is checked again once known: not a mistake now.
    if (!containsUnknown(news[property.split(".")[0]])) failures.push({ property, reason });
  };
  const publish = (news.publish ?? {}) as PublishInputs;
  const inputs: TemplateImageInputs = {
    ...(news as unknown as TemplateImageInputs),
    publish,
    copyToRegions: Array.isArray(news.copyToRegions) ? (news.copyToRegions as string[]) : [],
    retainOnDelete: news.retainOnDelete === undefined ? true : Boolean(news.retainOnDelete),
    deregistrationProtection:
      news.deregistrationProtection === undefined ? true : Boolean(news.deregistrationProtection),
    force: Boolean(news.force),
  };
  const template = news.template;
  if (!(typeof template === "string" && template !== "") && !(template && typeof template === "object"))
    fail("template", "give `template`: a template name, a path to a template file, or an inline template object");
  if (typeof news.region !== "string" || !isWellFormedRegion(news.region))
    fail(
      "region",
      `region is required: the AWS region to build in, e.g. us-east-1 (got ${JSON.stringify(news.region)})`,
    );
  if (news.architecture !== undefined && news.architecture !== "x86_64" && news.architecture !== "arm64")
    fail("architecture", `architecture must be "x86_64" or "arm64", got ${JSON.stringify(news.architecture)}`);
  if (news.copyToRegions !== undefined && news.copyToRegions !== UNKNOWN) {
    if (!Array.isArray(news.copyToRegions)) fail("copyToRegions", "copyToRegions must be a list of regions");
    else
      for (const [index, region] of (news.copyToRegions as unknown[]).entries())
        if (region !== UNKNOWN && (typeof region !== "string" || !isWellFormedRegion(region)))
          fail(`copyToRegions[${index}]`, `${JSON.stringify(region)} is not a region name, e.g. eu-west-1`);
  }
  if (
    news.timeoutMinutes !== undefined &&
    (typeof news.timeoutMinutes !== "number" || !(news.timeoutMinutes > 0) || news.timeoutMinutes > 2880)
  )
    fail("timeoutMinutes", "timeoutMinutes must be a number of minutes between 1 and 2880 (default 60)");
  if (publish && typeof publish === "object" && !containsUnknown(publish)) {
    const known = new Set(["ssmParameter", "catalog"]);
    for (const key of Object.keys(publish))
      if (!known.has(key)) fail(`publish.${key}`, `unknown key "${key}": publish takes ssmParameter and catalog`);
    if (publish.ssmParameter !== undefined && !SSM_PARAMETER_NAME.test(String(publish.ssmParameter)))
      fail(
        "publish.ssmParameter",
        `"${publish.ssmParameter}" is not an SSM parameter name (letters, digits, _ . - /), e.g. /my-lab/images/python-ml/x86_64`,
      );
    const catalog = publish.catalog;
    if (catalog !== undefined) {
      if (!catalog || typeof catalog !== "object" || typeof catalog.directory !== "string" || !catalog.directory)
        fail("publish.catalog.directory", "publish.catalog.directory is required: the catalog's working copy");
      if (!catalog || typeof catalog.creator !== "string" || !catalog.creator)
        fail("publish.catalog.creator", "publish.catalog.creator is required: your principal in allowed_signers");
    }
  }
  return { inputs, failures };
}

/** The packages (every manager, as written) and services of a template, sorted. */
export function templateContents(template: Template): TemplateContents {
  const packages = Object.values(template.packages ?? {}).flatMap((list) => (list as string[] | undefined) ?? []);
  return {
    packages: [...new Set(packages)].sort(),
    services: [...new Set((template.services ?? []).map((service) => service.name))].sort(),
  };
}

function listChange(label: string, before: string[] = [], after: string[] = []): string | undefined {
  const added = after.filter((entry) => !before.includes(entry)).map((entry) => `+${entry}`);
  const removed = before.filter((entry) => !after.includes(entry)).map((entry) => `-${entry}`);
  return added.length + removed.length ? `${label}: ${[...added, ...removed].join(" ")}` : undefined;
}

/**
 * Why the image must be rebuilt, comparing the previous plan with the new one: "base ami-old → ami-new (the
 * distribution published a new image)", "template changed (packages: +scikit-learn)"… Undefined when nothing that
 * makes the image changed. Internal. Exported for testing.
 */
export function describeRebuild(
  olds: Partial<TemplateImageInputs & TemplateImagePlan>,
  next: Pick<TemplateImageInputs, "region" | "architecture"> & TemplateImagePlan,
): string | undefined {
  const reasons: string[] = [];
  if (olds.region && olds.region !== next.region) reasons.push(`region ${olds.region} → ${next.region}`);
  if (olds.architecture && olds.architecture !== next.architecture)
    reasons.push(`architecture ${olds.architecture} → ${next.architecture}`);
  if (olds.baseAmiId && olds.baseAmiId !== next.baseAmiId) {
    const why =
      next.baseParameter && next.baseParameter === olds.baseParameter
        ? `the distribution published a new image: ${next.baseParameter} moved`
        : "the distribution published a new image";
    reasons.push(`base ${olds.baseAmiId} → ${next.baseAmiId} (${why})`);
  }
  if (olds.templateHash && olds.templateHash !== next.templateHash) {
    const before = olds.templateContents ?? { packages: [], services: [] };
    const parts = [
      olds.templateName && olds.templateName !== next.templateName
        ? `name: ${olds.templateName} → ${next.templateName}`
        : undefined,
      listChange("packages", before.packages, next.templateContents.packages),
      listChange("services", before.services, next.templateContents.services),
    ].filter((part): part is string => part !== undefined);
    reasons.push(`template changed (${parts.length ? parts.join("; ") : "settings other than packages and services"})`);
  }
  return reasons.length ? reasons.join("; ") : undefined;
}

/**
 * Replace when the image would differ (region, architecture, base AMI, template hash); update in place for
 * publishing, copies and protection; nothing for where the template was found (a path on a laptop vs in CI).
 * `olds` are the old outputs, `news` the checked inputs. Internal. Exported for testing.
 */
export function diffTemplateImage(olds: Record<string, unknown>, news: Record<string, unknown>): DiffResult {
  // Unknown plan inputs (a preview): the plan is not known, so the outputs are not either.
  if (typeof news.templateHash !== "string") return { changes: true, replaces: [], deleteBeforeReplace: false };
  const same = (key: string) => canonicalJson(olds[key] ?? null) === canonicalJson(news[key] ?? null);
  const replaces = REPLACE_KEYS.filter((key) => !same(key));
  const updates = UPDATABLE_KEYS.filter((key) => !same(key));
  return {
    changes: replaces.length + updates.length > 0,
    replaces: [...replaces],
    // A replacement builds the new image first; the old one is then retained or deregistered.
    deleteBeforeReplace: false,
    stables: replaces.length ? [] : ["amiId", "baseAmiId", "templateHash", "snapshotIds", "imageName"],
  };
}
