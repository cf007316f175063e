import { checkWorkstationName, parseCommandArgs } from "../args";
import { EXIT, type CliCommand } from "../command";
import { formatTable } from "../format";
import { askToProceed } from "../imaging-flags";
import { writeJson } from "../output";
import { planDestroy, runDestroy } from "../../ops/workstations/destroy";
import { workstationEngine } from "../../ops/workstations/stack";
import { BACKEND_HELP, withCancellation } from "./launch";

const OPTIONS = {
  backend: { type: "string" },
  yes: { type: "boolean", short: "y" },
  json: { type: "boolean" },
} as const;

export const destroyCommand: CliCommand = {
  path: ["destroy"],
  summary: "Destroy a workstation cws launch made (pulumi destroy, then remove its stack); saved images are kept",
  usage: "cws destroy <name> [--backend URL] [--yes] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        BACKEND_HELP,
        ["--yes, -y", "do not ask first (required without a terminal)"],
        ["--json", 'print {"name", "destroyed", "instanceId", "region"} on stdout'],
      ],
      "  ",
    ),
    "",
    "Removes the instance, its security group, role and idle alarm, and a cross-region copy made for it. Kept: images",
    "made with cws save / cws ami create, and a data volume (retained by design; delete it yourself).",
  ].join("\n"),
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, { min: 1, max: 1, names: "<name>" });
    const name = checkWorkstationName(positionals[0]);
    const engine = workstationEngine(context.env, values.backend);
    const plan = await planDestroy(engine, name);
    const what = plan.instanceId ? `instance ${plan.instanceId} in ${plan.region}` : "nothing launched yet";
    const answer = await askToProceed(
      context,
      "destroy",
      `This destroys workstation ${name} (${what}) and everything on its root volume. Continue?`,
      values.yes === true,
    );
    if (answer !== undefined) return answer;
    return withCancellation(context, name, async (signal) => {
      const result = await runDestroy(plan, { onProgress: (line) => context.stderr.write(`${line}\n`), signal });
      if (values.json) writeJson(context, result);
      else
        context.stdout.write(
          `Destroyed workstation ${name}${plan.instanceId ? ` (${what})` : ""}; its stack is removed.\n`,
        );
      return EXIT.ok;
    });
  },
};
