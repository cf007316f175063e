import { AwsCallError, type AwsFailureKind } from "./errors";

/**
 * The one place that reads AWS errors. Every caller in the resolver and the imaging engine asks two questions:
 * "is this AWS saying the thing does not exist?" (`isNotFound`: an ordinary answer) and, for anything else,
 * "what kind of failure is it, and what should the user do?" (`classifyAwsError` → AwsCallError).
 */

/** Where a failing call was made; copied into the AwsCallError's details. */
export interface AwsCallContext {
  /** "EC2" | "SSM" | "IAM" | "STS" … */
  service: string;
  /** The API action, e.g. "DescribeImages". */
  operation: string;
  region?: string;
  /** The resolution tier whose call failed. */
  tier?: string;
  /** The endpoint the client talks to (shown for network failures). */
  endpoint?: string;
}

/** The AWS error code of an SDK error ("InvalidAMIID.NotFound", "ThrottlingException"…), or "" when it has none. */
export function awsErrorCode(error: unknown): string {
  if (error && typeof error === "object") {
    const named = error as { name?: unknown; Code?: unknown; code?: unknown };
    for (const value of [named.Code, named.name, named.code])
      if (typeof value === "string" && value !== "Error" && value !== "AggregateError") return value;
  }
  return "";
}

/** Shape of the SDK's service exceptions, read only here. */
interface SdkFailure {
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
  $responseBodyText?: string;
  Code?: string;
}

/**
 * What an exception thrown by an AWS SDK call says about itself (its code, fault and HTTP status), or undefined when
 * it is not one (our own errors, network failures before any answer).
 */
export function awsSdkErrorDetails(
  error: unknown,
): { code: string; fault?: string; httpStatusCode?: number } | undefined {
  const sdk = error as SdkFailure;
  if (!(error instanceof Error) || (sdk.$fault === undefined && sdk.$metadata === undefined)) return undefined;
  return { code: error.name, fault: sdk.$fault, httpStatusCode: sdk.$metadata?.httpStatusCode };
}

/**
 * True when the endpoint does not implement the call at all: an HTTP 5xx whose body is not an AWS error document.
 * AWS answers every error with an XML error code; moto answers an action it lacks with an HTML "500 Internal Server
 * Error" page.
 */
export function isUnimplementedCall(error: unknown): boolean {
  const failure = error as SdkFailure | undefined;
  const status = failure?.$metadata?.httpStatusCode ?? 0;
  return status >= 500 && !failure?.Code && /<html/i.test(failure?.$responseBodyText ?? "");
}

/** The endpoint names the action as one it does not know (NotImplemented, InvalidAction, UnknownOperation). */
export function isUnknownAction(error: unknown): boolean {
  return /NotImplemented|InvalidAction|UnknownOperation/i.test(awsErrorCode(error));
}

/**
 * AWS answered "no such thing": a missing or malformed image/snapshot/instance id, a missing parameter. An ordinary
 * "nothing here" verdict, never a failure. Everything else (throttling, denied, unreachable…) is not.
 */
export function isNotFound(error: unknown): boolean {
  const code = awsErrorCode(error);
  return (
    /NotFound(Exception)?$/.test(code) ||
    /^Invalid(AMIID|SnapshotID|InstanceID|Snapshot|VolumeID)\.(NotFound|Unavailable|Malformed)$/.test(code) ||
    code === "ParameterNotFound" ||
    code === "ParameterVersionNotFound"
  );
}

const CREDENTIAL_CODES = new Set([
  "CredentialsProviderError",
  "ExpiredToken",
  "ExpiredTokenException",
  "RequestExpired",
  "TokenRefreshRequired",
  "AuthFailure",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "InvalidToken",
]);
const PERMISSION_CODES = new Set([
  "UnauthorizedOperation",
  "AccessDenied",
  "AccessDeniedException",
  "Unauthorized",
  "UnauthorizedAccess",
  "OptInRequired",
  "Blocked",
]);
const THROTTLING_CODES = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "SlowDown",
  "PriorRequestNotComplete",
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "ProvisionedThroughputExceededException",
]);
/** Node socket, DNS and TLS error codes, and the SDK's own timeout names. */
const NETWORK_CODES =
  /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ESOCKETTIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENETDOWN|EPIPE|ECONNABORTED|EPROTO|CERT_\w+|ERR_TLS_\w+|ERR_SSL_\w+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_\w+|TimeoutError|RequestTimeout|RequestTimeoutException|NetworkingError)$/;

/**
 * The kind of a failure that is not "not found", or undefined when `error` is not an AWS/SDK/network failure at all
 * (a bug in our code, an abort): those are rethrown as they are.
 */
export function awsFailureKind(error: unknown): AwsFailureKind | undefined {
  if (error instanceof AwsCallError) return error.kind;
  const code = awsErrorCode(error);
  const status = httpStatus(error);
  const message = error instanceof Error ? error.message : "";
  if (CREDENTIAL_CODES.has(code) || /Could not load credentials|credentials? (has|have) expired/i.test(message))
    return "credentials";
  if (PERMISSION_CODES.has(code) || /not authorized to perform/i.test(message)) return "permission";
  if (THROTTLING_CODES.has(code) || status === 429) return "throttling";
  const network = networkCode(error);
  if (network) return "network";
  if (status === 401) return "credentials";
  if (status === 403) return "permission";
  if (isSdkError(error)) return "service";
  return undefined;
}

/**
 * What an error from an AWS call means: "not-found" (an ordinary "nothing here" answer), an AwsCallError with a hint
 * saying what to do, or undefined when it is no AWS failure at all (a bug, an abort), to be rethrown as it is.
 */
export function classifyAwsError(error: unknown, context: AwsCallContext): AwsCallError | "not-found" | undefined {
  if (error instanceof AwsCallError) return withContext(error, context);
  if (isNotFound(error)) return "not-found";
  const kind = awsFailureKind(error);
  if (!kind) return undefined;
  const code = awsErrorCode(error) || networkCode(error) || (httpStatus(error) ? `HTTP ${httpStatus(error)}` : "");
  const where = `${context.service} ${context.operation}${context.region ? ` in ${context.region}` : ""}`;
  const tier = context.tier ? ` (tier ${context.tier})` : "";
  const detail = errorText(error);
  const endpoint = context.endpoint ?? process.env.AWS_ENDPOINT_URL;
  let operation = context.operation;
  let hint: string;
  let summary: string;
  switch (kind) {
    case "credentials":
      summary = /Could not load credentials/i.test(detail)
        ? "no AWS credentials were found"
        : /Expired|RequestExpired/i.test(code + detail)
          ? "the AWS credentials have expired"
          : "the AWS credentials were rejected";
      hint =
        "sign in again (aws sso login --profile <profile>) or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)";
      break;
    case "permission": {
      const action = deniedAction(detail) ?? `${context.service.toLowerCase()}:${context.operation}`;
      operation = action.split(":")[1] ?? context.operation;
      summary = `access denied: this identity may not call ${action}`;
      hint = `allow ${action} for this identity (the least-privilege policies are in docs/iam/), or use a profile that has it`;
      break;
    }
    case "network":
      summary = `cannot reach the ${context.service} endpoint${endpoint ? ` ${endpoint}` : ""}`;
      hint =
        "check the network and AWS_ENDPOINT_URL (unset it to talk to AWS itself; an emulator must be running on it), proxies and TLS settings";
      break;
    case "throttling":
      summary = "AWS is still throttling the call after the SDK's retries";
      hint = "wait a minute and run it again, or run fewer resolutions at once";
      break;
    default:
      if (
        /^(ValidationException|ValidationError|InvalidParameterValue|InvalidParameter|InvalidParameterCombination)$/.test(
          code,
        )
      ) {
        // A request AWS refuses as malformed: retrying changes nothing; the value that went into it must change.
        summary = "AWS refused the request as invalid";
        hint =
          "check the value the message names (an SSM parameter name, an id, a filter) in the template or on the command line; running it again will not help";
        break;
      }
      summary = "AWS answered with an error or an unreadable response after the SDK's retries";
      hint = "run it again; if it persists, check the AWS Health Dashboard (or the emulator behind AWS_ENDPOINT_URL)";
  }
  return new AwsCallError(kind, `${where}${tier} failed: ${summary} (${code ? `${code}: ` : ""}${detail})`, {
    service: context.service,
    operation,
    ...(context.region ? { region: context.region } : {}),
    ...(context.tier ? { tier: context.tier } : {}),
    ...(code ? { code } : {}),
    ...(kind === "network" && endpoint ? { endpoint } : {}),
    hint,
  });
}

/**
 * For a `catch` around an AWS call: returns undefined when AWS said "not found", else throws the AwsCallError (or the
 * original error when it is no AWS failure). A failure is never read as "absent".
 */
export function notFoundOrThrow(error: unknown, context: AwsCallContext): undefined {
  const verdict = classifyAwsError(error, context);
  if (verdict === "not-found") return undefined;
  throw verdict ?? error;
}

/** For a `catch` where even "not found" is a failure: throws the AwsCallError, or the original error. */
export function throwAwsCallError(error: unknown, context: AwsCallContext): never {
  const verdict = classifyAwsError(error, context);
  throw verdict === "not-found" || verdict === undefined ? error : verdict;
}

/** Adds the tier (and region) to an AwsCallError raised below the engine, which does not know which tier asked. */
export function withContext(error: AwsCallError, context: Partial<AwsCallContext>): AwsCallError {
  const details = { ...error.details };
  let message = error.message;
  if (context.tier && !details.tier) {
    details.tier = context.tier;
    message = message.replace(/ failed: /, ` (tier ${context.tier}) failed: `);
  }
  if (context.region && !details.region) details.region = context.region;
  if (message === error.message && details.tier === error.details.tier && details.region === error.details.region)
    return error;
  return new AwsCallError(error.kind, message, details);
}

/** "…is not authorized to perform: ec2:DescribeImages on resource…" → "ec2:DescribeImages". */
export function deniedAction(message: string): string | undefined {
  return /not authorized to perform:?\s*([a-z0-9-]+:[A-Za-z0-9*]+)/i.exec(message)?.[1];
}

function networkCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && typeof current === "object" && depth < 4; depth++) {
    const candidate = current as { code?: unknown; name?: unknown; errors?: unknown[]; cause?: unknown };
    for (const value of [candidate.code, candidate.name])
      if (typeof value === "string" && NETWORK_CODES.test(value)) return value;
    if (Array.isArray(candidate.errors) && candidate.errors.length) current = candidate.errors[0];
    else current = candidate.cause;
  }
  return undefined;
}

function httpStatus(error: unknown): number | undefined {
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata;
  return typeof metadata?.httpStatusCode === "number" ? metadata.httpStatusCode : undefined;
}

/** Errors the SDK raised about a response (service exceptions, deserialization failures of garbage answers). */
function isSdkError(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const candidate = error as { $metadata?: unknown; $fault?: unknown; $response?: unknown };
  return candidate.$metadata !== undefined || candidate.$fault !== undefined || candidate.$response !== undefined;
}

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split("\n")[0].trim();
  return (firstLine || awsErrorCode(error) || "no message").slice(0, 300);
}

/** The region an SDK client is configured for (undefined when it cannot be read), for error details. */
export async function regionOf(client: { config: { region: unknown } }): Promise<string | undefined> {
  try {
    const region = client.config.region;
    const value: unknown = typeof region === "function" ? await (region as () => Promise<unknown>)() : region;
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}
