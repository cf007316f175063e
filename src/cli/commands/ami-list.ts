import { parseCommandArgs, requireRegion } from "../args";
import { EXIT, type CliCommand } from "../command";
import { formatImageList, formatTable } from "../format";
import { listOwnImages, listTemplateImages } from "../../ops/image-sources";
import { progressFor, styleOf, writeJson } from "../output";
import { loadTemplateForCli } from "../templates";

const OPTIONS = { template: { type: "string" }, region: { type: "string" }, json: { type: "boolean" } } as const;

export const amiListCommand: CliCommand = {
  path: ["ami", "list"],
  summary: "List the images a template's sources would consider in a region (or this account's own images)",
  usage: "cws ami list [--template T] [--region R] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        [
          "--template T",
          "list what T's ami_mappings, ssm_parameter, ami_search and marketplace_search find (both architectures)",
        ],
        ["--region R", "region to look in (default: global --region, AWS_REGION, AWS_DEFAULT_REGION, profile)"],
        ["--json", "print { template?, region, images: [...], notes: [...] }"],
      ],
      "  ",
    ),
    "",
    "Without --template: the images owned by this account (Owners=self), e.g. those made by `cws save`.",
    "TRUSTED says whether the owner passes the template's trusted_owners (or the source's own owners when there is",
    "no trusted_owners list). Nothing is chosen here: `cws ami resolve` applies every rule and picks one.",
  ].join("\n"),
  async run(argv, context) {
    const { values } = parseCommandArgs(argv, OPTIONS, { min: 0, max: 0, names: "" });
    const region = requireRegion(values.region, context);
    const template = values.template === undefined ? undefined : loadTemplateForCli(values.template, context).template;
    const json = values.json === true;
    const progress = progressFor(context, json);
    progress.update(`listing images in ${region}…`);
    let listing;
    try {
      listing = template
        ? await listTemplateImages(template, region, context.clients)
        : await listOwnImages(region, context.clients);
    } finally {
      progress.done();
    }
    if (json) writeJson(context, listing);
    else context.stdout.write(formatImageList(listing, styleOf(context, json)));
    return EXIT.ok;
  },
};
