import type { AwsClients } from "../core/clients";

/** What a command needs from the outside world; tests substitute every part. */
export interface CliContext {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** stderr is a terminal: spinners are drawn there (never with --json), and questions can be asked. */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  /** Clients honouring AWS_ENDPOINT_URL / AWS_PROFILE / AWS_REGION. */
  clients: AwsClients;
  /** --templates-dir values (repeatable), searched before the bundled templates. */
  templatesDirs: string[];
  /** Region from --region, else AWS_REGION / AWS_DEFAULT_REGION, else undefined. */
  defaultRegion?: string;
  /** Answers a yes/no question on the terminal; false when stdin is not a TTY. */
  confirm(question: string): Promise<boolean>;
  /** Colour human output: stdout is a TTY and NO_COLOR is unset. Absent means no colour. */
  color?: boolean;
}

/** Exit codes: 0 resolved (script fallback included), 2 invalid input, 3 unresolvable, 1 anything else. */
export const EXIT = { ok: 0, failure: 1, invalidInput: 2, unresolvable: 3 } as const;

export interface CliCommand {
  /** Words after `cws`, e.g. ["ami", "resolve"] or ["save"]. */
  path: string[];
  summary: string;
  /** One usage line, e.g. "cws ami resolve <template> [--region R] [--json]". */
  usage: string;
  /**
   * Longer help shown by `--help` / `-h` after the usage line: one line per option, and what the command prints.
   * Absent: the summary is shown instead.
   */
  help?: string;
  /** argv: the arguments after the command path (global options already removed). Returns the exit code. */
  run(argv: string[], context: CliContext): Promise<number>;
}
