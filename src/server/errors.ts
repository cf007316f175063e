import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { ImagingError } from "../imaging/errors";
import { InterruptedError, WaitTimeoutError } from "../imaging/waiters";
import { WorkstationNotFoundError } from "../ops/workstations/stack";
import { awsSdkErrorDetails } from "../core/aws-errors";
import { AwsCallError, InvalidInputError } from "../core/errors";
import { TemplateError } from "../templates/errors";

/** The body of every error response: `{ error: { code, message, details } }`. Never a stack trace. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** An error with its HTTP status and a stable machine-readable code; anything else is a 500. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. WWW-Authenticate or Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/**
 * AWS failures are the server's environment, not the caller's request: throttling is 503 (retry later), the rest
 * (credentials, permission, network, AWS 5xx) are 502 with the classification and its hint in `details`.
 */
export function awsCallStatus(error: AwsCallError): number {
  return error.kind === "throttling" ? 503 : 502;
}

/** Any thrown value → status, headers and JSON body. Unknown errors say only that something unexpected happened. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    return new ApiError(
      400,
      "invalid_request",
      `invalid request: ${error.validation.map((v) => `${v.instancePath || error.validationContext || "request"} ${v.message}`).join("; ")}`,
      {
        where: error.validationContext,
        issues: error.validation.map((v) => ({ path: v.instancePath, message: v.message })),
      },
    );
  }
  if (error instanceof TemplateError)
    return new ApiError(400, "invalid_template", error.message, { issues: error.issues });
  if (error instanceof WorkstationNotFoundError)
    return new ApiError(404, "workstation_not_found", error.message, {
      workstation: error.workstation,
      known: error.known,
    });
  if (error instanceof InvalidInputError || (error instanceof Error && error.name === "UsageError"))
    return new ApiError(400, "invalid_input", error.message, {
      field: (error as InvalidInputError).field,
    });
  if (error instanceof AwsCallError) {
    return new ApiError(
      awsCallStatus(error),
      `aws_${error.kind}`,
      `${error.message} (${error.details.hint})`,
      error.toJSON(),
      error.kind === "throttling" ? { "retry-after": "30" } : {},
    );
  }
  // An AWS SDK exception that no layer classified yet: still AWS's answer, not our bug.
  const sdk = awsSdkErrorDetails(error);
  if (sdk) {
    return new ApiError(502, "aws_error", `AWS answered ${sdk.code}: ${(error as Error).message}`, sdk);
  }
  if (error instanceof ImagingError) {
    const cause = error.cause instanceof AwsCallError ? error.cause.toJSON() : undefined;
    return new ApiError(502, "imaging_failed", error.message, {
      step: error.step,
      undone: error.undone,
      notUndone: error.notUndone,
      ...(cause ? { aws: cause } : {}),
    });
  }
  if (error instanceof InterruptedError) return new ApiError(409, "cancelled", error.message, { step: error.step });
  if (error instanceof WaitTimeoutError)
    return new ApiError(504, "timeout", error.message, { step: error.step, timeoutMs: error.timeoutMs });
  // Fastify's own errors (body too large, malformed JSON, unsupported media type) carry a 4xx status and a code.
  const fastify = error as { statusCode?: number; code?: string; message?: string };
  if (typeof fastify.statusCode === "number" && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    const code =
      fastify.code === "FST_ERR_CTP_BODY_TOO_LARGE"
        ? "body_too_large"
        : fastify.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE"
          ? "unsupported_media_type"
          : "invalid_request";
    return new ApiError(fastify.statusCode, code, fastify.message ?? "invalid request", { fastifyCode: fastify.code });
  }
  return new ApiError(500, "internal", "unexpected server error; the server's log has the details");
}

export function errorBody(error: ApiError): ApiErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
}
