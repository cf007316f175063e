/**
 * The shapes of AWS identifiers, in one place. Every layer checks an id against these patterns (templates here, the
 * resolver, imaging and the CLI), so an id one layer accepts is never refused by another for its spelling.
 */

/** `ami-` and 8 (older) or 17 lowercase hex digits. */
export const AMI_ID_PATTERN = /^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
/** `i-` and 8 (older) or 17 lowercase hex digits. */
export const INSTANCE_ID_PATTERN = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
/** `snap-` and 8 (older) or 17 lowercase hex digits. */
export const SNAPSHOT_ID_PATTERN = /^snap-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
/** A 12-digit AWS account id (image owners, sharing targets). */
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
/** An EC2 instance type: family, a dot, size (`m7i.large`, `g5.xlarge`, `u-6tb1.metal`). */
export const INSTANCE_TYPE_PATTERN = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
/** An EC2 instance family, the part of a type before the dot (`m7i`, `g5`). */
export const INSTANCE_FAMILY_PATTERN = /^[a-z][a-z0-9-]*$/;
/**
 * The shape of an AWS region name: a known area prefix (GovCloud's -gov too), a compass direction, a number. An unlisted region
 * of this shape is accepted with a warning (AWS opens regions faster than any list is updated); "us-east1",
 * "us-middle-1" or "../../etc" are refused.
 */
export const REGION_NAME_PATTERN =
  /^(?:af|ap|ca|eu|il|me|mx|sa|us)(?:-gov)?-(?:central|north|south|east|west|northeast|northwest|southeast|southwest)-\d{1,2}$/;

export function isAmiId(value: string): boolean {
  return AMI_ID_PATTERN.test(value);
}

export function isInstanceId(value: string): boolean {
  return INSTANCE_ID_PATTERN.test(value);
}

export function isSnapshotId(value: string): boolean {
  return SNAPSHOT_ID_PATTERN.test(value);
}

export function isAccountId(value: string): boolean {
  return ACCOUNT_ID_PATTERN.test(value);
}

export function isInstanceType(value: string): boolean {
  return INSTANCE_TYPE_PATTERN.test(value);
}
