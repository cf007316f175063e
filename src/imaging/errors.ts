import { classifyAwsError } from "../core/aws-errors";
import { AwsCallError } from "../core/errors";

/**
 * An imaging step failed. The message says which step, the AWS error, and what was undone (or could not be), so a
 * user never has to guess whether an instance is still stopped or an image is still costing money.
 */
export class ImagingError extends Error {
  constructor(
    /** e.g. "CreateImage", "wait for image available". */
    readonly step: string,
    readonly cause: unknown,
    /** Compensations that succeeded, e.g. "deregistered ami-…", "instance i-… restarted". */
    readonly undone: string[],
    /** Compensations that failed, with what the user should do. */
    readonly notUndone: string[] = [],
    /** Finished work deliberately kept (a complete image is not thrown away because a later step failed). */
    readonly kept: string[] = [],
  ) {
    super(formatImagingError(step, cause, undone, notUndone, kept));
    this.name = "ImagingError";
    const verdict = classifyAwsError(cause, { service: "EC2", operation: operationOfStep(step) });
    this.awsError = verdict instanceof AwsCallError ? verdict : undefined;
  }

  /**
   * The AWS failure behind the step (credentials, permission, network, throttling, service), classified like the
   * resolver's, so the CLI can give the same exit code and hint; undefined when the cause was no AWS failure.
   */
  readonly awsError?: AwsCallError;
}

/** The EC2 action behind an imaging step ("wait for image available" polls DescribeImages…). */
function operationOfStep(step: string): string {
  const action = /^[A-Z][A-Za-z]+/.exec(step)?.[0];
  if (action) return action;
  if (/instance/.test(step)) return "DescribeInstances";
  if (/^tag /.test(step)) return "CreateTags";
  if (/^share /.test(step)) return "ModifyImageAttribute";
  return "DescribeImages";
}

export function describeAwsError(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== "Error" ? error.name : "";
    return name && !error.message.startsWith(name) ? `${name}: ${error.message}` : error.message;
  }
  return String(error);
}

function formatImagingError(
  step: string,
  cause: unknown,
  undone: string[],
  notUndone: string[],
  kept: string[],
): string {
  let message = `${step} failed (${describeAwsError(cause)})`;
  if (kept.length) message += `; kept: ${kept.join("; ")}`;
  message += undone.length ? `; undone: ${undone.join(", ")}` : kept.length ? "" : "; nothing needed undoing";
  if (notUndone.length) message += `; NOT undone: ${notUndone.join("; ")}`;
  return message;
}
