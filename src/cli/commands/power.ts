import { checkWorkstationName, parseCommandArgs } from "../args";
import { EXIT, type CliCommand } from "../command";
import { formatTable } from "../format";
import { writeJson } from "../output";
import { powerWorkstation, type PowerAction } from "../../ops/workstations/manage";
import { workstationEngine } from "../../ops/workstations/stack";
import { BACKEND_HELP } from "./launch";

const OPTIONS = { backend: { type: "string" }, json: { type: "boolean" } } as const;

function powerCommand(action: PowerAction, summary: string, effect: string): CliCommand {
  return {
    path: [action],
    summary,
    usage: `cws ${action} <name> [--backend URL] [--json]`,
    help: [
      "Options:",
      formatTable([BACKEND_HELP, ["--json", 'print {"name", "instanceId", "region", "state"} on stdout']], "  "),
      "",
      effect,
    ].join("\n"),
    async run(argv, context) {
      const { values, positionals } = parseCommandArgs(argv, OPTIONS, { min: 1, max: 1, names: "<name>" });
      const name = checkWorkstationName(positionals[0]);
      const engine = workstationEngine(context.env, values.backend);
      const result = await powerWorkstation(engine, context.clients, name, action);
      if (values.json) writeJson(context, result);
      else
        context.stdout.write(
          `${action === "stop" ? "Stopped" : "Started"} workstation ${name}: instance ${result.instanceId} in ${result.region} is ${result.state}.\n`,
        );
      return EXIT.ok;
    },
  };
}

export const stopCommand = powerCommand(
  "stop",
  "Stop a workstation's instance (EC2 StopInstances, then a refresh of its stack); its disks are kept",
  "EC2 stops the instance; you pay for its volumes, not its hours. cws start <name> starts it again.",
);

export const startCommand = powerCommand(
  "start",
  "Start a stopped workstation's instance (EC2 StartInstances, then a refresh of its stack)",
  "EC2 starts the instance from its volumes; a public IP may change (the refresh records the new one).",
);
