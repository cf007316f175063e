import { InvalidInputError } from "../../core/errors";
import { isInstanceId } from "../../core/aws-ids";
import { checkWorkstationName, UsageError } from "../args";
import { EXIT, type CliCommand, type CliContext } from "../command";
import { designCommand, designSummary, designUsage } from "../design-commands";
import { catalogBrowseCommand } from "./catalog";
import { workstationInstance } from "../../ops/workstations/manage";
import { workstationEngine } from "../../ops/workstations/stack";
import { saveCommand } from "./save";

/**
 * The original design's commands that are not ours by the same words (src/cli/design-commands.ts): aliases that run
 * our command with the design's argument order, and answers that name the command doing it here (exit 2).
 */

interface ScannedArgs {
  /** Every flag in order, with its value ("" for a flag without one); repeated flags keep every value. */
  entries: [string, string][];
  /** The last value of each flag. */
  flags: Map<string, string>;
  positionals: string[];
}

/**
 * The flags (`--flag V`, `--flag=V`, `-y`) and positionals of a design command's arguments. `valued` lists the flags
 * that take a value. Lenient on purpose: an answer must name the command to use, never stop at a flag it lacks.
 */
function scan(args: readonly string[], valued: readonly string[]): ScannedArgs {
  const entries: [string, string][] = [];
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const token = args[i];
    if (!token.startsWith("-") || token === "-") positionals.push(token);
    else if (!token.startsWith("--")) entries.push([token, ""]);
    else if (token.includes("="))
      entries.push([token.slice(0, token.indexOf("=")), token.slice(token.indexOf("=") + 1)]);
    else if (valued.includes(token) && i + 1 < args.length) entries.push([token, args[++i]]);
    else entries.push([token, ""]);
  }
  return { entries, flags: new Map(entries), positionals };
}

/** An answer: exit 2, naming the command that does it here, filled in with the values given. */
function designAnswer(
  words: string[],
  help: string,
  valued: readonly string[],
  hereOf: (args: ScannedArgs, context: CliContext) => string,
): CliCommand {
  const row = designCommand(words);
  return {
    path: row.path,
    summary: designSummary(row),
    usage: designUsage(row),
    help: `${help} Always exits 2.`,
    async run(argv, context) {
      const here = hereOf(scan(argv, valued), context);
      context.stderr.write(`cws: "cws ${row.path.join(" ")}" is the original design's command; here:\n  ${here}\n`);
      return EXIT.invalidInput;
    },
  };
}

/** An alias: runs our command with the arguments as they are. */
function designAlias(words: string[], help: string, target: CliCommand): CliCommand {
  const row = designCommand(words);
  return {
    path: row.path,
    summary: designSummary(row),
    usage: designUsage(row),
    help,
    run: (argv, context) => target.run(argv, context),
  };
}

/** cws save's flags that take a value (the others are booleans). */
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
 * The design's `ami create[-multi] <template> <instance>`: cws save with the arguments the other way round. The
 * instance is a workstation's name (cws launch; its region comes with it) or an instance id. `ownFlags` are the design's flags that save
 * does not have; `translate` turns them into save's.
 */
function createAlias(
  words: string[],
  ownFlags: string[],
  translate: (flags: Map<string, string>, context: CliContext) => string[],
): CliCommand {
  const row = designCommand(words);
  return {
    path: row.path,
    summary: designSummary(row),
    usage: designUsage(row),
    help: `Runs ${row.here}. Every flag of cws save is accepted as well; see cws save --help.`,
    async run(argv, context) {
      const { entries, flags, positionals } = scan(argv, [...SAVE_VALUED, ...ownFlags, "--backend"]);
      if (positionals.length !== 2)
        throw new UsageError(`expected <template> <workstation | instance-id>, got ${positionals.length} argument(s)`);
      const [template, instance] = positionals;
      const target = isInstanceId(instance)
        ? { instanceId: instance, region: undefined }
        : await instanceOfWorkstation(instance, template, flags, context);
      if (target === undefined) return EXIT.invalidInput;
      if (target.region !== undefined && flags.has("--region") && flags.get("--region") !== target.region)
        throw new UsageError(
          `--region ${flags.get("--region")}: workstation ${instance} runs in ${target.region}; leave --region out`,
        );
      const passed = entries
        .filter(([flag]) => !ownFlags.includes(flag) && flag !== "--backend")
        .map(([flag, value]) => (SAVE_VALUED.includes(flag) ? `${flag}=${value}` : flag));
      const region = target.region !== undefined && !flags.has("--region") ? [`--region=${target.region}`] : [];
      return saveCommand.run(
        [target.instanceId, template, ...translate(flags, context), ...region, ...passed],
        context,
      );
    },
  };
}

/**
 * The instance of a workstation cws launch made, by its name (its stack's outputs); undefined, with the reason on
 * stderr, when the name is neither a workstation nor an instance id.
 */
async function instanceOfWorkstation(
  name: string,
  template: string,
  flags: Map<string, string>,
  context: CliContext,
): Promise<{ instanceId: string; region: string } | undefined> {
  const notFound = (why: string) => {
    context.stderr.write(
      `cws: "${name}" is ${why}; name a workstation from cws list, or the instance by id:\n  cws save <instance-id> ${template}\n`,
    );
    return undefined;
  };
  try {
    checkWorkstationName(name);
  } catch {
    return notFound("neither a workstation name nor an instance id");
  }
  try {
    return await workstationInstance(workstationEngine(context.env, flags.get("--backend")), name);
  } catch (error) {
    if (error instanceof InvalidInputError) return notFound(`not an instance id, and ${error.message}`);
    throw error;
  }
}

/** The design's --name is the image's name; here images are named after the template, so it becomes the description. */
function nameAsDescription(flags: Map<string, string>, context: CliContext): string[] {
  const name = flags.get("--name");
  if (name === undefined) return [];
  if (flags.has("--description"))
    throw new UsageError(
      "give --name or --description, not both: here the image is named after the template, and --name becomes its description",
    );
  context.stderr.write(`cws: --name: images are named after the template here; "${name}" becomes the description\n`);
  return [`--description=${name}`];
}

export const amiCreateCommand: CliCommand = createAlias(["ami", "create"], ["--name"], nameAsDescription);

export const amiCreateMultiCommand: CliCommand = createAlias(
  ["ami", "create-multi"],
  ["--regions", "--name"],
  (flags, context) => {
    const regions = flags.get("--regions");
    if (!regions)
      throw new UsageError(
        "--regions is required: the regions to create the AMI in, e.g. --regions us-east-1,us-west-2",
      );
    return [`--copy-to-regions=${regions}`, ...nameAsDescription(flags, context)];
  },
);

export const amiSaveCommand = designAlias(
  ["ami", "save"],
  "The design routes cws save through cws ami save; here both run cws save (see cws save --help).",
  saveCommand,
);

export const amiBrowseCommand = designAlias(
  ["ami", "browse"],
  "The community of the design is the lab catalog here; runs cws catalog browse (see cws catalog browse --help).",
  catalogBrowseCommand,
);

export const amiRateCommand = designAnswer(
  ["ami", "rate"],
  "Ratings are reviews in the lab catalog (docs/catalog.md), written as files and committed.",
  ["--review"],
  ({ flags, positionals }) => {
    const review = flags.get("--review");
    return (
      `cws catalog review <template@version> --rating ${positionals[1] ?? "N"} --reviewer <your-name>` +
      `${review ? ` --comment ${JSON.stringify(review)}` : ""}   (the entry holding ${positionals[0] ?? "<ami-id>"}: ` +
      "cws catalog browse --json), then commit the file it writes"
    );
  },
);

export const amiSubmitCommand = designAnswer(
  ["ami", "submit"],
  "Submissions are signed entries of the lab catalog (docs/catalog.md).",
  ["--description", "--region"],
  ({ flags, positionals }, context) => {
    const ami = positionals[0] ?? "<ami-id>";
    const region = flags.get("--region") ?? context.defaultRegion ?? "<region>";
    return (
      `cws catalog submit --template <template> --version <version> --ami ${region}=${ami} [--sign-key KEY]` +
      (flags.has("--public")
        ? `\n  and to let every AWS account launch it: cws ami share ${ami} --region ${region} --public`
        : "")
    );
  },
);

export const amiPublishCommand = designAnswer(
  ["ami", "publish"],
  "AWS Marketplace listings are not made by CloudWorkstation.",
  ["--price"],
  ({ positionals }) => {
    const ami = positionals[0] ?? "<ami-id>";
    return (
      `not supported: list ${ami} on AWS Marketplace through the AWS Marketplace Management Portal;\n  ` +
      `to share it with your lab: cws catalog submit --template <template> --version <version> --ami <region>=${ami}`
    );
  },
);

export const tuiCommand = designAnswer(
  ["tui"],
  "There is no terminal UI; the web dashboard of cws serve shows the same.",
  [],
  () => "cws serve, then open the dashboard at the address it prints (http://127.0.0.1:8080/ by default)",
);
