import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { UNKNOWN } from "./ami-resolution-provider";
import type { CaptureMode, SharingOptions } from "../imaging";

/*
 * The provider runs later, in a separate process, from the serialized closure of its methods. So every method
 * requires the AWS SDK and our engine itself, and captures only strings: these absolute module paths, resolved now
 * without an extension so they work from compiled JS under dist/ and from .ts under tsx in tests.
 */
const IMAGING_MODULE = path.resolve(__dirname, "..", "imaging");
const CLIENTS_MODULE = path.resolve(__dirname, "..", "resolver", "clients");
const SELF_MODULE = path.resolve(__dirname, "saved-template");
/** Has stripUndefined: the provider host's protobuf Struct throws on undefined values ("Unexpected struct type"). */
const STRUCT_MODULE = path.resolve(__dirname, "ami-resolution-provider");

export interface SavedTemplateArgs {
  /** The instance to capture. Changing it captures a new image (replacement). */
  instanceId: pulumi.Input<string>;
  /** The instance's region. Dynamic resources never inherit the aws provider's region. */
  region: pulumi.Input<string>;
  /** Name of the new template (lowercase letters, digits, '.', '_', '-'); also the prefix of the AMI name. */
  templateName: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** The template the saved one inherits (packages, services, users, instance defaults). */
  baseTemplate?: pulumi.Input<string>;
  /**
   * `stop` (default): stop the instance, image it, start it again — a consistent image, minutes of downtime.
   * `reboot`: EC2 reboots the instance during imaging. `no-reboot`: image it running; open files may be inconsistent.
   */
  mode?: pulumi.Input<CaptureMode>;
  /** Tags for the image and its snapshots, besides ours (template, source instance, date, cloudworkstation:managed). */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Default true: `pulumi destroy` (or a replacement) keeps the AMI, because templates elsewhere may launch from it.
   * False: deregister it and delete its snapshots.
   */
  retainOnDelete?: pulumi.Input<boolean>;
  /** Also write `<templatesDir>/<templateName>.yml`. */
  templatesDir?: pulumi.Input<string>;
}

/** Provider inputs after check: defaults applied. */
export interface SavedTemplateInputs {
  instanceId: string;
  region: string;
  templateName: string;
  description?: string;
  baseTemplate?: string;
  mode: CaptureMode;
  tags: Record<string, string>;
  retainOnDelete: boolean;
  templatesDir?: string;
}

export interface SavedTemplateOutputs extends SavedTemplateInputs {
  amiId: string;
  imageName: string;
  snapshotIds: string[];
  architecture: string;
  ownerId: string;
  templateYaml: string;
  templateFile?: string;
  /** The date of the capture (kept so updates regenerate the same YAML). */
  capturedAt: string;
}

const REPLACE_ON = ["instanceId", "region", "mode"] as const;
const UPDATABLE = ["retainOnDelete", "tags", "templateName", "description", "baseTemplate", "templatesDir"] as const;

/** Applies defaults and reports input mistakes as check failures. Internal. Exported for testing. */
export function checkSavedTemplateInputs(news: Record<string, unknown>): {
  inputs: SavedTemplateInputs;
  failures: { property: string; reason: string }[];
} {
  const failures: { property: string; reason: string }[] = [];
  const text = (key: string) => (typeof news[key] === "string" && news[key] !== "" ? (news[key] as string) : undefined);
  const inputs: SavedTemplateInputs = {
    instanceId: text("instanceId") ?? "",
    region: text("region") ?? "",
    templateName: text("templateName") ?? "",
    description: text("description"),
    baseTemplate: text("baseTemplate"),
    mode: (text("mode") ?? "stop") as CaptureMode,
    tags: (news.tags as Record<string, string> | undefined) ?? {},
    retainOnDelete: news.retainOnDelete === undefined ? true : Boolean(news.retainOnDelete),
    templatesDir: text("templatesDir"),
  };
  if (!/^i-[0-9a-f]{8,17}$/.test(inputs.instanceId))
    failures.push({
      property: "instanceId",
      reason: `"${inputs.instanceId}" is not an instance id (i- followed by hex digits)`,
    });
  if (!inputs.region)
    failures.push({ property: "region", reason: "region is required (the instance's region, e.g. us-east-1)" });
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(inputs.templateName)) {
    failures.push({
      property: "templateName",
      reason: `"${inputs.templateName}" is not a template name: lowercase letters, digits, '.', '_' and '-'`,
    });
  }
  if (!["stop", "reboot", "no-reboot"].includes(inputs.mode))
    failures.push({ property: "mode", reason: `unknown mode "${inputs.mode}": use stop, reboot or no-reboot` });
  // In a preview, an input computed from another resource (e.g. sourceAmiId: saved.amiId) is Pulumi's unknown
  // sentinel: it is checked again once known, so it is not a mistake now.
  return { inputs, failures: failures.filter((failure) => news[failure.property] !== UNKNOWN) };
}

/** Replace when the capture itself would differ; everything else is an in-place update. Internal. Exported for testing. */
export function diffSavedTemplate(
  olds: Partial<SavedTemplateInputs>,
  news: SavedTemplateInputs,
): pulumi.dynamic.DiffResult {
  const same = (key: keyof SavedTemplateInputs) =>
    JSON.stringify(olds[key] ?? null) === JSON.stringify(news[key] ?? null);
  const replaces = REPLACE_ON.filter((key) => !same(key));
  const updates = UPDATABLE.filter((key) => !same(key));
  return {
    changes: replaces.length + updates.length > 0,
    replaces: [...replaces],
    // A replacement captures the new image before the old resource is deleted (which by default keeps its AMI).
    deleteBeforeReplace: false,
    stables: replaces.length ? [] : ["amiId", "snapshotIds", "architecture", "ownerId", "imageName", "capturedAt"],
  };
}

type Imaging = typeof import("../imaging");
type Clients = typeof import("../resolver/clients");

/** Drops undefined at every depth (optional inputs the user left out), so the engine can serialize the result. */
function structSafe<T extends object>(value: T): T {
  const { stripUndefined }: typeof import("./ami-resolution-provider") = require(STRUCT_MODULE);
  return stripUndefined(value as unknown as Record<string, unknown>) as unknown as T;
}

/** Renders the YAML for a capture and (optionally) writes it. Runs inside the provider. Internal. Exported for testing. */
export function renderAndWrite(
  imaging: Imaging,
  inputs: SavedTemplateInputs,
  image: { amiId: string; architecture: "x86_64" | "arm64"; ownerId: string; capturedAt: string },
): { templateYaml: string; templateFile?: string } {
  const fs: typeof import("node:fs") = require("node:fs");
  const nodePath: typeof import("node:path") = require("node:path");
  const templateYaml = imaging.renderSavedTemplateYaml({
    templateName: inputs.templateName,
    description: inputs.description,
    baseTemplate: inputs.baseTemplate,
    amiMappings: { [inputs.region]: { [image.architecture]: image.amiId } },
    ownerId: image.ownerId,
    architecture: image.architecture,
    sourceInstanceId: inputs.instanceId,
    createdAt: new Date(image.capturedAt),
  });
  if (!inputs.templatesDir) return { templateYaml };
  const templateFile = nodePath.resolve(inputs.templatesDir, `${inputs.templateName}.yml`);
  fs.mkdirSync(nodePath.dirname(templateFile), { recursive: true });
  fs.writeFileSync(templateFile, templateYaml);
  return { templateYaml, templateFile };
}

/** One module-level provider; each method requires what it needs (see the top of this file). */
export const savedTemplateProvider: pulumi.dynamic.ResourceProvider<SavedTemplateInputs, SavedTemplateOutputs> = {
  async check(_olds, news) {
    const self: typeof import("./saved-template") = require(SELF_MODULE);
    const { inputs, failures } = self.checkSavedTemplateInputs(news as unknown as Record<string, unknown>);
    return { inputs: structSafe(inputs), failures };
  },

  async diff(_id, olds, news) {
    const self: typeof import("./saved-template") = require(SELF_MODULE);
    return self.diffSavedTemplate(olds, news);
  },

  async create(inputs) {
    const imaging: Imaging = require(IMAGING_MODULE);
    const { createAwsClients }: Clients = require(CLIENTS_MODULE);
    const self: typeof import("./saved-template") = require(SELF_MODULE);
    const ec2 = createAwsClients().ec2(inputs.region);
    const capturedAt = new Date();
    const result = await imaging.captureImage(ec2, {
      instanceId: inputs.instanceId,
      region: inputs.region,
      templateName: inputs.templateName,
      description: inputs.description,
      mode: inputs.mode,
      tags: inputs.tags,
      date: () => capturedAt,
    });
    let rendered;
    try {
      rendered = self.renderAndWrite(imaging, inputs, { ...result, capturedAt: capturedAt.toISOString() });
    } catch (error) {
      // The resource will not be recorded, so the image must not outlive this error.
      const deletion = imaging.describeDeletion(result.amiId, await imaging.deleteImageAndSnapshots(ec2, result.amiId));
      throw new imaging.ImagingError("write template", error, deletion.undone, deletion.notUndone);
    }
    const outs: SavedTemplateOutputs = {
      ...inputs,
      amiId: result.amiId,
      imageName: result.imageName,
      snapshotIds: result.snapshotIds,
      architecture: result.architecture,
      ownerId: result.ownerId,
      capturedAt: capturedAt.toISOString(),
      ...rendered,
    };
    return { id: result.amiId, outs: structSafe(outs) };
  },

  async read(id, props) {
    const { DescribeImagesCommand } = require("@aws-sdk/client-ec2") as typeof import("@aws-sdk/client-ec2");
    const { createAwsClients }: Clients = require(CLIENTS_MODULE);
    const imaging: Imaging = require(IMAGING_MODULE);
    const outputs = props as SavedTemplateOutputs;
    try {
      const { Images = [] } = await createAwsClients()
        .ec2(outputs.region)
        .send(new DescribeImagesCommand({ ImageIds: [id] }));
      if (!Images[0]) return { id: "", props: {} as SavedTemplateOutputs };
      return { id, props: structSafe({ ...outputs, snapshotIds: imaging.snapshotsOf(Images[0].BlockDeviceMappings) }) };
    } catch (error) {
      if (imaging.isNotFound(error)) return { id: "", props: {} as SavedTemplateOutputs };
      throw error;
    }
  },

  async update(id, olds, news) {
    const ec2sdk = require("@aws-sdk/client-ec2") as typeof import("@aws-sdk/client-ec2");
    const { createAwsClients }: Clients = require(CLIENTS_MODULE);
    const imaging: Imaging = require(IMAGING_MODULE);
    const self: typeof import("./saved-template") = require(SELF_MODULE);
    const ec2 = createAwsClients().ec2(news.region);
    const resources = [id, ...olds.snapshotIds];
    const removed = Object.keys(olds.tags ?? {}).filter((key) => !(key in news.tags));
    if (removed.length)
      await ec2.send(new ec2sdk.DeleteTagsCommand({ Resources: resources, Tags: removed.map((Key) => ({ Key })) }));
    if (Object.keys(news.tags).length)
      await ec2.send(new ec2sdk.CreateTagsCommand({ Resources: resources, Tags: imaging.toTagList(news.tags) }));
    const rendered = self.renderAndWrite(imaging, news, {
      amiId: olds.amiId,
      architecture: olds.architecture === "arm64" ? "arm64" : "x86_64",
      ownerId: olds.ownerId,
      capturedAt: olds.capturedAt,
    });
    const outs: SavedTemplateOutputs = { ...olds, ...news, templateFile: undefined, ...rendered };
    return { outs: structSafe(outs) };
  },

  async delete(id, props) {
    const { createAwsClients }: Clients = require(CLIENTS_MODULE);
    const imaging: Imaging = require(IMAGING_MODULE);
    if (props.retainOnDelete !== false) {
      console.log(
        `SavedTemplate: keeping ${id} in ${props.region} (retainOnDelete); deregister it with aws ec2 deregister-image when no template uses it`,
      );
      return;
    }
    const result = await imaging.deleteImageAndSnapshots(createAwsClients().ec2(props.region), id);
    if (result.failedSnapshots.length) {
      throw new Error(
        `deregistered ${id} but could not delete ${result.failedSnapshots.map((f) => `${f.snapshotId} (${f.reason})`).join(", ")}`,
      );
    }
  },
};

/**
 * Captures a running or stopped instance as an AMI and describes it as a template that inherits `baseTemplate`.
 * In `stop` mode the instance is stopped for the capture and started again as soon as the image is available; on
 * any failure it is restarted and a half-made image is deregistered with its snapshots.
 */
export class SavedTemplate extends pulumi.dynamic.Resource {
  declare public readonly amiId: pulumi.Output<string>;
  declare public readonly imageName: pulumi.Output<string>;
  declare public readonly snapshotIds: pulumi.Output<string[]>;
  declare public readonly architecture: pulumi.Output<string>;
  declare public readonly ownerId: pulumi.Output<string>;
  /** The template, as YAML: `ami_config.ami_mappings` → { region: { architecture: amiId } }. */
  declare public readonly templateYaml: pulumi.Output<string>;
  /** Where the YAML was written, when `templatesDir` was given. */
  declare public readonly templateFile: pulumi.Output<string | undefined>;
  declare public readonly capturedAt: pulumi.Output<string>;
  declare public readonly retainOnDelete: pulumi.Output<boolean>;

  constructor(name: string, args: SavedTemplateArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      savedTemplateProvider,
      name,
      {
        ...args,
        amiId: undefined,
        imageName: undefined,
        snapshotIds: undefined,
        architecture: undefined,
        ownerId: undefined,
        templateYaml: undefined,
        templateFile: undefined,
        capturedAt: undefined,
      },
      opts,
      "cloudworkstation",
      "SavedTemplate",
    );
  }
}

export type { SharingOptions };
