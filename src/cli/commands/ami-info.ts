import { DescribeImagesCommand, type Image } from "@aws-sdk/client-ec2";
import { isNotFound } from "../../core/aws-errors";
import { isDeprecated } from "../../resolver/validate-image";
import { AMI_ID_PATTERN } from "../../templates/schema";
import { parseCommandArgs, requireRegion, UsageError } from "../args";
import { EXIT, type CliCommand } from "../command";
import { formatImageInfo, formatTable, type ImageInfo } from "../format";
import { progressFor, styleOf, writeJson } from "../output";

const OPTIONS = { region: { type: "string" }, json: { type: "boolean" } } as const;

/** DescribeImages' answer, flattened for people and for --json (exported so other front ends print the same object). */
export function imageInfo(image: Image, region: string, now = new Date()): ImageInfo {
  const snapshots = (image.BlockDeviceMappings ?? [])
    .filter((m) => m.Ebs)
    .map((m) => ({
      deviceName: m.DeviceName,
      snapshotId: m.Ebs?.SnapshotId,
      sizeGb: m.Ebs?.VolumeSize,
      volumeType: m.Ebs?.VolumeType,
    }));
  return {
    amiId: image.ImageId ?? "?",
    region,
    name: image.Name,
    description: image.Description,
    ownerId: image.OwnerId,
    ownerAlias: image.ImageOwnerAlias,
    architecture: image.Architecture,
    state: image.State,
    creationDate: image.CreationDate,
    deprecationTime: image.DeprecationTime,
    deprecated: isDeprecated(image, now),
    public: image.Public,
    platform: image.PlatformDetails,
    virtualizationType: image.VirtualizationType,
    rootDeviceName: image.RootDeviceName,
    bootMode: image.BootMode,
    productCodes: (image.ProductCodes ?? []).map((c) => c.ProductCodeId ?? "?"),
    tags: Object.fromEntries((image.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
    snapshots,
    totalSizeGb: snapshots.reduce((sum, s) => sum + (s.sizeGb ?? 0), 0),
  };
}

export const amiInfoCommand: CliCommand = {
  path: ["ami", "info"],
  summary: "Show one AMI's details: name, owner, architecture, state, dates, deprecation, tags, snapshots",
  usage: "cws ami info <ami-id> [--region R] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        ["--region R", "region the AMI lives in (default: global --region, AWS_REGION, AWS_DEFAULT_REGION, profile)"],
        ["--json", "print the ImageInfo object (see docs/cli.md)"],
      ],
      "  ",
    ),
    "",
    "Exit codes: 0 found, 2 malformed id or no such AMI in the region, 1 unexpected error.",
  ].join("\n"),
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, { min: 1, max: 1, names: "<ami-id>" });
    const amiId = positionals[0];
    if (!AMI_ID_PATTERN.test(amiId))
      throw new UsageError(`"${amiId}" is not an AMI id: expected "ami-" followed by 8 or 17 lowercase hex digits`);
    const region = requireRegion(values.region, context);
    const json = values.json === true;
    const progress = progressFor(context, json);
    progress.update(`describing ${amiId} in ${region}…`);
    let image: Image | undefined;
    try {
      const { Images = [] } = await context.clients.ec2(region).send(new DescribeImagesCommand({ ImageIds: [amiId] }));
      image = Images[0];
    } catch (error) {
      if (!isNotFound(error)) throw error;
    } finally {
      progress.done();
    }
    if (!image) {
      context.stderr.write(
        `cws: ${amiId} not found in ${region} (deregistered, in another region, or not shared with this account)\n`,
      );
      return EXIT.invalidInput;
    }
    const info = imageInfo(image, region);
    if (json) writeJson(context, info);
    else context.stdout.write(formatImageInfo(info, styleOf(context, json)));
    return EXIT.ok;
  },
};
