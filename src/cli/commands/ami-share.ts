import { imageSnapshotIds, PUBLIC_SHARING_WARNING, shareImage, type SharingOptions } from "../../imaging";
import { parseAmiId, parseCommandArgs, parseListFlag, requireRegion, UsageError } from "../args";
import { EXIT, type CliCommand } from "../command";
import { formatTable } from "../format";
import { askToProceed, checkSharingFlags } from "../imaging-flags";
import { writeJson } from "../output";

const OPTIONS = {
  region: { type: "string" },
  accounts: { type: "string", multiple: true },
  "organization-arns": { type: "string", multiple: true },
  "ou-arns": { type: "string", multiple: true },
  public: { type: "boolean" },
  remove: { type: "boolean" },
  yes: { type: "boolean", short: "y" },
  json: { type: "boolean" },
} as const;

export const amiShareCommand: CliCommand = {
  path: ["ami", "share"],
  summary: "Let other accounts, organizations or OUs (or everyone) launch an AMI (changes its permissions)",
  usage:
    "cws ami share <ami-id> [--region R] [--accounts id,…] [--organization-arns arn,…] [--ou-arns arn,…] [--public] [--remove] [--yes] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        ["--region R", "the AMI's region (default: global --region, AWS_REGION, AWS_DEFAULT_REGION, profile)"],
        ["--accounts ids", "12-digit account ids (they also get createVolumePermission on the snapshots)"],
        ["--organization-arns arns", "AWS Organizations organization ARNs"],
        ["--ou-arns arns", "organizational unit ARNs"],
        ["--public", "everyone: asks first (AWS may block it with image block public access)"],
        ["--remove", "take the permissions away instead of adding them"],
        ["--yes, -y", "do not ask before sharing publicly (required without a terminal)"],
        ["--json", "print { region, amiId, launchPermissions, snapshotIds, operation }"],
      ],
      "  ",
    ),
  ].join("\n"),
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, { min: 1, max: 1, names: "<ami-id>" });
    const amiId = parseAmiId(positionals[0]);
    const region = requireRegion(values.region, context);
    const sharing: SharingOptions = checkSharingFlags(
      {
        accountIds: parseListFlag("--accounts", values.accounts),
        organizationArns: parseListFlag("--organization-arns", values["organization-arns"]),
        organizationalUnitArns: parseListFlag("--ou-arns", values["ou-arns"]),
        public: values.public === true,
      },
      { accountIds: "--accounts", organizationArns: "--organization-arns", organizationalUnitArns: "--ou-arns" },
    );
    if (
      !sharing.public &&
      !sharing.accountIds?.length &&
      !sharing.organizationArns?.length &&
      !sharing.organizationalUnitArns?.length
    )
      throw new UsageError("nothing to share with: pass --accounts, --organization-arns, --ou-arns or --public");
    const operation = values.remove === true ? "remove" : "add";
    if (sharing.public && operation === "add") {
      context.stderr.write(`cws ami share: warning: ${PUBLIC_SHARING_WARNING}\n`);
      const refused = await askToProceed(
        context,
        "ami share",
        `${amiId} in ${region} will be launchable by EVERY AWS account. Continue?`,
        values.yes === true,
      );
      if (refused !== undefined) return refused;
    }
    const ec2 = context.clients.ec2(region);
    const snapshotIds = await imageSnapshotIds(ec2, amiId);
    const result = await shareImage(ec2, amiId, sharing, { snapshotIds, operation });
    if (values.json === true) writeJson(context, { region, ...result, operation });
    else
      context.stdout.write(
        `${operation === "remove" ? "Removed" : "Added"} ${result.launchPermissions.length} launch permission(s) on ${amiId} in ${region}` +
          (result.snapshotIds.length ? ` and createVolumePermission on ${result.snapshotIds.join(", ")}` : "") +
          "\n",
      );
    return EXIT.ok;
  },
};
