import type { DiffResult } from "@pulumi/pulumi/dynamic";
import type { SharingOptions } from "../../imaging";
import { isAmiId } from "../../core/aws-ids";
import { diffInputs, UNKNOWN } from "../host";

export interface RegionalAmiCopyInputs {
  sourceAmiId: string;
  sourceRegion: string;
  region: string;
  name?: string;
  encrypted: boolean;
  kmsKeyId?: string;
  tags: Record<string, string>;
  sharing: SharingOptions;
  retainOnDelete: boolean;
  /** Default true: AWS refuses to deregister the kept image until this is turned off (retire refuses it too). */
  deregistrationProtection: boolean;
  timeoutMinutes: number;
}

export interface RegionalAmiCopyOutputs extends RegionalAmiCopyInputs {
  amiId: string;
  snapshotIds: string[];
  architecture: string;
  /** False in the source region, where the source AMI is used as is (and never deregistered by us). */
  copied: boolean;
}

export const DEFAULT_COPY_TIMEOUT_MINUTES = 45;
const REPLACE_ON = ["sourceAmiId", "sourceRegion", "region", "name", "encrypted", "kmsKeyId"] as const;
const UPDATABLE = ["tags", "sharing", "retainOnDelete", "deregistrationProtection", "timeoutMinutes"] as const;

/** Defaults and input checks. Internal. Exported for testing. */
export function checkRegionalAmiCopyInputs(news: Record<string, unknown>): {
  inputs: RegionalAmiCopyInputs;
  failures: { property: string; reason: string }[];
} {
  const failures: { property: string; reason: string }[] = [];
  const text = (key: string) => (typeof news[key] === "string" && news[key] !== "" ? (news[key] as string) : undefined);
  const inputs: RegionalAmiCopyInputs = {
    sourceAmiId: text("sourceAmiId") ?? "",
    sourceRegion: text("sourceRegion") ?? "",
    region: text("region") ?? "",
    name: text("name"),
    encrypted: news.encrypted === true || Boolean(text("kmsKeyId")),
    kmsKeyId: text("kmsKeyId"),
    tags: (news.tags as Record<string, string> | undefined) ?? {},
    sharing: (news.sharing as SharingOptions | undefined) ?? {},
    retainOnDelete: news.retainOnDelete === undefined ? true : Boolean(news.retainOnDelete),
    deregistrationProtection:
      news.deregistrationProtection === undefined ? true : Boolean(news.deregistrationProtection),
    timeoutMinutes: typeof news.timeoutMinutes === "number" ? news.timeoutMinutes : DEFAULT_COPY_TIMEOUT_MINUTES,
  };
  if (!isAmiId(inputs.sourceAmiId))
    failures.push({ property: "sourceAmiId", reason: `"${inputs.sourceAmiId}" is not an AMI id` });
  if (!inputs.sourceRegion) failures.push({ property: "sourceRegion", reason: "sourceRegion is required" });
  if (!inputs.region) failures.push({ property: "region", reason: "region is required" });
  if (!(inputs.timeoutMinutes > 0))
    failures.push({ property: "timeoutMinutes", reason: "must be a positive number of minutes" });
  // In a preview, an input computed from another resource (e.g. sourceAmiId: saved.amiId) is Pulumi's unknown
  // sentinel: it is checked again once known, so it is not a mistake now.
  return { inputs, failures: failures.filter((failure) => news[failure.property] !== UNKNOWN) };
}

/** Internal. Exported for testing. */
export function diffRegionalAmiCopy(olds: Partial<RegionalAmiCopyInputs>, news: RegionalAmiCopyInputs): DiffResult {
  // State from before deregistrationProtection existed has none: not a change (old stacks keep previewing clean).
  return diffInputs({ deregistrationProtection: news.deregistrationProtection, ...olds }, news, {
    replaceOn: REPLACE_ON,
    updatable: UPDATABLE,
    stables: ["amiId", "snapshotIds"],
  });
}
