import type { CliContext } from "./command";
import { PLAIN, type Style } from "./format";
import { createProgress, createStepLog, type Progress } from "./progress";

/** Exactly one JSON document on stdout, nothing else. */
export function writeJson(context: Pick<CliContext, "stdout">, value: unknown): void {
  context.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function styleOf(context: CliContext, json: boolean): Style {
  return json ? PLAIN : { color: context.color === true };
}

/**
 * Progress on stderr, never with --json: a spinner on a TTY ("spinner"), or a step log on any stderr ("steps", for
 * commands that take minutes and change things).
 */
export function progressFor(context: CliContext, json: boolean, rendering: "spinner" | "steps" = "spinner"): Progress {
  return rendering === "steps"
    ? createStepLog(context.stderr, !json)
    : createProgress(context.stderr, context.isTTY && !json);
}
