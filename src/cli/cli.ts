import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { ImagingError } from "../imaging/errors";
import { AwsCallError, InvalidInputError } from "../core/errors";
import type { AwsClients } from "../core/clients";
import { TemplateError } from "../templates/errors";
import { didYouMean } from "../core/suggest";
import { checkRegion, cleanParseArgsMessage, UsageError } from "./args";
import { CliCommand, CliContext, EXIT } from "./command";
import { formatTable } from "./format";
import { packageVersion } from "./package-version";
import { writeJson } from "./output";
import { COMMANDS } from "./registry";

/** Everything the dispatcher takes from the process; tests pass their own. */
export interface CliEnvironment {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  stdinIsTTY?: boolean;
  /** Defaults to clients honouring AWS_ENDPOINT_URL and the SDK's own credential chain (AWS_PROFILE…). */
  clients?: AwsClients;
  /** Defaults to the built-in registry. */
  commands?: readonly CliCommand[];
  /** Region from the AWS_PROFILE config file; defaults to asking the SDK. Tests may pin it. */
  profileRegion?: () => Promise<string | undefined>;
  /** Answers a yes/no question; defaults to asking on the terminal (false when stdin is not a TTY). */
  confirm?: (question: string) => Promise<boolean>;
}

interface GlobalOptions {
  templatesDirs: string[];
  region?: string;
  json: boolean;
  help: boolean;
  version: boolean;
}

const GLOBAL_USAGE =
  "usage: cws [--templates-dir DIR]… [--region R] [--json] <command> [options]   (cws --help, cws <command> --help)";

/**
 * Runs one `cws` invocation and returns its exit code: 0 resolved, 2 invalid input, 3 unresolvable, 1 anything
 * else. Never throws and never calls process.exit, so it can be tested in-process.
 */
export async function runCli(argv: string[], environment: CliEnvironment): Promise<number> {
  const { stdout, stderr, env } = environment;
  const debug = env.CWS_DEBUG === "1";
  let command: CliCommand | undefined;
  let json = false;
  try {
    const commands = environment.commands ?? COMMANDS;
    const { globals, rest } = extractGlobalOptions(argv);
    if (globals.version) {
      stdout.write(`${packageVersion()}\n`);
      return EXIT.ok;
    }
    const match = matchCommand(rest, commands);
    if (!match.command) {
      if (match.consumed.length === 0 && rest.length === 0) {
        (globals.help ? stdout : stderr).write(formatGeneralHelp(commands));
        return globals.help ? EXIT.ok : EXIT.invalidInput;
      }
      const words = [...match.consumed, rest[match.consumed.length]].filter((w) => w !== undefined);
      const known = commands.filter((c) => match.consumed.every((w, i) => c.path[i] === w));
      const what =
        match.consumed.length > 0 && rest.length === match.consumed.length ? "incomplete command" : "unknown command";
      if (globals.help && what === "incomplete command") {
        stdout.write(formatGeneralHelp(known));
        return EXIT.ok;
      }
      const next = [...new Set(known.map((c) => c.path[match.consumed.length]).filter((w) => w !== undefined))];
      const typed = rest[match.consumed.length];
      const hint =
        what === "unknown command" && typed !== undefined
          ? didYouMean(typed, next).replace(/"(.*)"/, `"${[...match.consumed, "$1"].join(" ")}"`)
          : "";
      stderr.write(
        `cws: ${what} "${words.join(" ")}"${hint}\n\n${formatGeneralHelp(known.length > 0 ? known : commands)}`,
      );
      return EXIT.invalidInput;
    }
    command = match.command;
    const commandArgs = rest.slice(command.path.length);
    if (globals.help || wantsHelp(commandArgs)) {
      stdout.write(formatCommandHelp(command));
      return EXIT.ok;
    }
    for (const dir of globals.templatesDirs) {
      if (!fs.existsSync(dir))
        throw new UsageError(`--templates-dir ${dir} does not exist; create it first (mkdir -p ${dir})`);
      if (!fs.statSync(dir).isDirectory()) throw new UsageError(`--templates-dir ${dir} is not a directory`);
    }
    if (globals.json) commandArgs.push("--json");
    json = wantsJson(commandArgs);
    const defaultRegion =
      globals.region ??
      (env.AWS_REGION || undefined) ??
      (env.AWS_DEFAULT_REGION || undefined) ??
      (await (environment.profileRegion ?? (() => sdkProfileRegion(env)))());
    const context: CliContext = {
      stdout,
      stderr,
      env,
      isTTY: environment.stderrIsTTY,
      color: environment.stdoutIsTTY && env.NO_COLOR === undefined,
      // Loaded here, not at the top: the AWS SDK is not needed for help or usage errors (cws --help stays fast).
      clients:
        environment.clients ??
        (require("../core/clients") as typeof import("../core/clients")).createAwsClients({
          endpoint: env.AWS_ENDPOINT_URL || undefined,
        }),
      templatesDirs: globals.templatesDirs,
      defaultRegion: defaultRegion ? checkRegionSource(defaultRegion, globals.region !== undefined, stderr) : undefined,
      confirm: environment.confirm ?? ((question) => confirmOnTerminal(question, environment)),
    };
    return await command.run(commandArgs, context);
  } catch (error) {
    return reportError(error, { stdout, stderr, command, debug, json });
  }
}

/**
 * THE error handler of every command: maps an error to its exit code and prints it (the message; the stack only
 * with CWS_DEBUG=1). Input mistakes are 2; AWS failures (AwsCallError) are 1 with what to do, and with --json also
 * `{"error": …}` on stdout, so a pipeline can tell "expired credentials" from "no AMI".
 */
export function reportError(
  error: unknown,
  output: {
    stdout: NodeJS.WritableStream;
    stderr: NodeJS.WritableStream;
    command?: CliCommand;
    debug: boolean;
    json: boolean;
  },
): number {
  const { stderr, command, debug } = output;
  const awsError = awsCallErrorOf(error);
  if (awsError) {
    if (error instanceof ImagingError) stderr.write(`cws: ${error.message}\n`);
    else stderr.write(`cws: ${awsError.message}\n`);
    stderr.write(`cws: what to do: ${awsError.details.hint}\n`);
    if (output.json) writeJson({ stdout: output.stdout }, { error: awsError.toJSON() });
    return EXIT.failure;
  }
  if (error instanceof ImagingError) {
    // Its message already says which step failed and what was (and was not) undone.
    stderr.write(`cws: ${error.message}\n`);
    return EXIT.failure;
  }
  if (error instanceof UsageError) {
    stderr.write(`cws: ${error.message}\nusage: ${command?.usage ?? GLOBAL_USAGE}\n`);
    return EXIT.invalidInput;
  }
  if (error instanceof TemplateError) {
    stderr.write(`cws: template error${error.issues.length > 1 ? "s" : ""}:\n${indentLines(error.message)}\n`);
    return EXIT.invalidInput;
  }
  if (error instanceof InvalidInputError) {
    stderr.write(`cws: ${error.message}\n`);
    return EXIT.invalidInput;
  }
  const message =
    error instanceof Error
      ? `${error.name && error.name !== "Error" ? `${error.name}: ` : ""}${error.message}`
      : String(error);
  stderr.write(`cws: ${message}\n`);
  if (debug && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  else stderr.write("(set CWS_DEBUG=1 for the stack trace)\n");
  return EXIT.failure;
}

/** The AwsCallError behind an error: itself, or the cause of an imaging step that failed on one. */
function awsCallErrorOf(error: unknown): AwsCallError | undefined {
  if (error instanceof AwsCallError) return error;
  if (error instanceof ImagingError && error.cause instanceof AwsCallError) return error.cause;
  return undefined;
}

/** Whether the command's own arguments ask for JSON (up to a "--"). */
function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).includes("--json");
}

function indentLines(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}

/** Global --region is checked like a command's; a bad AWS_REGION is reported as coming from the environment. */
function checkRegionSource(region: string, fromFlag: boolean, stderr: NodeJS.WritableStream): string {
  if (fromFlag) return checkRegion(region, "--region", { stderr });
  try {
    return checkRegion(region, "AWS_REGION", { stderr });
  } catch {
    throw new UsageError(
      `the environment's region "${region}" (AWS_REGION, AWS_DEFAULT_REGION or profile) is not a known AWS region`,
    );
  }
}

/**
 * Pulls out the global options: --templates-dir anywhere (repeatable); --region, --json, --help/-h and --version
 * before the command words. Anything after "--" is left alone. Unknown flags before the command are usage errors.
 */
export function extractGlobalOptions(argv: readonly string[]): { globals: GlobalOptions; rest: string[] } {
  const globals: GlobalOptions = { templatesDirs: [], json: false, help: false, version: false };
  const rest: string[] = [];
  let beforeCommand = true;
  let terminated = false;
  const valueOf = (flag: string, i: number, inline: string | undefined): [string, number] => {
    if (inline !== undefined) {
      if (inline === "") throw new UsageError(`${flag} needs a value`);
      return [inline, i];
    }
    const next = argv[i + 1];
    if (next === undefined || next.startsWith("-")) throw new UsageError(`${flag} needs a value`);
    return [next, i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (terminated) {
      rest.push(token);
      continue;
    }
    if (token === "--") {
      terminated = true;
      rest.push(token);
      continue;
    }
    const [flag, inline] =
      token.startsWith("--") && token.includes("=")
        ? [token.slice(0, token.indexOf("=")), token.slice(token.indexOf("=") + 1)]
        : [token, undefined];
    if (flag === "--templates-dir") {
      const [value, next] = valueOf(flag, i, inline);
      globals.templatesDirs.push(value);
      i = next;
      continue;
    }
    if (!beforeCommand) {
      rest.push(token);
      continue;
    }
    if (!token.startsWith("-")) {
      beforeCommand = false;
      rest.push(token);
      continue;
    }
    if (flag === "--region") {
      const [value, next] = valueOf(flag, i, inline);
      globals.region = value;
      i = next;
    } else if (token === "--json") globals.json = true;
    else if (token === "--help" || token === "-h") globals.help = true;
    else if (token === "--version" || token === "-V") globals.version = true;
    else
      throw new UsageError(
        cleanParseArgsMessage(`Unknown option '${flag}'`) +
          didYouMean(flag, ["--templates-dir", "--region", "--json", "--help", "--version"]),
      );
  }
  return { globals, rest };
}

/** Longest command path that prefixes the arguments. */
export function matchCommand(
  args: readonly string[],
  commands: readonly CliCommand[],
): { command?: CliCommand; consumed: string[] } {
  let best: CliCommand | undefined;
  for (const command of commands) {
    if (command.path.every((word, i) => args[i] === word) && (!best || command.path.length > best.path.length))
      best = command;
  }
  if (best) return { command: best, consumed: best.path };
  // How far the words go into some command's path: "ami" alone is a group, not a command.
  const consumed: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (
      commands.some((c) => c.path.length > i + 1 && consumed.every((w, j) => c.path[j] === w) && c.path[i] === args[i])
    )
      consumed.push(args[i]);
    else break;
  }
  return { consumed };
}

function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === "--") return false;
    if (arg === "--help" || arg === "-h") return true;
  }
  return false;
}

export function formatGeneralHelp(commands: readonly CliCommand[]): string {
  return [
    "cws — CloudWorkstation: resolve and inspect workstation AMIs, validate templates, estimate costs;",
    "save, copy and share images (those three create or change AWS resources, and check every input first).",
    "",
    GLOBAL_USAGE,
    "",
    "Commands:",
    formatTable(
      [...commands]
        .sort((a, b) => a.path.join(" ").localeCompare(b.path.join(" ")))
        .map((c) => [c.path.join(" "), c.summary]),
      "  ",
    ),
    "",
    "Global options:",
    formatTable(
      [
        [
          "--templates-dir DIR",
          "search DIR for templates before the bundled ones (repeatable); cws save writes into the first",
        ],
        ["--region R", "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, then the AWS_PROFILE config)"],
        ["--json", "machine-readable output on stdout, nothing else on stdout"],
        ["-h, --help", "help (also after any command)"],
        ["--version", "print the version"],
      ],
      "  ",
    ),
    "",
    "Exit codes: 0 resolved (script fallback included), 2 invalid input, 3 unresolvable, 1 AWS failure (with what to do) or unexpected error.",
    "",
  ].join("\n");
}

export function formatCommandHelp(command: CliCommand): string {
  return `usage: ${command.usage}\n\n${command.summary}\n${command.help ? `\n${command.help.replace(/\n*$/, "")}\n` : ""}`;
}

/**
 * The region the SDK would use from the shared config file (the AWS_PROFILE section), or undefined. Skipped when
 * there is no config file, so a run that needs no AWS call never loads the SDK.
 */
async function sdkProfileRegion(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const configFile = env.AWS_CONFIG_FILE || path.join(env.HOME || os.homedir(), ".aws", "config");
  if (!fs.existsSync(configFile)) return undefined;
  const { EC2Client } = await import("@aws-sdk/client-ec2");
  const probe = new EC2Client({});
  try {
    return await probe.config.region();
  } catch {
    return undefined;
  } finally {
    probe.destroy();
  }
}

async function confirmOnTerminal(question: string, environment: CliEnvironment): Promise<boolean> {
  if (!environment.stdinIsTTY) return false;
  const rl = readline.createInterface({ input: process.stdin, output: environment.stderr });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(`${question} [y/N] `, resolve));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
