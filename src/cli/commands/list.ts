import { formatRateUsd } from "../../resolver/cost";
import { parseCommandArgs } from "../args";
import { EXIT, type CliCommand } from "../command";
import { formatTable } from "../format";
import { writeJson } from "../output";
import { listWorkstations, type WorkstationRow } from "../../ops/workstations/manage";
import { workstationEngine } from "../../ops/workstations/stack";
import { BACKEND_HELP } from "./launch";

const OPTIONS = { backend: { type: "string" }, json: { type: "boolean" } } as const;

export const listCommand: CliCommand = {
  path: ["list"],
  summary: "List the workstations cws launch made: template, region, AMI, method, EC2 state, age, hourly cost",
  usage: "cws list [--backend URL] [--json]",
  help: [
    "Options:",
    formatTable([BACKEND_HELP, ["--json", "print the rows as a JSON array on stdout"]], "  "),
    "",
    "Reads each workstation's stack outputs and asks EC2 once per region for the instances' state.",
    "The hourly cost is the launch's estimate (on-demand, bundled price snapshot), not a bill.",
  ].join("\n"),
  async run(argv, context) {
    const { values } = parseCommandArgs(argv, OPTIONS, { min: 0, max: 0, names: "" });
    const engine = workstationEngine(context.env, values.backend);
    const rows = await listWorkstations(engine, context.clients);
    if (values.json) writeJson(context, rows);
    else if (rows.length === 0)
      context.stdout.write(`No workstations in ${engine.state.backendUrl}: cws launch <template> <name> makes one.\n`);
    else context.stdout.write(formatWorkstationRows(rows, new Date()) + "\n");
    return EXIT.ok;
  },
};

export function formatWorkstationRows(rows: readonly WorkstationRow[], now: Date): string {
  return formatTable([
    ["NAME", "TEMPLATE", "REGION", "AMI", "METHOD", "STATE", "AGE", "$/H (EST.)"],
    ...rows.map((row) => [
      row.name,
      row.template ?? "-",
      row.region ?? "-",
      row.amiId ?? "-",
      row.method ?? "-",
      row.updateInProgress ? `${row.state} (changing)` : row.state,
      row.launchTime ? formatAge(now.getTime() - Date.parse(row.launchTime)) : "-",
      row.estimatedCostPerHour === undefined ? "-" : formatRateUsd(row.estimatedCostPerHour),
    ]),
  ]);
}

/** 42s, 17m, 5h, 3d: the largest whole unit. */
export function formatAge(milliseconds: number): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}
