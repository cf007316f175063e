/**
 * Every command of the original CloudWorkstation design (/work/shared/seeds: release notes 000, roadmap 001, system
 * 002, planning 003, `cws save` 004) and what it is here: one table, read by the command registry (which registers
 * the aliases and the answers), by docs/cli.md's table and by test/cli/design-commands.test.ts, which runs every row.
 *
 * - `ours`: the design's words are one of our commands already (same path, compatible arguments);
 * - `alias`: a command registered under the design's words that runs ours (with the design's argument order);
 * - `elsewhere`: answers exit 2 with the exact command that does it here, never "unknown command".
 */

export type DesignCommandKind = "ours" | "alias" | "elsewhere";

export interface DesignCommand {
  /** The design's words after `cws`. */
  path: string[];
  /** The design's usage, as its documents write it. */
  design: string;
  /** Which seed document shows it. */
  seed: string;
  kind: DesignCommandKind;
  /** The command that does it here. */
  here: string;
  /** An alias's own usage line here (its arguments as it takes them); others show the design's. */
  usage?: string;
  /** A full invocation as the design shows it, run by the test of this table. */
  example: string[];
}

export const DESIGN_COMMANDS: readonly DesignCommand[] = [
  {
    path: ["launch"],
    design: "cws launch <template> <name> [--region R] [--size S] [--prefer-script] [--dry-run --show-ami-resolution]",
    seed: "000, 003",
    kind: "ours",
    here: "cws launch <template> <name> [--region R] [--size S] [--prefer-script] [--dry-run [--show-ami-resolution]] (Pulumi Automation API, one stack per workstation)",
    example: ["launch", "--help"],
  },
  {
    path: ["ami", "create"],
    design: "cws ami create <template> <instance> [--name N] [--public]",
    seed: "000, 001, 002, 003",
    kind: "alias",
    here: "cws save <instance-id> <template> [--public] (the workstation by name or the instance by id; --name: save names the image after the template)",
    usage:
      "cws ami create <template> <workstation | instance-id> [--name N] [--public] [--backend URL] [cws save's options]",
    example: ["ami", "create", "python-ml", "my-instance", "--name", "Python ML v2.1.0", "--public"],
  },
  {
    path: ["ami", "create-multi"],
    design: "cws ami create-multi <template> <instance> --regions a,b,c",
    seed: "000, 001, 003",
    kind: "alias",
    here: "cws save <instance-id> <template> --copy-to-regions a,b,c (the workstation by name or the instance by id)",
    usage:
      "cws ami create-multi <template> <workstation | instance-id> --regions a,b,… [--name N] [--backend URL] [cws save's options]",
    example: ["ami", "create-multi", "python-ml", "my-instance", "--regions", "us-east-1,us-west-2,eu-west-1"],
  },
  {
    path: ["ami", "save"],
    design: "cws ami save <instance> <template-name> [options]",
    seed: "004",
    kind: "alias",
    here: "cws save <instance-id> <template-name> (same flags)",
    usage: "cws ami save <instance-id> <template-name> [cws save's options]",
    example: ["ami", "save", "my-analysis", "custom-ml-env"],
  },
  {
    path: ["ami", "browse"],
    design: "cws ami browse [--category cat] [--creator user]",
    seed: "001, 002",
    kind: "alias",
    here: "cws catalog browse [--catalog SRC] [--template T] [--region R] [--channel C] [--creator C] [--category C]",
    usage:
      "cws ami browse [--catalog SRC] [--category C] [--creator C] [--template T] [--region R] [--channel C] [--json]",
    example: ["ami", "browse", "--category", "machine-learning"],
  },
  {
    path: ["ami", "rate"],
    design: 'cws ami rate <ami-id> <1-5> [--review "text"]',
    seed: "001, 002",
    kind: "elsewhere",
    here: 'cws catalog review <template@version> --rating N --reviewer NAME [--comment "text"], then commit it',
    example: ["ami", "rate", "ami-0123456789abcdef0", "5", "--review", "fast and complete"],
  },
  {
    path: ["ami", "submit"],
    design: 'cws ami submit <ami-id> --description "..." --public',
    seed: "001",
    kind: "elsewhere",
    here: "cws catalog submit --template T --version V --ami REGION=<ami-id> [--sign-key KEY] (and cws ami share --public)",
    example: ["ami", "submit", "ami-0123456789abcdef0", "--description", "Python ML", "--public"],
  },
  {
    path: ["ami", "publish"],
    design: "prism ami publish <ami-id> --marketplace --price P",
    seed: "003",
    kind: "elsewhere",
    here: "not supported: AWS Marketplace listings are made in the AWS Marketplace Management Portal; lab sharing: cws catalog submit",
    example: ["ami", "publish", "ami-0123456789abcdef0", "--marketplace", "--price", "0.05"],
  },
  {
    path: ["ami", "share"],
    design: "cws ami share <ami-id> --community cloudworkstation",
    seed: "000, 001, 003",
    kind: "ours",
    here: "cws ami share <ami-id> --community CATALOG --template T --publish-version V (the community is a lab catalog)",
    example: ["ami", "share", "--help"],
  },
  {
    path: ["ami", "list"],
    design: "cws ami list [--template name] [--region region]",
    seed: "001, 002, 003",
    kind: "ours",
    here: "cws ami list [--template T] [--region R]",
    example: ["ami", "list", "--help"],
  },
  {
    path: ["ami", "info"],
    design: "cws ami info <ami-id>",
    seed: "001, 002",
    kind: "ours",
    here: "cws ami info <ami-id> [--region R]",
    example: ["ami", "info", "--help"],
  },
  {
    path: ["ami", "test"],
    design: "cws ami test <template> [--all-regions]",
    seed: "000, 001, 002, 003",
    kind: "ours",
    here: "cws ami test <template> [--regions a,b | --all-regions | --region R]",
    example: ["ami", "test", "--help"],
  },
  {
    path: ["save"],
    design:
      "cws save <instance-name> <template-name> [--description D] [--copy-to-regions a,b] [--project P] [--public]",
    seed: "004",
    kind: "ours",
    here: "cws save <instance-id> <template-name> (the instance by id; there are no projects here, so no --project)",
    example: ["save", "--help"],
  },
  {
    path: ["migrate", "analyze"],
    design: "cws migrate analyze",
    seed: "002",
    kind: "ours",
    here: "cws migrate analyze [--region R]",
    example: ["migrate", "analyze", "--help"],
  },
  {
    path: ["migrate", "template"],
    design: "cws migrate template python-research",
    seed: "002",
    kind: "ours",
    here: "cws migrate template <file | template-name> [--write | -o FILE]",
    example: ["migrate", "template", "--help"],
  },
  {
    path: ["migrate", "instance"],
    design: "cws migrate instance my-instance",
    seed: "002",
    kind: "ours",
    here: "cws migrate instance <instance-id> <template-name> (= cws save)",
    example: ["migrate", "instance", "--help"],
  },
  {
    path: ["migrate", "test-all"],
    design: "cws migrate test-all",
    seed: "002",
    kind: "ours",
    here: "cws migrate test-all [--regions a,b | --all-regions | --region R]",
    example: ["migrate", "test-all", "--help"],
  },
  {
    path: ["tui"],
    design: "cws tui",
    seed: "002",
    kind: "elsewhere",
    here: "cws serve, then open the dashboard it prints (http://127.0.0.1:8080/)",
    example: ["tui"],
  },
];

/** The row of the design's command `words` (e.g. ["ami", "create"]); throws for a command the table does not have. */
export function designCommand(words: readonly string[]): DesignCommand {
  const row = DESIGN_COMMANDS.find((c) => c.path.join(" ") === words.join(" "));
  if (!row) throw new Error(`no design command "${words.join(" ")}" in DESIGN_COMMANDS`);
  return row;
}

/** The help summary of a design command registered here (aliases and answers). */
export function designSummary(row: DesignCommand): string {
  return row.kind === "alias"
    ? `The original design's command; here it runs ${row.here.replace(/ \(.*$/, "")}`
    : "The original design's command; answers with the command that does it here";
}

/** The usage line of a design command registered here. */
export function designUsage(row: DesignCommand): string {
  return row.usage ?? row.design;
}
