import * as fs from "node:fs";
import * as path from "node:path";
import { checkFreshness, type Freshness, type FreshnessQuestion } from "../../resolver/freshness";
import { readStackExport, type StackResolution } from "../../resolver/stack-export";
import { loadTemplate, loadTemplateFromObject } from "../../templates";
import type { Template } from "../../templates/schema";
import { parseArchitecture, parseCommandArgs, requireRegion, UsageError } from "../args";
import { EXIT, type CliCommand, type CliContext } from "../command";
import { formatTable } from "../format";
import { progressFor, writeJson } from "../output";
import { loadTemplateForCli } from "../templates";
import { isAmiId } from "../../core/aws-ids";
import { revocationsForCli } from "./catalog-common";

const OPTIONS = {
  "stack-export": { type: "string" },
  template: { type: "string" },
  ami: { type: "string" },
  region: { type: "string" },
  arch: { type: "string" },
  days: { type: "string" },
  json: { type: "boolean" },
} as const;

/** What `--json` prints for each workstation. */
export function outdatedJson(result: Freshness) {
  return {
    name: result.name ?? null,
    template: result.template,
    region: result.region,
    amiId: result.amiId,
    status: result.status,
    candidateAmiId: result.candidateAmiId ?? null,
    reason: result.reason,
  };
}

export const amiOutdatedCommand: CliCommand = {
  path: ["ami", "outdated"],
  summary: "Which AMIs in use are stale: newer image, deprecated (soon), deregistered, revoked, base moved",
  usage: "cws ami outdated (--stack-export FILE | --template T --ami AMI [--region R] [--arch A]) [--days N] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        ["--stack-export FILE", "what `pulumi stack export` writes: every AmiResolution in it is checked"],
        ["--template T --ami AMI", "one template and the AMI it runs (with --region, --arch)"],
        ["--days N", "deprecated_soon when the AMI is deprecated within N days (default 30)"],
        ["--json", "a list of {name, template, region, amiId, status, candidateAmiId, reason}"],
      ],
      "  ",
    ),
    "",
    "Statuses: current, newer_available, deprecated_soon, deprecated, deregistered, revoked, base_outdated.",
    "Nothing is changed. Exit codes: 0 everything current, 3 anything is not, 2 invalid input, 1 unexpected.",
  ].join("\n"),
  async run(argv, context) {
    const { values } = parseCommandArgs(argv, OPTIONS, { min: 0, max: 0, names: "" });
    const days = values.days === undefined ? undefined : parseDays(values.days);
    const json = values.json === true;
    let questions: FreshnessQuestion[];
    if (values["stack-export"] !== undefined) {
      if (values.template !== undefined || values.ami !== undefined) {
        throw new UsageError("give either --stack-export FILE or --template T --ami AMI, not both");
      }
      questions = questionsFromStack(values["stack-export"], context);
    } else {
      if (values.template === undefined || values.ami === undefined) {
        throw new UsageError("give --stack-export FILE, or --template T with --ami AMI");
      }
      if (!isAmiId(values.ami)) {
        throw new UsageError(`--ami ${values.ami} is not an AMI id (ami- followed by 8 or 17 hex digits)`);
      }
      questions = [
        {
          template: loadTemplateForCli(values.template, context).template,
          region: requireRegion(values.region, context),
          amiId: values.ami,
          architecture: parseArchitecture(values.arch),
        },
      ];
    }
    const progress = progressFor(context, json);
    progress.update(`checking ${questions.length} AMI${questions.length === 1 ? "" : "s"}…`);
    let results: Freshness[];
    try {
      results = await checkFreshness(questions, context.clients, { days, revocation: revocationsForCli() });
    } finally {
      progress.done();
    }
    if (json) writeJson(context, results.map(outdatedJson));
    else context.stdout.write(formatOutdated(results));
    return results.every((r) => r.status === "current") ? EXIT.ok : EXIT.unresolvable;
  },
};

function parseDays(text: string): number {
  const days = Number(text);
  if (!/^\d+$/.test(text) || days > 3650) throw new UsageError(`--days ${text} is not a whole number of days (0–3650)`);
  return days;
}

/** Internal. Exported for testing. */
export function formatOutdated(results: readonly Freshness[]): string {
  if (results.length === 0) return "No AmiResolution in the stack export.\n";
  const rows = results.map((r) => [
    r.name ?? r.template,
    r.region,
    r.amiId,
    r.status,
    r.candidateAmiId ?? "–",
    r.reason,
  ]);
  const stale = results.filter((r) => r.status !== "current").length;
  return (
    formatTable([["WORKSTATION", "REGION", "AMI IN USE", "STATUS", "CANDIDATE", "REASON"], ...rows]) +
    `\n${results.length} checked: ${results.length - stale} current, ${stale} not\n`
  );
}

/** The freshness questions of every AmiResolution in a stack export (shared with `cws ami upgrade`). */
export function questionsFromStack(file: string, context: CliContext): FreshnessQuestion[] {
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw new Error("not a regular file");
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`--stack-export ${file}: cannot read it (${(error as Error).message})`);
  }
  return readStackExport(text, file).map((resolution) => ({
    name: resolution.name,
    template: templateOf(resolution, context),
    region: resolution.region,
    amiId: resolution.amiId,
    architecture: parseArchitecture(resolution.architecture),
    instanceType: resolution.instanceType,
  }));
}

/**
 * The template a stack's resolution was made from. Paths recorded in state may belong to another checkout (CI after a
 * laptop deploy): the dirs recorded relative to the Pulumi project are searched in this checkout's project, then the
 * recorded absolute dirs that exist here, then the project's ./templates, then the shipped templates.
 */
function templateOf(resolution: StackResolution, context: CliContext): Template {
  const project = findPulumiProject(process.cwd());
  const templatesDirs = [
    ...context.templatesDirs,
    ...(resolution.templatesDirsInProject ?? []).map((dir) => path.resolve(project ?? process.cwd(), dir)),
    ...(resolution.templatesDirs ?? []),
    ...(project ? [path.join(project, "templates")] : []),
  ].filter((dir) => fs.existsSync(dir));
  const options = { templatesDirs, parameters: resolution.parameters };
  if (resolution.templateObject !== undefined)
    return loadTemplateFromObject(resolution.templateObject, options).template;
  const given = resolution.template;
  const reference = given && (!/[/\\]|\.ya?ml$/.test(given) || fs.existsSync(given)) ? given : resolution.templateName;
  if (!reference) throw new UsageError(`${resolution.name}: the stack export records no template for it`);
  return loadTemplate(reference, options).template;
}

/** The nearest directory at or above `start` holding a Pulumi.yaml (or .yml), or undefined outside a project. */
function findPulumiProject(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (["Pulumi.yaml", "Pulumi.yml"].some((file) => fs.existsSync(path.join(dir, file)))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}
