/**
 * A caller's mistake that no retry will fix (unknown size for a region, an instance type that contradicts the
 * requested architecture…). The CLI maps it to exit code 2; components to a ResourceError.
 */
export class InvalidInputError extends Error {
  constructor(
    message: string,
    /** The option or template field at fault, e.g. "instanceType" or "ami_config.preferred_architecture". */
    readonly field?: string,
  ) {
    super(field ? `${field}: ${message}` : message);
    this.name = "InvalidInputError";
  }
}

/**
 * What kind of AWS failure stopped an operation. None of them says anything about whether an image exists, so none
 * may ever be read as "this tier found nothing": resolution stops at the first one.
 * - credentials: no credentials, expired or invalid ones (`aws sso login`, AWS_PROFILE…)
 * - permission: the caller is authenticated but not allowed (names the denied action)
 * - network: the endpoint cannot be reached (DNS, refused, timed out, TLS)
 * - throttling: still throttled after the SDK's retries
 * - service: AWS answered 5xx, or with something unparseable, after retries
 */
export type AwsFailureKind = "credentials" | "permission" | "network" | "throttling" | "service";

/**
 * An AWS call failed for a reason other than "not found". The CLI maps it to exit 1 with `hint`; `--json` carries
 * `toJSON()` as its `error` object; components turn it into a check failure. Thrown by the resolver and the imaging
 * engine (classification lives in one module of AWS error helpers).
 */
export class AwsCallError extends Error {
  constructor(
    readonly kind: AwsFailureKind,
    message: string,
    readonly details: {
      /** "EC2" | "SSM" | "IAM" | "STS" … */
      service?: string;
      /** The API action, e.g. "DescribeImages" — for `permission`, the action that was denied. */
      operation?: string;
      region?: string;
      /** The resolution tier whose call failed, when it happened during resolution. */
      tier?: string;
      /** The AWS error code, e.g. "ExpiredToken", "AccessDeniedException", "ThrottlingException". */
      code?: string;
      /** The endpoint that could not be reached (network failures). */
      endpoint?: string;
      /** What to do about it, one sentence: `run aws sso login --profile lab`, `allow ec2:DescribeImages`… */
      hint: string;
    },
  ) {
    super(message);
    this.name = "AwsCallError";
  }

  /** The `error` object of `--json` output and of the HTTP API. */
  toJSON(): { kind: AwsFailureKind; message: string } & AwsCallError["details"] {
    return { kind: this.kind, message: this.message, ...this.details };
  }
}
