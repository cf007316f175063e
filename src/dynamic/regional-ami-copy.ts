import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { UNKNOWN } from "./ami-resolution-provider";
import type { SharingOptions } from "../imaging";

// Captured as strings only (see saved-template.ts): the provider runs later from its serialized closure.
const IMAGING_MODULE = path.resolve(__dirname, "..", "imaging");
const CLIENTS_MODULE = path.resolve(__dirname, "..", "resolver", "clients");
const SELF_MODULE = path.resolve(__dirname, "regional-ami-copy");
/** Has stripUndefined: the provider host's protobuf Struct throws on undefined values ("Unexpected struct type"). */
const STRUCT_MODULE = path.resolve(__dirname, "ami-resolution-provider");

export interface RegionalAmiCopyArgs {
  sourceAmiId: pulumi.Input<string>;
  sourceRegion: pulumi.Input<string>;
  /** Where the copy goes. When it is the source region, nothing is copied: the source AMI is only shared. */
  region: pulumi.Input<string>;
  name?: pulumi.Input<string>;
  encrypted?: pulumi.Input<boolean>;
  kmsKeyId?: pulumi.Input<string>;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  sharing?: pulumi.Input<SharingOptions>;
  /** Default true: destroying keeps the copy. */
  retainOnDelete?: pulumi.Input<boolean>;
  /** How long a copy may stay `pending`; default 45 minutes. */
  timeoutMinutes?: pulumi.Input<number>;
}

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
const UPDATABLE = ["tags", "sharing", "retainOnDelete", "timeoutMinutes"] as const;

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
    timeoutMinutes: typeof news.timeoutMinutes === "number" ? news.timeoutMinutes : DEFAULT_COPY_TIMEOUT_MINUTES,
  };
  if (!/^ami-[0-9a-f]{8,17}$/.test(inputs.sourceAmiId))
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
export function diffRegionalAmiCopy(
  olds: Partial<RegionalAmiCopyInputs>,
  news: RegionalAmiCopyInputs,
): pulumi.dynamic.DiffResult {
  const same = (key: keyof RegionalAmiCopyInputs) =>
    JSON.stringify(olds[key] ?? null) === JSON.stringify(news[key] ?? null);
  const replaces = REPLACE_ON.filter((key) => !same(key));
  const updates = UPDATABLE.filter((key) => !same(key));
  return {
    changes: replaces.length + updates.length > 0,
    replaces: [...replaces],
    deleteBeforeReplace: false,
    stables: replaces.length ? [] : ["amiId", "snapshotIds"],
  };
}

type Imaging = typeof import("../imaging");
type Clients = typeof import("../resolver/clients");

/** Drops undefined at every depth (optional inputs the user left out), so the engine can serialize the result. */
function structSafe<T extends object>(value: T): T {
  const { stripUndefined }: typeof import("./ami-resolution-provider") = require(STRUCT_MODULE);
  return stripUndefined(value as unknown as Record<string, unknown>) as unknown as T;
}

export const regionalAmiCopyProvider: pulumi.dynamic.ResourceProvider<RegionalAmiCopyInputs, RegionalAmiCopyOutputs> = {
  async check(_olds, news) {
    const self: typeof import("./regional-ami-copy") = require(SELF_MODULE);
    const { inputs, failures } = self.checkRegionalAmiCopyInputs(news as unknown as Record<string, unknown>);
    return { inputs: structSafe(inputs), failures };
  },

  async diff(_id, olds, news) {
    const self: typeof import("./regional-ami-copy") = require(SELF_MODULE);
    return self.diffRegionalAmiCopy(olds, news);
  },

  async create(inputs) {
    const imaging: Imaging = require(IMAGING_MODULE);
    const { createAwsClients }: Clients = require(CLIENTS_MODULE);
    const { DescribeImagesCommand } = require("@aws-sdk/client-ec2") as typeof import("@aws-sdk/client-ec2");
    const clients = createAwsClients();
    if (inputs.region === inputs.sourceRegion) {
      // The source region maps to the source AMI itself; we only add the launch permissions.
      const ec2 = clients.ec2(inputs.region);
      const { Images = [] } = await ec2.send(new DescribeImagesCommand({ ImageIds: [inputs.sourceAmiId] }));
      const snapshotIds = imaging.snapshotsOf(Images[0]?.BlockDeviceMappings);
      await imaging.shareImage(ec2, inputs.sourceAmiId, inputs.sharing, { snapshotIds });
      const outs = {
        ...inputs,
        amiId: inputs.sourceAmiId,
        snapshotIds,
        architecture: Images[0]?.Architecture ?? "x86_64",
        copied: false,
      };
      return { id: `${inputs.region}/${inputs.sourceAmiId}`, outs: structSafe(outs) };
    }
    // copyImage cleans up a copy it started but could not finish, so a failure here leaves nothing behind.
    const result = await imaging.copyImage(clients, {
      sourceAmiId: inputs.sourceAmiId,
      sourceRegion: inputs.sourceRegion,
      targetRegion: inputs.region,
      name: inputs.name,
      encrypted: inputs.encrypted,
      kmsKeyId: inputs.kmsKeyId,
      tags: inputs.tags,
      sharing: inputs.sharing,
      timeoutMs: inputs.timeoutMinutes * 60_000,
    });
    const outs = {
      ...inputs,
      amiId: result.amiId,
      snapshotIds: result.snapshotIds,
      architecture: result.architecture,
      copied: true,
    };
    return { id: `${inputs.region}/${result.amiId}`, outs: structSafe(outs) };
  },

  async read(id, props) {
    const imaging: Imaging = require(IMAGING_MODULE);
    const { createAwsClients }: Clients = require(CLIENTS_MODULE);
    const outputs = props as RegionalAmiCopyOutputs;
    const snapshotIds = await imaging.imageSnapshotIds(createAwsClients().ec2(outputs.region), outputs.amiId);
    if (snapshotIds.length === 0 && outputs.copied) return { id: "", props: {} as RegionalAmiCopyOutputs };
    return {
      id,
      props: structSafe({ ...outputs, snapshotIds: snapshotIds.length ? snapshotIds : outputs.snapshotIds }),
    };
  },

  async update(_id, olds, news) {
    const imaging: Imaging = require(IMAGING_MODULE);
    const { createAwsClients }: Clients = require(CLIENTS_MODULE);
    const ec2sdk = require("@aws-sdk/client-ec2") as typeof import("@aws-sdk/client-ec2");
    const ec2 = createAwsClients().ec2(news.region);
    const removed = imaging.removedSharing(olds.sharing ?? {}, news.sharing);
    if (imaging.isSharing(removed))
      await imaging.shareImage(ec2, olds.amiId, removed, { snapshotIds: olds.snapshotIds, operation: "remove" });
    await imaging.shareImage(ec2, olds.amiId, news.sharing, { snapshotIds: olds.snapshotIds });
    if (olds.copied) {
      const resources = [olds.amiId, ...olds.snapshotIds];
      const removedTags = Object.keys(olds.tags ?? {}).filter((key) => !(key in news.tags));
      if (removedTags.length)
        await ec2.send(
          new ec2sdk.DeleteTagsCommand({ Resources: resources, Tags: removedTags.map((Key) => ({ Key })) }),
        );
      if (Object.keys(news.tags).length)
        await ec2.send(new ec2sdk.CreateTagsCommand({ Resources: resources, Tags: imaging.toTagList(news.tags) }));
    }
    return { outs: structSafe({ ...olds, ...news }) };
  },

  async delete(_id, props) {
    const imaging: Imaging = require(IMAGING_MODULE);
    const { createAwsClients }: Clients = require(CLIENTS_MODULE);
    const ec2 = createAwsClients().ec2(props.region);
    if (!props.copied) {
      // Not ours to deregister: take back only the launch permissions we added.
      if (imaging.isSharing(props.sharing))
        await imaging
          .shareImage(ec2, props.amiId, props.sharing, { snapshotIds: props.snapshotIds, operation: "remove" })
          .catch(() => undefined);
      return;
    }
    if (props.retainOnDelete !== false) {
      console.log(`RegionalAmiCopy: keeping ${props.amiId} in ${props.region} (retainOnDelete)`);
      return;
    }
    const result = await imaging.deleteImageAndSnapshots(ec2, props.amiId);
    if (result.failedSnapshots.length) {
      throw new Error(
        `deregistered ${props.amiId} in ${props.region} but could not delete ${result.failedSnapshots.map((f) => `${f.snapshotId} (${f.reason})`).join(", ")}`,
      );
    }
  },
};

/** One AMI copy in one region, tracked in state on its own (so a failure elsewhere never forgets it). */
export class RegionalAmiCopy extends pulumi.dynamic.Resource {
  declare public readonly amiId: pulumi.Output<string>;
  declare public readonly snapshotIds: pulumi.Output<string[]>;
  declare public readonly architecture: pulumi.Output<string>;
  declare public readonly copied: pulumi.Output<boolean>;
  declare public readonly region: pulumi.Output<string>;

  constructor(name: string, args: RegionalAmiCopyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      regionalAmiCopyProvider,
      name,
      { ...args, amiId: undefined, snapshotIds: undefined, architecture: undefined, copied: undefined },
      opts,
      "cloudworkstation",
      "RegionalAmiCopy",
    );
  }
}
