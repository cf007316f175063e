import type { CliCommand, CliContext } from "./command";
import { DESIGN_COMMANDS, designSummary, designUsage } from "./design-commands";

/**
 * A command whose module (and everything it imports: the AWS SDK, the HTTP server, the template validator…) is loaded
 * only when it runs or shows its own help: `cws --help` and every other command stay fast. `path`, `summary` and
 * `usage` are repeated here from the module, so help lists commands without loading them; test/cli/registry.test.ts
 * fails when the two differ.
 */
export function lazyCommand(path: string[], summary: string, usage: string, load: () => CliCommand): CliCommand {
  let loaded: CliCommand | undefined;
  const command = () => (loaded ??= load());
  return {
    path,
    summary,
    usage,
    get help() {
      return command().help;
    },
    run: (argv: string[], context: CliContext) => command().run(argv, context),
  };
}

/**
 * Every `cws` command. Adding one: write a module exporting a CliCommand and add it to the list, through lazyCommand
 * (the dispatcher matches the longest `path`; help lists commands alphabetically, so order here does not matter).
 */
export const COMMANDS: readonly CliCommand[] = [
  lazyCommand(
    ["ami", "resolve"],
    "Resolve which AMI a template would launch in a region, and show the fallback chain",
    "cws ami resolve <template> [--region R] [--arch A] [--instance-type T | --size S] [--strategy S] [--allow-copy] [--json]",
    () => require("./commands/ami-resolve").amiResolveCommand,
  ),
  lazyCommand(
    ["ami", "test"],
    "Resolve a template in many regions at once: one row per region and a summary",
    "cws ami test <template> [--regions a,b,… | --all-regions | --region R] [--arch A] [--instance-type T | --size S] [--strategy S] [--allow-copy] [--json]",
    () => require("./commands/ami-test").amiTestCommand,
  ),
  lazyCommand(
    ["ami", "list"],
    "List the images a template's sources would consider in a region (or this account's own images)",
    "cws ami list [--template T] [--region R] [--json]",
    () => require("./commands/ami-list").amiListCommand,
  ),
  lazyCommand(
    ["ami", "info"],
    "Show one AMI's details: name, owner, architecture, state, dates, deprecation, tags, snapshots",
    "cws ami info <ami-id> [--region R] [--json]",
    () => require("./commands/ami-info").amiInfoCommand,
  ),
  lazyCommand(
    ["template", "validate"],
    "Validate template files: every error of every file, as file:line:col",
    "cws template validate [<file…>] [--json]",
    () => require("./commands/template").templateValidateCommand,
  ),
  lazyCommand(
    ["template", "list"],
    "List the templates found in --templates-dir and the bundled templates",
    "cws template list [--json]",
    () => require("./commands/template").templateListCommand,
  ),
  lazyCommand(
    ["template", "show"],
    "Print a template after inheritance and defaults, as YAML (or JSON)",
    "cws template show <name> [--json]",
    () => require("./commands/template").templateShowCommand,
  ),
  lazyCommand(
    ["costs"],
    "Estimate hourly and setup costs of a template: pre-built AMI vs script provisioning",
    "cws costs <template> [--region R] [--size S | --instance-type T] [--arch A] [--json]",
    () => require("./commands/costs").costsCommand,
  ),
  lazyCommand(
    ["save"],
    "Save an instance's environment as an AMI and a template that launches from it (creates AWS resources)",
    "cws save <instance-id> <template-name> [--region R] [--copy-to-regions a,b] [--description D] [--mode stop|reboot|no-reboot] [--public] [--share-accounts id,…] [--base-template NAME] [--publish CATALOG --publish-version V [--sign-key KEY]] [--force] [--yes] [--json]",
    () => require("./commands/save").saveCommand,
  ),
  lazyCommand(
    ["ami", "copy"],
    "Copy an AMI to other regions, wait until each copy is available, and copy its tags (creates AWS resources)",
    "cws ami copy <ami-id> [--source-region R] --to-regions a,b [--name N] [--encrypted] [--timeout-minutes M] [--json]",
    () => require("./commands/ami-copy").amiCopyCommand,
  ),
  lazyCommand(
    ["ami", "share"],
    "Let other accounts, organizations or OUs (or everyone) launch an AMI (changes its permissions)",
    "cws ami share <ami-id> [--region R] [--accounts id,…] [--organization-arns arn,…] [--ou-arns arn,…] [--public] [--remove] [--community CATALOG --template T --publish-version V [--sign-key KEY]] [--yes] [--json]",
    () => require("./commands/ami-share").amiShareCommand,
  ),
  lazyCommand(
    ["catalog", "browse"],
    "List a lab catalog's entries: versions, channels, regions, ratings, signatures, revocations",
    "cws catalog browse [--catalog SRC] [--template T] [--region R] [--channel C] [--creator C] [--category C] [--json]",
    () => require("./commands/catalog").catalogBrowseCommand,
  ),
  lazyCommand(
    ["catalog", "show"],
    "Show one catalog entry (default: the newest version) with its signature and reviews",
    "cws catalog show <template[@version]> [--catalog SRC] [--json]",
    () => require("./commands/catalog").catalogShowCommand,
  ),
  lazyCommand(
    ["catalog", "verify"],
    "CI gate for a catalog repository: valid files, valid signatures, every AMI present and owned as declared",
    "cws catalog verify [--catalog SRC] [--regions R1,R2] [--json]",
    () => require("./commands/catalog").catalogVerifyCommand,
  ),
  lazyCommand(
    ["catalog", "submit"],
    "Write a new catalog entry for AMIs (and sign it), ready to commit",
    "cws catalog submit --template T --version V (--ami REGION=AMI … | --from-template SAVED.yml) [--channel beta] [--sign-key KEY] [--catalog DIR] [--json]",
    () => require("./commands/catalog-write").catalogSubmitCommand,
  ),
  lazyCommand(
    ["catalog", "review"],
    "Write a review (rating 1-5) of a catalog entry, ready to commit",
    "cws catalog review <template@version> --rating N --reviewer NAME [--comment C] [--catalog DIR] [--json]",
    () => require("./commands/catalog-write").catalogReviewCommand,
  ),
  lazyCommand(
    ["catalog", "promote"],
    "Add a catalog entry to a channel (e.g. beta → stable) and re-sign it as its creator",
    "cws catalog promote <template@version> --channel C --sign-key KEY [--catalog DIR] [--json]",
    () => require("./commands/catalog-write").catalogPromoteCommand,
  ),
  lazyCommand(
    ["catalog", "revoke"],
    "Revoke a catalog entry: no resolution selects it, pinned workstations re-resolve at the next preview",
    "cws catalog revoke <template@version> --reason R --sign-key KEY [--at YYYY-MM-DD] [--catalog DIR] [--json]",
    () => require("./commands/catalog-write").catalogRevokeCommand,
  ),
  lazyCommand(
    ["serve"],
    "Serve the AMI REST API and the web dashboard (loopback by default)",
    "cws serve [--host 127.0.0.1] [--port 8080] [--templates-dir DIR]… [--regions a,b] [--max-jobs-per-client N] [--catalog SRC] [--backend URL]",
    () => require("./commands/serve").serveCommand,
  ),
  lazyCommand(
    ["ami", "build"],
    "Bake a template into an AMI (launch a builder, provision, image, terminate) and optionally publish it",
    "cws ami build <template> [--region R] [--arch A] [--instance-type T] [--publish-ssm NAME] [--copy-to-regions a,b] [--timeout D] [--force] [--yes] [--json]",
    () => require("./commands/ami-build").amiBuildCommand,
  ),
  lazyCommand(
    ["ami", "outdated"],
    "Which AMIs in use are stale: newer image, deprecated (soon), deregistered, revoked, base moved",
    "cws ami outdated (--stack-export FILE | --template T --ami AMI [--region R] [--arch A]) [--days N] [--json]",
    () => require("./commands/ami-outdated").amiOutdatedCommand,
  ),
  lazyCommand(
    ["ami", "retire"],
    "Find (--plan) or remove (--apply) old CloudWorkstation images nothing uses any more",
    "cws ami retire [--template T] [--region R | --all-regions] [--keep N] [--older-than D] [--stack-export FILE]… [--catalog SRC] (--plan | --apply [--yes]) [--json]",
    () => require("./commands/ami-retire").amiRetireCommand,
  ),
  lazyCommand(
    ["ami", "upgrade"],
    "Plan moving workstations to newer AMIs on purpose: the amiGeneration bump per workstation (--write applies it)",
    "cws ami upgrade --plan [--fleet FILE] --stack-export FILE [--write] [--days N] [--json]",
    () => require("./commands/ami-upgrade").amiUpgradeCommand,
  ),
  lazyCommand(
    ["migrate", "analyze"],
    "For every template found, how it resolves in a region and what a pre-built AMI would change (read-only)",
    "cws migrate analyze [--region R] [--json]",
    () => require("./commands/migrate").migrateAnalyzeCommand,
  ),
  lazyCommand(
    ["migrate", "template"],
    "Convert a template written in the original design's shapes into a valid template, saying what changed",
    "cws migrate template <file | template-name> [--write | -o FILE [--force]] [--owner-account NAME=ACCOUNT]… [--json]",
    () => require("./commands/migrate").migrateTemplateCommand,
  ),
  lazyCommand(
    ["migrate", "instance"],
    "Make an AMI and a template from an existing instance: cws save, with the same flags and questions",
    "cws migrate instance <instance-id> <template-name> [--region R] [--copy-to-regions a,b] [--description D] [--mode stop|reboot|no-reboot] [--public] [--share-accounts id,…] [--base-template NAME] [--publish CATALOG --publish-version V [--sign-key KEY]] [--force] [--yes] [--json]",
    () => require("./commands/migrate").migrateInstanceCommand,
  ),
  lazyCommand(
    ["migrate", "test-all"],
    "cws ami test for every template found: each resolved in the given regions",
    "cws migrate test-all [--regions a,b,… | --all-regions | --region R] [--arch A] [--instance-type T | --size S] [--strategy S] [--allow-copy] [--json]",
    () => require("./commands/migrate").migrateTestAllCommand,
  ),
  lazyCommand(
    ["launch"],
    "Launch a workstation from a template: resolve its AMI, ask before a copy or script fallback, pulumi up",
    "cws launch <template> <name> [--region R] [--size S | --instance-type T] [--arch A] [--strategy S | --prefer-script] [--allow-copy] [--dry-run [--show-ami-resolution]] [--backend URL] [--yes] [--json]",
    () => require("./commands/launch").launchCommand,
  ),
  lazyCommand(
    ["destroy"],
    "Destroy a workstation cws launch made (pulumi destroy, then remove its stack); saved images are kept",
    "cws destroy <name> [--backend URL] [--yes] [--json]",
    () => require("./commands/destroy").destroyCommand,
  ),
  lazyCommand(
    ["list"],
    "List the workstations cws launch made: template, region, AMI, method, EC2 state, age, hourly cost",
    "cws list [--backend URL] [--json]",
    () => require("./commands/list").listCommand,
  ),
  lazyCommand(
    ["stop"],
    "Stop a workstation's instance (EC2 StopInstances, then a refresh of its stack); its disks are kept",
    "cws stop <name> [--backend URL] [--json]",
    () => require("./commands/power").stopCommand,
  ),
  lazyCommand(
    ["start"],
    "Start a stopped workstation's instance (EC2 StartInstances, then a refresh of its stack)",
    "cws start <name> [--backend URL] [--json]",
    () => require("./commands/power").startCommand,
  ),
  // The original design's commands that are not ours by the same words: aliases and answers (one table).
  ...DESIGN_COMMANDS.filter((row) => row.kind !== "ours").map((row) =>
    lazyCommand(row.path, designSummary(row), designUsage(row), () => designCommandModule(row.path)),
  ),
];

/** The command of src/cli/commands/design.ts whose path is `words`. */
function designCommandModule(words: readonly string[]): CliCommand {
  const exported = require("./commands/design") as Record<string, CliCommand>;
  const found = Object.values(exported).find((c) => c.path.join(" ") === words.join(" "));
  if (!found) throw new Error(`src/cli/commands/design.ts has no command "${words.join(" ")}"`);
  return found;
}
