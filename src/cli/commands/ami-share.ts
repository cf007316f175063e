import { PUBLIC_SHARING_WARNING, type SharingOptions } from "../../imaging";
import { grantsAnything, shareInRegion } from "../../ops/share-image";
import { parseAmiId, parseCommandArgs, parseListFlag, requireRegion, UsageError } from "../args";
import { EXIT, type CliCommand } from "../command";
import { formatTable } from "../format";
import {
  planCatalogPublish,
  publishToLabCatalog,
  PUBLISH_FLAGS_HELP,
  rejectOrphanPublishFlags,
} from "../catalog-publish";
import { askToProceed, checkSharingFlags } from "../imaging-flags";
import { writeJson } from "../output";

const OPTIONS = {
  region: { type: "string" },
  accounts: { type: "string", multiple: true },
  "organization-arns": { type: "string", multiple: true },
  "ou-arns": { type: "string", multiple: true },
  public: { type: "boolean" },
  remove: { type: "boolean" },
  community: { type: "string" },
  template: { type: "string" },
  "publish-version": { type: "string" },
  "sign-key": { type: "string" },
  creator: { type: "string" },
  description: { type: "string" },
  yes: { type: "boolean", short: "y" },
  json: { type: "boolean" },
} as const;

export const amiShareCommand: CliCommand = {
  path: ["ami", "share"],
  summary: "Let other accounts, organizations or OUs (or everyone) launch an AMI (changes its permissions)",
  usage:
    "cws ami share <ami-id> [--region R] [--accounts id,…] [--organization-arns arn,…] [--ou-arns arn,…] [--public] [--remove] " +
    "[--community CATALOG --template T --publish-version V [--sign-key KEY]] [--yes] [--json]",
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
        ["--community CATALOG", "publish the AMI to a lab catalog working copy as a beta entry (cws catalog submit)"],
        ["--template T", "with --community: the template the image is for"],
        ...PUBLISH_FLAGS_HELP,
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
    const grants = grantsAnything(sharing);
    const operation = values.remove === true ? "remove" : "add";
    if (values.community === undefined) {
      rejectOrphanPublishFlags("--community", values);
      for (const name of ["template", "description"] as const)
        if (values[name] !== undefined) throw new UsageError(`--${name} only goes with --community CATALOG`);
      if (!grants)
        throw new UsageError(
          "nothing to share with: pass --accounts, --organization-arns, --ou-arns, --public or --community",
        );
    } else if (operation === "remove") {
      throw new UsageError("--community publishes an image; it does not go with --remove");
    } else if (!values.template) {
      throw new UsageError("--community needs --template T (the template the image is for)");
    }
    const community =
      values.community === undefined
        ? undefined
        : await planCatalogPublish("--community", values.community, {
            version: values["publish-version"],
            signKey: values["sign-key"],
            creator: values.creator,
          });
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
    const report = await shareInRegion(context.clients, { amiId, region, sharing, operation });
    const published =
      community && values.template
        ? await publishToLabCatalog(context, community, {
            template: values.template,
            images: [{ region, amiId }],
            description: values.description,
          })
        : undefined;
    if (values.json === true) writeJson(context, { ...report, ...(published ? { catalogEntry: published.file } : {}) });
    else if (grants)
      context.stdout.write(
        `${operation === "remove" ? "Removed" : "Added"} ${report.launchPermissions.length} launch permission(s) on ${amiId} in ${region}` +
          (report.snapshotIds.length ? ` and createVolumePermission on ${report.snapshotIds.join(", ")}` : "") +
          "\n",
      );
    return EXIT.ok;
  },
};
