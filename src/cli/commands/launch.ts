import * as path from "node:path";
import { formatRateUsd } from "../../resolver/cost";
import { checkWorkstationName, parseCommandArgs, requireRegion, UsageError } from "../args";
import { EXIT, type CliCommand, type CliContext } from "../command";
import { formatApproxSeconds, formatFields, formatResolution, formatTable } from "../format";
import { askToProceed } from "../imaging-flags";
import { progressFor, styleOf, writeJson } from "../output";
import { RESOLVE_FLAGS, RESOLVE_FLAGS_HELP, resolveOptionsFromFlags } from "../resolve-options";
import { loadTemplateForCli } from "../templates";
import { engineDiagnostics, lockHolder } from "../../ops/workstations/engine-errors";
import {
  planLaunch,
  runLaunch,
  templateRefOf,
  type LaunchPlan,
  type LaunchResult,
} from "../../ops/workstations/launch";
import { workstationEngine } from "../../ops/workstations/stack";

const OPTIONS = {
  ...RESOLVE_FLAGS,
  region: { type: "string" },
  "prefer-script": { type: "boolean" },
  "dry-run": { type: "boolean" },
  "show-ami-resolution": { type: "boolean" },
  backend: { type: "string" },
  yes: { type: "boolean", short: "y" },
} as const;

export const BACKEND_HELP: [string, string] = [
  "--backend URL",
  "Pulumi state backend (default: PULUMI_BACKEND_URL, else file://${XDG_CONFIG_HOME:-~/.config}/cloudworkstation/state)",
];

export const launchCommand: CliCommand = {
  path: ["launch"],
  summary: "Launch a workstation from a template: resolve its AMI, ask before a copy or script fallback, pulumi up",
  usage:
    "cws launch <template> <name> [--region R] [--size S | --instance-type T] [--arch A] [--strategy S | --prefer-script] [--allow-copy] [--dry-run [--show-ami-resolution]] [--backend URL] [--yes] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        ["--region R", "where to launch (default: global --region, AWS_REGION, AWS_DEFAULT_REGION, profile)"],
        ...RESOLVE_FLAGS_HELP.filter(([flag]) => !flag.startsWith("--allow-copy") && flag !== "--json"),
        ["--prefer-script", "provision by script at boot even where an AMI exists (= --strategy ami_fallback)"],
        ["--allow-copy", "consent to copy an AMI from a neighbouring region when none exists here (asked first)"],
        ["--dry-run", "show the plan (AMI, method, estimates) and stop: no stack, no instance"],
        ["--show-ami-resolution", "with --dry-run: the whole resolution and fallback chain, as cws ami resolve"],
        BACKEND_HELP,
        ["--yes, -y", "do not ask before a cross-region copy or a script fallback (required without a terminal)"],
        ["--json", "print the launch result (or, with --dry-run, the plan) as JSON on stdout"],
      ],
      "  ",
    ),
    "",
    "<name> names the workstation and its Pulumi stack (project cloudworkstation-workstations); launching an",
    "existing name updates it. Ctrl-C cancels the engine's operation and says what is left (cws destroy <name>).",
    "Exit codes: 0 launched (or dry run shown, or a question answered no), 2 invalid input or no terminal to ask",
    "on, 3 no AMI and no fallback, 1 the engine failed, 130 cancelled.",
  ].join("\n"),
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, { min: 2, max: 2, names: "<template> <name>" });
    const name = checkWorkstationName(positionals[1]);
    const options = { ...resolveOptionsFromFlags(values), region: requireRegion(values.region, context) };
    if (values["prefer-script"]) {
      if (options.strategy !== undefined && options.strategy !== "ami_fallback")
        throw new UsageError(`give --prefer-script or --strategy ${options.strategy}, not both`);
      options.strategy = "ami_fallback";
    }
    const dryRun = values["dry-run"] === true;
    if (values["show-ami-resolution"] && !dryRun)
      throw new UsageError("--show-ami-resolution goes with --dry-run (a launch always shows the whole resolution)");
    const json = values.json === true;
    const style = styleOf(context, json);
    const { template, file } = loadTemplateForCli(positionals[0], context);
    const request = {
      name,
      template,
      templateRef: templateRefOf(positionals[0], file),
      templatesDirs: context.templatesDirs.map((dir) => path.resolve(dir)),
      options,
    };

    const progress = progressFor(context, json);
    progress.update(`resolving ${template.name} in ${options.region}…`);
    let plan: LaunchPlan;
    try {
      plan = await planLaunch(request, context.clients);
    } finally {
      progress.done();
    }
    const { resolution } = plan;
    const failed = resolution.method === "failed";

    if (dryRun) {
      if (json) writeJson(context, { dryRun: true, name, resolution, consents: plan.consents });
      else {
        context.stdout.write(values["show-ami-resolution"] ? formatResolution(resolution, style) : planSummary(plan));
        for (const consent of plan.consents) context.stdout.write(`Would ask: ${consent}\n`);
        context.stdout.write(`Dry run: nothing was created (no stack "${name}", no instance).\n`);
      }
      return failed ? EXIT.unresolvable : EXIT.ok;
    }
    (json ? context.stderr : context.stdout).write(formatResolution(resolution, style));
    if (failed) {
      context.stderr.write(
        `cws launch: no AMI for ${template.name} in ${options.region} and no fallback: nothing was launched\n`,
      );
      return EXIT.unresolvable;
    }
    for (const consent of plan.consents) {
      const answer = await askToProceed(context, "launch", `${consent} Continue?`, values.yes === true);
      if (answer !== undefined) return answer;
    }

    const engine = workstationEngine(context.env, values.backend, { create: true });
    context.stderr.write(`cws launch: pulumi up on stack ${name} (${engine.state.backendUrl})…\n`);
    return withCancellation(context, name, async (signal) => {
      const result = await runLaunch(engine, plan, {
        onProgress: (line) => context.stderr.write(`${line}\n`),
        signal,
      });
      if (json) writeJson(context, result);
      else context.stdout.write(formatLaunchResult(result));
      return EXIT.ok;
    });
  },
};

/** Without --show-ami-resolution, a dry run says what would happen in a few lines. */
function planSummary(plan: LaunchPlan): string {
  const { resolution } = plan;
  const hourly = resolution.cost.hourlyUsd;
  return (
    formatFields([
      ["Workstation", plan.request.name],
      ["Template", resolution.template],
      ["Region", resolution.region],
      ["Instance", `${resolution.instanceType} (${resolution.architecture})`],
      ["AMI", resolution.amiId ? `${resolution.amiId} (${resolution.method})` : resolution.method],
      ["Launch", `${formatApproxSeconds(resolution.estimatedLaunchSeconds)} until usable (estimate)`],
      ["Hourly", hourly === undefined ? "no price in the snapshot" : `${formatRateUsd(hourly)}/h on-demand (estimate)`],
    ]) + "\n"
  );
}

export function formatLaunchResult(result: LaunchResult): string {
  const urls = Object.entries(result.connection.serviceUrls).map(([service, url]) => `${service}: ${url}`);
  return (
    "\n" +
    formatFields([
      [
        "Workstation",
        `${result.name} (template ${result.template}${result.templateVersion ? ` ${result.templateVersion}` : ""})`,
      ],
      ["Instance", `${result.instanceId} (${result.instanceType})`],
      ["Region", result.region],
      ["AMI", `${result.amiId} (${result.method}, launch mode ${result.launchMode})`],
      ["Connect", result.connection.sessionManager],
      ["SSH", result.connection.ssh],
      ["Services", urls.length ? urls.join(", ") : undefined],
      [
        "Time",
        `pulumi up took ${result.measuredSeconds}s (measured); usable after ${formatApproxSeconds(result.estimatedLaunchSeconds)} (estimate)`,
      ],
      ["State", result.backend],
    ]) +
    `\nStop paying for its hours: cws stop ${result.name}; remove it: cws destroy ${result.name}\n`
  );
}

/**
 * Runs an engine operation that Ctrl-C cancels: the engine is asked to stop (its pending step finishes or is
 * recorded), and the user is told what state the stack is in and how to finish.
 */
export async function withCancellation(
  context: CliContext,
  name: string,
  operation: (signal: AbortSignal) => Promise<number>,
): Promise<number> {
  const controller = new AbortController();
  // Kept for the whole operation: the engine's cancellation can signal our process group again, and a second
  // Ctrl-C must not kill cws before it has said what state the stack is in.
  const onInterrupt = () => {
    if (controller.signal.aborted) return;
    context.stderr.write(`\ncws: cancelling the operation on ${name} (the engine finishes its current step)…\n`);
    controller.abort();
  };
  process.on("SIGINT", onInterrupt);
  try {
    return await operation(controller.signal);
  } catch (error) {
    const lock = lockHolder((error as Error).message);
    if (lock && !controller.signal.aborted) {
      context.stderr.write(
        `cws: workstation ${name} is locked by ${lock.holder}: another operation is changing it, so this one ` +
          "changed nothing in its stack. Wait until that one ends, then run this again. If it was killed and nobody " +
          `is changing ${name}, delete its lock (${lock.file}) first.\n`,
      );
      return EXIT.failure;
    }
    const what = controller.signal.aborted ? "was cancelled" : `failed: ${engineDiagnostics((error as Error).message)}`;
    context.stderr.write(
      `cws: the operation on ${name} ${what}\n` +
        `cws: stack ${name} keeps what was made before it stopped; remove it all with \`cws destroy ${name}\`, ` +
        "or run the same command again to finish\n",
    );
    return controller.signal.aborted ? 130 : EXIT.failure;
  } finally {
    process.removeListener("SIGINT", onInterrupt);
  }
}
