import {
  imageSnapshotIds,
  PUBLIC_SHARING_WARNING,
  shareImage,
  type SharingOptions,
  validateSharing,
} from "../../imaging";
import { EXIT, type CliCommand } from "../command";
import { CommandLineError, listFlag, parseCommandLine, regionOf, runWithErrors } from "./save";

const OPTIONS = {
  region: { type: "string" },
  accounts: { type: "string", multiple: true },
  "organization-arns": { type: "string", multiple: true },
  "ou-arns": { type: "string", multiple: true },
  public: { type: "boolean" },
  remove: { type: "boolean" },
  json: { type: "boolean" },
} as const;

export const amiShareCommand: CliCommand = {
  path: ["ami", "share"],
  summary: "Let other accounts, organizations or OUs (or everyone) launch an AMI",
  usage:
    "cws ami share <ami-id> [--region R] [--accounts id,…] [--organization-arns arn,…] [--ou-arns arn,…] [--public] [--remove] [--json]",
  help: [
    "Options:",
    "  --region R                 the AMI's region",
    "  --accounts ids             12-digit account ids (they also get createVolumePermission on the snapshots)",
    "  --organization-arns arns   AWS Organizations organization ARNs",
    "  --ou-arns arns             organizational unit ARNs",
    "  --public                   everyone (prints a warning; AWS may block it with image block public access)",
    "  --remove                   take the permissions away instead of adding them",
  ].join("\n"),
  run(argv, context) {
    return runWithErrors(amiShareCommand, context, async () => {
      const { values, positionals } = parseCommandLine(argv, OPTIONS, { min: 1, max: 1, names: "<ami-id>" });
      const region = regionOf(values.region, context);
      const sharing: SharingOptions = {
        accountIds: listFlag(values.accounts),
        organizationArns: listFlag(values["organization-arns"]),
        organizationalUnitArns: listFlag(values["ou-arns"]),
        public: values.public === true,
      };
      validateSharing(sharing);
      if (
        !sharing.public &&
        !sharing.accountIds?.length &&
        !sharing.organizationArns?.length &&
        !sharing.organizationalUnitArns?.length
      ) {
        throw new CommandLineError(
          "nothing to share with: pass --accounts, --organization-arns, --ou-arns or --public",
        );
      }
      if (sharing.public && values.remove !== true)
        context.stderr.write(`cws ami share: warning: ${PUBLIC_SHARING_WARNING}\n`);
      const ec2 = context.clients.ec2(region);
      const snapshotIds = await imageSnapshotIds(ec2, positionals[0]);
      const result = await shareImage(ec2, positionals[0], sharing, {
        snapshotIds,
        operation: values.remove === true ? "remove" : "add",
      });
      if (values.json === true)
        context.stdout.write(
          `${JSON.stringify({ region, ...result, operation: values.remove ? "remove" : "add" }, null, 2)}\n`,
        );
      else
        context.stdout.write(
          `${values.remove ? "Removed" : "Added"} ${result.launchPermissions.length} launch permission(s) on ${positionals[0]} in ${region}` +
            (result.snapshotIds.length ? ` and createVolumePermission on ${result.snapshotIds.join(", ")}` : "") +
            "\n",
        );
      return EXIT.ok;
    });
  },
};
