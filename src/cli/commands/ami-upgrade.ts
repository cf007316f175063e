import * as fs from "node:fs";
import {
  applyUpgrades,
  loadFleetForUpgrade,
  planUpgrades,
  type LoadedFleet,
  type UpgradeStep,
} from "../../components/fleet-upgrade";
import { FleetConfigError } from "../../components/fleet";
import { checkFreshness } from "../../resolver/freshness";
import { parseCommandArgs, UsageError } from "../args";
import { EXIT, type CliCommand } from "../command";
import { formatTable } from "../format";
import { progressFor, writeJson } from "../output";
import { questionsFromStack } from "./ami-outdated";
import { revocationsForCli } from "./catalog-common";

const OPTIONS = {
  plan: { type: "boolean" },
  fleet: { type: "string" },
  "stack-export": { type: "string" },
  write: { type: "boolean" },
  days: { type: "string" },
  json: { type: "boolean" },
} as const;

const DEFAULT_FLEET = "fleet.yaml";

export const amiUpgradeCommand: CliCommand = {
  path: ["ami", "upgrade"],
  summary:
    "Plan moving workstations to newer AMIs on purpose: the amiGeneration bump per workstation (--write applies it)",
  usage: "cws ami upgrade --plan [--fleet FILE] --stack-export FILE [--write] [--days N] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        ["--plan", "required: say what would move (nothing in AWS is changed, ever)"],
        [
          "--fleet FILE",
          `the lab-fleet's fleet.yaml (default ${DEFAULT_FLEET}), or its Pulumi.<stack>.yaml when the fleet is the stack config cloudworkstation:fleet`,
        ],
        ["--stack-export FILE", "what `pulumi stack export` writes: the AMI each workstation runs now"],
        ["--write", "apply the amiGeneration bumps to the fleet file (comments and layout kept)"],
        ["--days N", "deprecated_soon when the AMI is deprecated within N days (default 30)"],
        ["--json", "a list of {workstation, region, amiId, status, action, targetAmiId, generation, where, note}"],
      ],
      "  ",
    ),
    "",
    "A workstation moves when its amiGeneration goes up by one: the pinned AmiResolution re-resolves and the instance",
    "is replaced (a dataVolumeGb volume is kept). Review the change as a pull request, then `pulumi up`.",
    "Exit codes: 0 nothing to upgrade, 3 upgrades proposed (or written), 2 invalid input, 1 unexpected.",
  ].join("\n"),
  async run(argv, context) {
    const { values } = parseCommandArgs(argv, OPTIONS, { min: 0, max: 0, names: "" });
    if (values.plan !== true)
      throw new UsageError("give --plan: this command only plans (and with --write edits the fleet file)");
    if (values["stack-export"] === undefined)
      throw new UsageError(
        "give --stack-export FILE: write it with `pulumi stack export --file stack.json` in the lab-fleet project",
      );
    const days = values.days === undefined ? undefined : parseDays(values.days);
    const json = values.json === true;
    const fleetFile = values.fleet ?? DEFAULT_FLEET;
    const fleet = readFleet(fleetFile, values.fleet === undefined);
    const questions = questionsFromStack(values["stack-export"], context);
    const progress = progressFor(context, json);
    progress.update(`checking ${questions.length} AMI${questions.length === 1 ? "" : "s"}…`);
    let steps: UpgradeStep[];
    try {
      steps = planUpgrades(
        fleet,
        await checkFreshness(questions, context.clients, { days, revocation: revocationsForCli() }),
      );
    } finally {
      progress.done();
    }
    const bumps = steps.filter((step) => step.action === "bump");
    const written = values.write === true && bumps.length > 0;
    if (written) fs.writeFileSync(fleetFile, applyUpgrades(fleet, steps));
    if (json) writeJson(context, steps.map(upgradeJson));
    else context.stdout.write(formatUpgradePlan(steps, fleet, written));
    return bumps.length > 0 ? EXIT.unresolvable : EXIT.ok;
  },
};

function parseDays(text: string): number {
  const days = Number(text);
  if (!/^\d+$/.test(text) || days > 3650) throw new UsageError(`--days ${text} is not a whole number of days (0–3650)`);
  return days;
}

function readFleet(file: string, defaulted: boolean): LoadedFleet {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    const hint = defaulted
      ? `; give --fleet FILE (the fleet.yaml named by cloudworkstation:fleetFile, or Pulumi.<stack>.yaml when the fleet is stack config)`
      : "";
    throw new UsageError(`--fleet ${file}: cannot read it (${(error as Error).message})${hint}`);
  }
  try {
    return loadFleetForUpgrade(text, file);
  } catch (error) {
    if (error instanceof FleetConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/** What `--json` prints for each workstation. */
export function upgradeJson(step: UpgradeStep) {
  return {
    workstation: step.workstation,
    region: step.region ?? null,
    amiId: step.amiId ?? null,
    status: step.status,
    action: step.action,
    targetAmiId: step.targetAmiId ?? null,
    generation: step.generation ?? null,
    where: step.where ?? null,
    note: step.note,
  };
}

/** Internal. Exported for testing. */
export function formatUpgradePlan(steps: readonly UpgradeStep[], fleet: LoadedFleet, written: boolean): string {
  if (steps.length === 0) return `No workstations in ${fleet.file}.\n`;
  const rows = steps.map((step) => [
    step.workstation,
    step.region ?? "–",
    step.amiId ?? "–",
    step.status,
    step.action === "bump" ? `→ ${step.targetAmiId ?? "fresh resolution"}` : step.action,
  ]);
  const bumps = steps.filter((step) => step.action === "bump");
  const lines = [formatTable([["WORKSTATION", "REGION", "AMI IN USE", "STATUS", "MOVE"], ...rows]), ""];
  if (bumps.length === 0) {
    lines.push("Nothing to upgrade on purpose.");
  } else {
    lines.push(`${written ? "Written to" : "Change to make in"} ${fleet.file} (one reviewed pull request moves them):`);
    for (const step of bumps)
      lines.push(
        `  ${step.where}  ${step.workstation}: amiGeneration ${step.generation!.from} → ${step.generation!.to}`,
      );
    lines.push("");
    lines.push("What moving does:");
    for (const step of bumps) lines.push(`  ${step.workstation}: ${step.note}`);
    if (!written) lines.push("", "Apply with --write, review the diff, then pulumi preview / pulumi up.");
  }
  const others = steps.filter((step) => step.action === "moves-anyway" || step.action === "needs-image");
  if (others.length > 0) {
    lines.push("", "Also:");
    for (const step of others) lines.push(`  ${step.workstation}: ${step.note}`);
  }
  return `${lines.join("\n")}\n`;
}
