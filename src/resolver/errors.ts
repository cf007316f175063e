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
