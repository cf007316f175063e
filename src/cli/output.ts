import type { CliContext } from "./command";
import { PLAIN, type Style } from "./format";
import { createProgress, type Progress } from "./progress";

/** Exactly one JSON document on stdout, nothing else. */
export function writeJson(context: CliContext, value: unknown): void {
  context.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function styleOf(context: CliContext, json: boolean): Style {
  return json ? PLAIN : { color: context.color === true };
}

/** A spinner on stderr, only on a TTY and never with --json. */
export function progressFor(context: CliContext, json: boolean): Progress {
  return createProgress(context.stderr, context.isTTY && !json);
}
