import { isInstanceId } from "../../templates/aws-ids";
import { UsageError } from "../args";
import { EXIT, type CliCommand, type CliContext } from "../command";
import { designCommand, designSummary, designUsage } from "../design-commands";
import { catalogBrowseCommand } from "./catalog";
import { saveCommand } from "./save";

/**
 * The original design's commands that are not ours by the same words (src/cli/design-commands.ts): aliases that run
 * our command with the design's argument order, and answers that name the command doing it here (exit 2).
 */

/** An answer: the design's command is done by another one here, which the message names with the user's values. */
function answer(context: CliContext, words: readonly string[], here: string): number {
  context.stderr.write(`cws: "cws ${words.join(" ")}" is the original design's command; here:\n  ${here}\n`);
  return EXIT.invalidInput;
}

/** The value of `--flag V` / `--flag=V` in `args`, and the positionals (tokens not flags or flag values). */
function scan(
  args: readonly string[],
  valued: readonly string[],
): { flags: Map<string, string>; positionals: string[] } {
  const flags = new Map<string, string>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const token = args[i];
    if (!token.startsWith("-") || token === "-") {
      positionals.push(token);
      continue;
    }
    if (!token.startsWith("--")) {
      flags.set(token, "");
      continue;
    }
    const [flag, inline] = token.includes("=")
      ? [token.slice(0, token.indexOf("=")), token.slice(token.indexOf("=") + 1)]
      : [token, undefined];
    if (inline !== undefined) flags.set(flag, inline);
    else if (valued.includes(flag) && i + 1 < args.length) flags.set(flag, args[++i]);
    else flags.set(flag, "");
  }
  return { flags, positionals };
}

const LAUNCH = designCommand(["launch"]);
export const launchCommand: CliCommand = {
  path: LAUNCH.path,
  summary: designSummary(LAUNCH),
  usage: designUsage(LAUNCH),
  help:
    "cws launch is not built yet: a later release launches workstations from the CLI through the Pulumi Automation API.\n" +
    "Today a workstation is a ResearchWorkstation in a Pulumi program (docs/pulumi.md). What --dry-run\n" +
    "--show-ami-resolution shows is cws ami resolve (and cws costs). Always exits 2, naming those commands.",
  async run(argv, context) {
    const { flags, positionals } = scan(argv, ["--region", "--size", "--instance-type", "--strategy"]);
    const template = positionals[0] ?? "<template>";
    const region = flags.get("--region") ?? context.defaultRegion ?? "R";
    const sizing = flags.has("--instance-type")
      ? ` --instance-type ${flags.get("--instance-type")}`
      : flags.has("--size")
        ? ` --size ${flags.get("--size")}`
        : "";
    const strategy = flags.has("--strategy") ? ` --strategy ${flags.get("--strategy")}` : "";
    const lines = [
      "cws launch is not built yet (a later release drives ResearchWorkstation through the Pulumi Automation API).",
      `  launch today: a Pulumi program with new ResearchWorkstation("${positionals[1] ?? "<name>"}", { template: "${template}", region: "${region}" }) (docs/pulumi.md), then pulumi up`,
      `  preview the AMI (--dry-run --show-ami-resolution): cws ami resolve ${template} --region ${region}${sizing}${strategy}${flags.has("--allow-copy") ? " --allow-copy" : ""}`,
      `  estimated cost: cws costs ${template} --region ${region}${sizing}`,
    ];
    return answer(context, LAUNCH.path, lines.join("\n  "));
  },
};

const SAVE_VALUED = [
  "--region",
  "--description",
  "--mode",
  "--copy-to-regions",
  "--share-accounts",
  "--base-template",
  "--publish",
  "--publish-version",
  "--sign-key",
  "--creator",
];

/**
 * The design's `ami create <template> <instance>`: cws save with the arguments the other way round. The instance
 * is named by id (naming workstations comes with cws launch); --name becomes the image description, said on stderr.
 */
function createAlias(
  words: string[],
  extraValued: string[],
  translate: (flags: Map<string, string>) => string[],
): CliCommand {
  const row = designCommand(words);
  return {
    path: row.path,
    summary: designSummary(row),
    usage: designUsage(row),
    help: `Runs ${row.here}. Every flag of cws save is accepted as well; see cws save --help.`,
    async run(argv, context) {
      const { positionals } = scan(argv, [...SAVE_VALUED, ...extraValued]);
      if (positionals.length !== 2)
        throw new UsageError(`expected <template> <instance-id>, got ${positionals.length} argument(s)`);
      const [template, instance] = positionals;
      if (!isInstanceId(instance))
        return answer(
          context,
          row.path,
          `"${instance}" is not an instance id: workstations are named by id until cws launch exists; ` +
            `find the id with aws ec2 describe-instances --filters Name=tag:Name,Values=${instance}, then:\n  ` +
            `cws save <instance-id> ${template}`,
        );
      const rest: string[] = [];
      const { flags } = scan(argv, [...SAVE_VALUED, ...extraValued]);
      for (const [flag, value] of flags) {
        if (extraValued.includes(flag)) continue;
        rest.push(value === "" && !SAVE_VALUED.includes(flag) ? flag : `${flag}=${value}`);
      }
      return saveCommand.run([instance, template, ...translate(flags), ...rest], context);
    },
  };
}

export const amiCreateCommand: CliCommand = createAlias(["ami", "create"], ["--name"], (flags) => {
  const name = flags.get("--name");
  if (name === undefined) return [];
  if (flags.has("--description"))
    throw new UsageError(
      "give --name or --description, not both: here the image is named after the template, and --name becomes its description",
    );
  return [`--description=${name}`];
});

export const amiCreateMultiCommand: CliCommand = createAlias(
  ["ami", "create-multi"],
  ["--regions", "--name"],
  (flags) => {
    const regions = flags.get("--regions");
    if (!regions)
      throw new UsageError(
        "--regions is required: the regions to create the AMI in, e.g. --regions us-east-1,us-west-2",
      );
    const name = flags.get("--name");
    return [`--copy-to-regions=${regions}`, ...(name !== undefined ? [`--description=${name}`] : [])];
  },
);

const AMI_SAVE = designCommand(["ami", "save"]);
export const amiSaveCommand: CliCommand = {
  path: AMI_SAVE.path,
  summary: designSummary(AMI_SAVE),
  usage: designUsage(AMI_SAVE),
  help: "The design routes cws save through cws ami save; here both run cws save (see cws save --help).",
  run: (argv, context) => saveCommand.run(argv, context),
};

const AMI_BROWSE = designCommand(["ami", "browse"]);
export const amiBrowseCommand: CliCommand = {
  path: AMI_BROWSE.path,
  summary: designSummary(AMI_BROWSE),
  usage: designUsage(AMI_BROWSE),
  help: "The community of the design is the lab catalog here; runs cws catalog browse (see cws catalog browse --help).",
  run: (argv, context) => catalogBrowseCommand.run(argv, context),
};

const AMI_RATE = designCommand(["ami", "rate"]);
export const amiRateCommand: CliCommand = {
  path: AMI_RATE.path,
  summary: designSummary(AMI_RATE),
  usage: designUsage(AMI_RATE),
  help: "Ratings are reviews in the lab catalog (docs/catalog.md), written as files and committed. Always exits 2.",
  async run(argv, context) {
    const { flags, positionals } = scan(argv, ["--review"]);
    const ami = positionals[0] ?? "<ami-id>";
    const review = flags.get("--review");
    return answer(
      context,
      AMI_RATE.path,
      `cws catalog review <template@version> --rating ${positionals[1] ?? "N"} --reviewer <your-name>` +
        `${review ? ` --comment ${JSON.stringify(review)}` : ""}   (the entry holding ${ami}: cws catalog browse --json), then commit the file it writes`,
    );
  },
};

const AMI_SUBMIT = designCommand(["ami", "submit"]);
export const amiSubmitCommand: CliCommand = {
  path: AMI_SUBMIT.path,
  summary: designSummary(AMI_SUBMIT),
  usage: designUsage(AMI_SUBMIT),
  help: "Submissions are signed entries of the lab catalog (docs/catalog.md). Always exits 2.",
  async run(argv, context) {
    const { flags, positionals } = scan(argv, ["--description", "--region"]);
    const ami = positionals[0] ?? "<ami-id>";
    const region = flags.get("--region") ?? context.defaultRegion ?? "<region>";
    return answer(
      context,
      AMI_SUBMIT.path,
      `cws catalog submit --template <template> --version <version> --ami ${region}=${ami} [--sign-key KEY]` +
        (flags.has("--public")
          ? `\n  and to let every AWS account launch it: cws ami share ${ami} --region ${region} --public`
          : ""),
    );
  },
};

const AMI_PUBLISH = designCommand(["ami", "publish"]);
export const amiPublishCommand: CliCommand = {
  path: AMI_PUBLISH.path,
  summary: designSummary(AMI_PUBLISH),
  usage: designUsage(AMI_PUBLISH),
  help: "AWS Marketplace listings are not made by CloudWorkstation. Always exits 2.",
  async run(argv, context) {
    const ami = scan(argv, ["--price"]).positionals[0] ?? "<ami-id>";
    return answer(
      context,
      AMI_PUBLISH.path,
      `not supported: list ${ami} on AWS Marketplace through the AWS Marketplace Management Portal;\n  ` +
        `to share it with your lab: cws catalog submit --template <template> --version <version> --ami <region>=${ami}`,
    );
  },
};

const TUI = designCommand(["tui"]);
export const tuiCommand: CliCommand = {
  path: TUI.path,
  summary: designSummary(TUI),
  usage: designUsage(TUI),
  help: "There is no terminal UI; the web dashboard of cws serve shows the same. Always exits 2.",
  async run(argv, context) {
    return answer(
      context,
      TUI.path,
      "cws serve, then open the dashboard at the address it prints (http://127.0.0.1:8080/ by default)",
    );
  },
};
