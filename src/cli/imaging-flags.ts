import { type SharingOptions, validateSharing } from "../imaging";
import { InvalidInputError } from "../core/errors";
import { EXIT, type CliContext } from "./command";

/**
 * What `save`, `ami copy` and `ami share` share beyond args.ts: sharing flags checked under their own names, and the
 * question asked before a change that is hard to undo.
 */

/** validateSharing, with the error naming the flag the value came from (e.g. --share-accounts) instead of the field. */
export function checkSharingFlags(
  sharing: SharingOptions,
  flags: Partial<Record<"accountIds" | "organizationArns" | "organizationalUnitArns", string>>,
): SharingOptions {
  try {
    validateSharing(sharing);
  } catch (error) {
    if (!(error instanceof InvalidInputError) || !error.field) throw error;
    const flag = flags[error.field.replace(/^sharing\./, "") as keyof typeof flags];
    throw flag ? renameInputField(error, error.field, flag) : error;
  }
  return sharing;
}

/** An InvalidInputError about the engine's `field`, named by the flag the value came from; other errors as they are. */
export function renameInputField(error: unknown, field: string, flag: string): unknown {
  if (!(error instanceof InvalidInputError) || error.field !== field) return error;
  return new InvalidInputError(error.message.slice(field.length + 2), flag);
}

/**
 * Asks `question` before a change that is hard to undo. Returns undefined to go ahead, or the exit code to return:
 * 2 when there is no terminal to ask on (pass --yes), 0 when the user says no (nothing was changed).
 */
export async function askToProceed(
  context: CliContext,
  commandName: string,
  question: string,
  yes: boolean,
): Promise<number | undefined> {
  if (yes) return undefined;
  if (!context.isTTY) {
    context.stderr.write(
      `cws ${commandName}: ${question.replace(/ Continue\?$/, "")}\n` +
        `cws ${commandName}: not a terminal, so not asking: pass --yes to proceed\n`,
    );
    return EXIT.invalidInput;
  }
  if (!(await context.confirm(question))) {
    context.stderr.write(`cws ${commandName}: cancelled; nothing was changed\n`);
    return EXIT.ok;
  }
  return undefined;
}
