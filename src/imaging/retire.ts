import {
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
  type Image,
} from "@aws-sdk/client-ec2";
import { DescribeParametersCommand, GetParametersCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { PRICE_SNAPSHOT } from "../resolver/prices";
import { IMAGE_TAGS, tagRecord } from "../core/image-tags";
import type { StackResolution } from "../resolver/stack-export";
import type { AwsClients } from "../core/clients";
import { deleteImageAndSnapshots, snapshotsOf } from "./cleanup";
import { classifyAwsError } from "../core/aws-errors";
import { AwsCallError, type AwsFailureKind } from "../core/errors";
import { describeAwsError } from "./errors";

/**
 * Retiring old images: the lab pays every month for snapshots of images nobody launches. Only images this account
 * owns that CloudWorkstation made (its managed tag) are considered; the newest N per template and region are kept;
 * anything still referenced anywhere we can see is never retired, and the plan says why.
 */
export const DEFAULT_KEEP = 2;

export interface RetireOptions {
  regions: readonly string[];
  /** Only images of this template (its `cloudworkstation:template` tag). */
  template?: string;
  /** Newest images kept per template and region; default 2. */
  keep?: number;
  /** Keep images created or last launched within this long (milliseconds). */
  olderThanMs?: number;
  /** AmiResolutions of stacks (`pulumi stack export`) whose AMIs must stay. */
  stackResolutions?: readonly StackResolution[];
  /** AMIs a stable catalog entry lists, per region (the catalog module provides it when a catalog is given). */
  catalogReferences?: (region: string) => Promise<ReadonlyMap<string, string>>;
  now?: Date;
}

export interface RetireCandidate {
  amiId: string;
  region: string;
  name: string;
  template: string;
  /** saved | copied | built, when tagged. */
  kind?: string;
  created?: string;
  snapshotIds: string[];
  /** The EBS volume sizes behind the image: an upper bound of what its snapshots store. */
  snapshotGb: number;
  action: "retire" | "keep";
  /** Why it is kept (every reason that applies), or why it is retired. */
  reasons: string[];
}

export interface RetirePlan {
  regions: string[];
  keep: number;
  images: RetireCandidate[];
  /** Totals of the images to retire. */
  retireCount: number;
  snapshotGb: number;
  /** Estimate, not a measurement. */
  monthlySavingsUsd: number;
  costLabel: string;
}

export interface RetireReport {
  /** Deregistered with every snapshot deleted. */
  removed: { amiId: string; region: string; snapshotIds: string[] }[];
  /** Deregistered, but some snapshots could not be deleted: they still cost money. */
  partial: {
    amiId: string;
    region: string;
    deletedSnapshots: string[];
    failedSnapshots: { snapshotId: string; reason: string }[];
  }[];
  /** Not deregistered (the image and its snapshots are as they were). */
  failed: { amiId: string; region: string; reason: string }[];
}

/** Reads the account's images and every reference we can see; changes nothing. */
export async function planRetirement(options: RetireOptions, clients: AwsClients): Promise<RetirePlan> {
  const keep = options.keep ?? DEFAULT_KEEP;
  const now = (options.now ?? new Date()).getTime();
  const images: RetireCandidate[] = [];
  for (const region of options.regions) {
    const ec2 = clients.ec2(region);
    const owned = await ownedManagedImages(ec2, options.template);
    if (owned.length === 0) continue;
    const ids = owned.map((image) => image.ImageId as string);
    const [instances, launchTemplates, parameters, catalog] = await Promise.all([
      instanceReferences(ec2, ids),
      launchTemplateReferences(ec2, new Set(ids)),
      parameterReferences(clients.ssm(region), new Set(ids)),
      options.catalogReferences?.(region) ?? Promise.resolve(new Map<string, string>()),
    ]);
    const stacks = new Map<string, string>();
    for (const resolution of options.stackResolutions ?? []) {
      if (resolution.region === region) stacks.set(resolution.amiId, resolution.name);
    }

    const byTemplate = new Map<string, Image[]>();
    for (const image of owned) {
      const template = tagRecord(image.Tags)[IMAGE_TAGS.template] ?? "(no template tag)";
      byTemplate.set(template, [...(byTemplate.get(template) ?? []), image]);
    }
    for (const [template, group] of byTemplate) {
      const newestFirst = [...group].sort(
        (a, b) =>
          (b.CreationDate ?? "").localeCompare(a.CreationDate ?? "") ||
          (b.ImageId ?? "").localeCompare(a.ImageId ?? ""),
      );
      for (const [index, image] of newestFirst.entries()) {
        const amiId = image.ImageId as string;
        const reasons: string[] = [];
        if (index < keep) reasons.push(`one of the newest ${keep} of ${template} in ${region}`);
        for (const instance of instances.get(amiId) ?? []) reasons.push(`used by instance ${instance}`);
        for (const version of launchTemplates.get(amiId) ?? []) reasons.push(`in launch template ${version}`);
        for (const parameter of parameters.get(amiId) ?? []) reasons.push(`value of SSM parameter ${parameter}`);
        if (stacks.has(amiId)) reasons.push(`pinned by AmiResolution ${stacks.get(amiId)} (stack export)`);
        if (catalog.has(amiId)) reasons.push(`listed by stable catalog entry ${catalog.get(amiId)}`);
        if (image.DeregistrationProtection?.startsWith("enabled")) reasons.push("deregistration protection is on");
        if (options.olderThanMs !== undefined) {
          const created = image.CreationDate ? Date.parse(image.CreationDate) : NaN;
          if (!Number.isNaN(created) && now - created < options.olderThanMs) {
            reasons.push(`created ${image.CreationDate?.slice(0, 10)}, within --older-than`);
          }
          const launched = await lastLaunched(ec2, amiId);
          if ("unknown" in launched) {
            // Never retire on a guess: an image whose last launch cannot be read may be in use.
            reasons.push(`last launch time unavailable (${launched.unknown}), so it is kept`);
          } else if (launched.at && now - Date.parse(launched.at) < options.olderThanMs) {
            reasons.push(`last launched ${launched.at.slice(0, 10)}, within --older-than`);
          }
        }
        const snapshotIds = snapshotsOf(image.BlockDeviceMappings);
        const snapshotGb = (image.BlockDeviceMappings ?? []).reduce((sum, m) => sum + (m.Ebs?.VolumeSize ?? 0), 0);
        images.push({
          amiId,
          region,
          name: image.Name ?? "",
          template,
          kind: tagRecord(image.Tags)[IMAGE_TAGS.kind],
          created: image.CreationDate,
          snapshotIds,
          snapshotGb,
          action: reasons.length ? "keep" : "retire",
          reasons: reasons.length ? reasons : [`older than the newest ${keep} and referenced nowhere we looked`],
        });
      }
    }
  }
  const retiring = images.filter((image) => image.action === "retire");
  const snapshotGb = retiring.reduce((sum, image) => sum + image.snapshotGb, 0);
  const rate = PRICE_SNAPSHOT.snapshotStorageUsdPerGbMonth;
  return {
    regions: [...options.regions],
    keep,
    images,
    retireCount: retiring.length,
    snapshotGb,
    monthlySavingsUsd: Math.round(snapshotGb * rate * 100) / 100,
    costLabel:
      `estimate: volume size × $${rate}/GB-month snapshot storage (${PRICE_SNAPSHOT.caveat}); ` +
      "snapshots are incremental, so this is an upper bound",
  };
}

/**
 * Deregisters every image the plan retires and deletes its snapshots, one image at a time. Never throws for one
 * image: each ends removed, partial (deregistered, some snapshots left — listed) or failed (left as it was).
 */
export async function applyRetirement(plan: RetirePlan, clients: AwsClients): Promise<RetireReport> {
  const report: RetireReport = { removed: [], partial: [], failed: [] };
  for (const image of plan.images) {
    if (image.action !== "retire") continue;
    try {
      const result = await deleteImageAndSnapshots(clients.ec2(image.region), image.amiId);
      if (result.failedSnapshots.length) {
        report.partial.push({
          amiId: image.amiId,
          region: image.region,
          deletedSnapshots: result.deletedSnapshots,
          failedSnapshots: result.failedSnapshots,
        });
      } else {
        report.removed.push({ amiId: image.amiId, region: image.region, snapshotIds: result.deletedSnapshots });
      }
    } catch (error) {
      report.failed.push({ amiId: image.amiId, region: image.region, reason: describeAwsError(error) });
    }
  }
  return report;
}

async function ownedManagedImages(ec2: EC2Client, template: string | undefined): Promise<Image[]> {
  const images: Image[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeImagesCommand({
        Owners: ["self"],
        Filters: [
          { Name: `tag:${IMAGE_TAGS.managed}`, Values: ["true"] },
          ...(template ? [{ Name: `tag:${IMAGE_TAGS.template}`, Values: [template] }] : []),
        ],
        MaxResults: 1000,
        NextToken,
      }),
    );
    images.push(...(page.Images ?? []).filter((image) => image.State !== "deregistered"));
    NextToken = page.NextToken;
  } while (NextToken);
  return images;
}

/** AMI → instances launched from it that still exist (any state but terminated: a stopped one can start again). */
async function instanceReferences(ec2: EC2Client, ids: string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (let i = 0; i < ids.length; i += 200) {
    let NextToken: string | undefined;
    do {
      const page = await ec2.send(
        new DescribeInstancesCommand({ Filters: [{ Name: "image-id", Values: ids.slice(i, i + 200) }], NextToken }),
      );
      for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        if (!instance.ImageId || instance.State?.Name === "terminated") continue;
        found.set(instance.ImageId, [
          ...(found.get(instance.ImageId) ?? []),
          `${instance.InstanceId} (${instance.State?.Name})`,
        ]);
      }
      NextToken = page.NextToken;
    } while (NextToken);
  }
  return found;
}

/** AMI → launch template versions that launch it (every version of every launch template). */
async function launchTemplateReferences(ec2: EC2Client, ids: Set<string>): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(new DescribeLaunchTemplatesCommand({ NextToken }));
    for (const launchTemplate of page.LaunchTemplates ?? []) {
      let versionsToken: string | undefined;
      do {
        const versions = await ec2.send(
          new DescribeLaunchTemplateVersionsCommand({
            LaunchTemplateId: launchTemplate.LaunchTemplateId,
            NextToken: versionsToken,
          }),
        );
        for (const version of versions.LaunchTemplateVersions ?? []) {
          const imageId = version.LaunchTemplateData?.ImageId;
          if (imageId && ids.has(imageId)) {
            found.set(imageId, [
              ...(found.get(imageId) ?? []),
              `${launchTemplate.LaunchTemplateName} v${version.VersionNumber}`,
            ]);
          }
        }
        versionsToken = versions.NextToken;
      } while (versionsToken);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return found;
}

/** AMI → SSM parameters (String, not SecureString) whose value is that AMI. */
async function parameterReferences(ssm: SSMClient, ids: Set<string>): Promise<Map<string, string[]>> {
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(new DescribeParametersCommand({ MaxResults: 50, NextToken }));
    for (const parameter of page.Parameters ?? []) {
      if (parameter.Name && parameter.Type === "String") names.push(parameter.Name);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  const found = new Map<string, string[]>();
  for (let i = 0; i < names.length; i += 10) {
    const { Parameters = [] } = await ssm.send(new GetParametersCommand({ Names: names.slice(i, i + 10) }));
    for (const parameter of Parameters) {
      const value = parameter.Value?.trim();
      if (value && ids.has(value)) found.set(value, [...(found.get(value) ?? []), parameter.Name as string]);
    }
  }
  return found;
}

/**
 * When the image was last launched: `at` (undefined when AWS has no record of a launch), or `unknown` with why it
 * could not be read — an emulator without the attribute, or a denied ec2:DescribeImageAttribute.
 */
async function lastLaunched(ec2: EC2Client, amiId: string): Promise<{ at?: string } | { unknown: string }> {
  try {
    const answer = await ec2.send(new DescribeImageAttributeCommand({ ImageId: amiId, Attribute: "lastLaunchedTime" }));
    return { at: answer.LastLaunchedTime?.Value || undefined };
  } catch (error) {
    return { unknown: `ec2:DescribeImageAttribute lastLaunchedTime: ${whyUnanswered(error)}` };
  }
}

/** Why a call got no usable answer, in one line: a table row, not the SDK's multi-line parse error. */
function whyUnanswered(error: unknown): string {
  const verdict = classifyAwsError(error, { service: "EC2", operation: "DescribeImageAttribute" });
  if (!(verdict instanceof AwsCallError)) return describeAwsError(error).split("\n")[0];
  const why: Record<AwsFailureKind, string> = {
    permission: "denied to this identity",
    credentials: "the AWS credentials were rejected",
    network: "the endpoint cannot be reached",
    throttling: "still throttled after the SDK's retries",
    service: "no readable answer (an emulator such as moto lacks the attribute)",
  };
  return why[verdict.kind];
}
