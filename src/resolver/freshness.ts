import type { Image } from "@aws-sdk/client-ec2";
import type { Architecture, Template } from "../templates/schema";
import { baseImageSource, baseOfTemplate } from "./base-images";
import { resolveAmi, type EngineOptions } from "./engine";
import { ImageCache } from "../core/image-cache";
import { copySourceOf, IMAGE_TAGS, tagRecord } from "../core/image-tags";
import type { ResolutionResult } from "./types";
import type { AwsClients } from "../core/clients";

/**
 * Freshness: is the AMI a workstation runs still the right one? Pinning keeps an AMI on purpose; this says when that
 * purpose has gone stale, with a reason, so a lab upgrades deliberately instead of by surprise.
 */
export const FRESHNESS_STATUSES = [
  "current",
  "newer_available",
  "deprecated_soon",
  "deprecated",
  "deregistered",
  "revoked",
  "base_outdated",
] as const;
export type FreshnessStatus = (typeof FRESHNESS_STATUSES)[number];

export const DEFAULT_DEPRECATION_WARNING_DAYS = 30;

export interface FreshnessQuestion {
  /** The workstation (or resource) name, for reports. */
  name?: string;
  template: Template;
  region: string;
  /** The AMI in use. */
  amiId: string;
  architecture?: Architecture;
  instanceType?: string;
}

export interface Freshness {
  name?: string;
  template: string;
  region: string;
  amiId: string;
  status: FreshnessStatus;
  /** What a fresh resolution would pick now (newer_available), or the base a rebuild would use (base_outdated). */
  candidateAmiId?: string;
  /** The candidate's creation date, when known. */
  candidateDate?: string;
  /** The AMI's deprecation time, when it has one. */
  deprecationTime?: string;
  reason: string;
}

/** A catalog's say on an AMI in use (revoked versions); the catalog module provides it when a catalog is used. */
export type RevocationCheck = (question: FreshnessQuestion) => Promise<{ revoked: true; reason: string } | undefined>;

export interface FreshnessOptions {
  /** deprecated_soon when the AMI's DeprecationTime is within this many days; default 30. */
  days?: number;
  now?: Date;
  /** Shared lookups; default a fresh cache (answers are about now, not five minutes ago). */
  cache?: ImageCache;
  engineOptions?: Omit<EngineOptions, "cache">;
  revocation?: RevocationCheck;
}

/**
 * The freshness of many workstations at once, batched like resolution: every parameter a fleet's templates read is
 * fetched first (GetParameters, 10 names a call, per region), then every AMI in use and every candidate in one
 * DescribeImages per region, then each distinct question is resolved from that cache.
 */
export async function checkFreshness(
  questions: readonly FreshnessQuestion[],
  clients: AwsClients,
  options: FreshnessOptions = {},
): Promise<Freshness[]> {
  const cache = options.cache ?? new ImageCache();
  const now = options.now ?? new Date();
  const days = options.days ?? DEFAULT_DEPRECATION_WARNING_DAYS;

  // 1. Parameters, all at once (the cache batches concurrent reads per region).
  const parameterValues = new Map<string, string | undefined>();
  await Promise.all(
    [...new Set(questions.flatMap((q) => parametersOf(q).map((name) => `${q.region}\u0000${name}`)))].map(
      async (key) => {
        const [region, name] = key.split("\u0000");
        parameterValues.set(key, await cache.getParameter(clients.ssm(region), name));
      },
    ),
  );
  // 2. Every AMI in use, every mapped id and every parameter's value, in one batched DescribeImages per region.
  const ids = new Set<string>();
  for (const q of questions) {
    ids.add(`${q.region}\u0000${q.amiId}`);
    for (const id of mappedIds(q)) ids.add(`${q.region}\u0000${id}`);
    for (const name of parametersOf(q)) {
      const value = parameterValues.get(`${q.region}\u0000${name}`)?.trim();
      if (value) ids.add(`${q.region}\u0000${value}`);
    }
  }
  const images = new Map<string, Image | undefined>();
  await Promise.all(
    [...ids].map(async (key) => {
      const [region, id] = key.split("\u0000");
      images.set(key, await cache.getImage(clients.ec2(region), id));
    }),
  );
  // 3. One resolution per distinct question, from the warm cache.
  const resolutions = new Map<string, Promise<ResolutionResult | Error>>();
  const resolve = (q: FreshnessQuestion) => {
    const key = JSON.stringify([q.template.name, q.region, q.architecture ?? null, q.instanceType ?? null]);
    let pending = resolutions.get(key);
    if (!pending) {
      pending = resolveAmi(
        q.template,
        { region: q.region, architecture: q.architecture, instanceType: q.instanceType, now },
        clients,
        { ...options.engineOptions, cache },
      ).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      resolutions.set(key, pending);
    }
    return pending;
  };

  return Promise.all(
    questions.map(async (q): Promise<Freshness> => {
      const base = { name: q.name, template: q.template.name, region: q.region, amiId: q.amiId };
      const image = images.get(`${q.region}\u0000${q.amiId}`);
      if (!image || image.State === "deregistered") {
        return { ...base, status: "deregistered", reason: `${q.amiId} no longer exists in ${q.region}` };
      }
      const revoked = await options.revocation?.(q);
      if (revoked) return { ...base, status: "revoked", reason: revoked.reason };
      const deprecationTime = image.DeprecationTime;
      const deprecation = deprecationTime ? Date.parse(deprecationTime) : NaN;
      if (!Number.isNaN(deprecation) && deprecation <= now.getTime()) {
        return {
          ...base,
          status: "deprecated",
          deprecationTime,
          reason: `${q.amiId} was deprecated on ${deprecationTime}`,
        };
      }
      const fresh = await resolve(q);
      const tags = tagRecord(image.Tags);
      if (!(fresh instanceof Error) && fresh.amiId && !sameImage(q.amiId, tags, fresh)) {
        const candidate =
          images.get(`${q.region}\u0000${fresh.amiId}`) ??
          (await cache.getImage(clients.ec2(fresh.sourceRegion ?? q.region), fresh.amiId));
        return {
          ...base,
          status: "newer_available",
          candidateAmiId: fresh.amiId,
          candidateDate: candidate?.CreationDate,
          deprecationTime,
          reason:
            `the template now resolves to ${fresh.amiId} (${fresh.method}` +
            `${candidate?.CreationDate ? `, created ${candidate.CreationDate.slice(0, 10)}` : ""}); pinned ${q.amiId}` +
            `${image.CreationDate ? ` (created ${image.CreationDate.slice(0, 10)})` : ""}`,
        };
      }
      if (!Number.isNaN(deprecation) && deprecation - now.getTime() <= days * 86_400_000) {
        return {
          ...base,
          status: "deprecated_soon",
          deprecationTime,
          reason: `${q.amiId} will be deprecated on ${deprecationTime} (within ${days} days)`,
        };
      }
      const baseAmi = tags[IMAGE_TAGS.baseAmi];
      const baseParameter = tags[IMAGE_TAGS.baseParameter];
      if (baseAmi && baseParameter) {
        const current = (
          parameterValues.get(`${q.region}\u0000${baseParameter}`) ??
          (await cache.getParameter(clients.ssm(q.region), baseParameter))
        )?.trim();
        if (current && current !== baseAmi) {
          return {
            ...base,
            status: "base_outdated",
            candidateAmiId: current,
            reason: `${q.amiId} was built on ${baseAmi}; ${baseParameter} now points at ${current}: rebuild it (cws ami build)`,
          };
        }
      }
      const note = fresh instanceof Error ? ` (a fresh resolution failed: ${fresh.message})` : "";
      return {
        ...base,
        status: "current",
        deprecationTime,
        reason: `${q.amiId} is what the template resolves to${note}`,
      };
    }),
  );
}

/** The AMI in use and a fresh resolution agree, also when the one in use is our copy of the resolution's source. */
function sameImage(inUse: string, tags: Record<string, string>, fresh: ResolutionResult): boolean {
  if (fresh.amiId === inUse) return true;
  return fresh.method === "cross_region" && copySourceOf(tags) === fresh.amiId;
}

/** Every SSM parameter the question's resolution (and a rebuild's base) would read. */
function parametersOf(q: FreshnessQuestion): string[] {
  const names = new Set<string>();
  const architectures: Architecture[] = q.architecture ? [q.architecture] : ["x86_64", "arm64"];
  const ssm = q.template.ami_config?.ssm_parameter;
  if (typeof ssm === "string") names.add(ssm);
  else if (ssm) for (const a of architectures) if (ssm[a]) names.add(ssm[a] as string);
  for (const a of architectures) {
    const parameter = baseImageSource(baseOfTemplate(q.template), a).ssmParameter;
    if (parameter) names.add(parameter);
  }
  return [...names];
}

function mappedIds(q: FreshnessQuestion): string[] {
  const mappings = q.template.ami_config?.ami_mappings as Record<string, string | Record<string, string>> | undefined;
  const mapping = mappings?.[q.region];
  if (!mapping) return [];
  return typeof mapping === "string" ? [mapping] : (Object.values(mapping).filter(Boolean) as string[]);
}
