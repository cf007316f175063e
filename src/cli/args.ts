import { parseArgs } from "node:util";
import { AMI_ID_PATTERN, ARCHITECTURES, SIZES, STRATEGIES } from "../templates/schema";
import type { Architecture, Size, Strategy } from "../templates/schema";
import { INSTANCE_ID_PATTERN } from "../core/aws-ids";
import { checkRegionName } from "../core/regions";
import { didYouMean } from "../core/suggest";
import { workstationNameProblem } from "../ops/workstations/stack";
import type { CliContext } from "./command";

/**
 * A mistake on the command line (unknown flag, missing argument, bad value). The dispatcher prints the message and
 * the command's usage line, and exits 2.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
}
export type OptionSpecs = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S["type"] extends "boolean"
  ? S["multiple"] extends true
    ? boolean[]
    : boolean
  : S["multiple"] extends true
    ? string[]
    : string;

export type ParsedValues<S extends OptionSpecs> = { [K in keyof S]?: ValueOf<S[K]> };

export interface ParsedArgs<S extends OptionSpecs> {
  values: ParsedValues<S>;
  positionals: string[];
}

/**
 * `util.parseArgs` in strict mode (unknown flags are errors, never ignored), with the positional count checked and
 * every failure turned into a UsageError.
 */
export function parseCommandArgs<S extends OptionSpecs>(
  argv: string[],
  options: S,
  positionals: { min: number; max: number; names: string },
): ParsedArgs<S> {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv, options),
      options,
      strict: true,
      allowPositionals: true,
    }) as typeof parsed;
  } catch (error) {
    const message = cleanParseArgsMessage((error as Error).message);
    const unknown = /^unknown option (--[^=\s]+)/.exec(message);
    const flags = Object.keys(options).map((name) => `--${name}`);
    throw new UsageError(unknown ? message + didYouMean(unknown[1], flags) : message);
  }
  const count = parsed.positionals.length;
  if (count < positionals.min) throw new UsageError(`missing ${positionals.names}`);
  if (count > positionals.max) {
    const extra = parsed.positionals
      .slice(positionals.max)
      .map((p) => `"${p}"`)
      .join(", ");
    throw new UsageError(`unexpected argument${count - positionals.max > 1 ? "s" : ""} ${extra}`);
  }
  return { values: parsed.values as ParsedValues<S>, positionals: parsed.positionals };
}

/**
 * `--keep -1` as `--keep=-1`: parseArgs takes a value that starts with "-" for a flag and answers with advice about
 * `--keep=-XYZ`; a negative number after a string option is that option's value, for the command to judge.
 */
function joinNegativeValues(argv: readonly string[], options: OptionSpecs): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = /^--([^=]+)$/.exec(argv[i])?.[1];
    const next = argv[i + 1];
    if (name !== undefined && options[name]?.type === "string" && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${argv[i]}=${next}`);
      i++;
    } else if (argv[i] === "--") {
      joined.push(...argv.slice(i));
      break;
    } else joined.push(argv[i]);
  }
  return joined;
}

/** Node's messages end with advice about "--" that does not apply to us; keep the first sentence. */
export function cleanParseArgsMessage(message: string): string {
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}`;
  return message.split(". ")[0].replace(/\.$/, "");
}

export function parseArchitecture(value: string | undefined): Architecture | undefined {
  if (value === undefined) return undefined;
  if ((ARCHITECTURES as readonly string[]).includes(value)) return value as Architecture;
  throw new UsageError(`--arch ${value} is not an architecture; use one of ${ARCHITECTURES.join(", ")}`);
}

export function parseSize(value: string | undefined): Size | undefined {
  if (value === undefined) return undefined;
  if ((SIZES as readonly string[]).includes(value)) return value as Size;
  throw new UsageError(`--size ${value} is not a size; use one of ${SIZES.join(", ")}`);
}

export function parseStrategy(value: string | undefined): Strategy | undefined {
  if (value === undefined) return undefined;
  if ((STRATEGIES as readonly string[]).includes(value)) return value as Strategy;
  throw new UsageError(`--strategy ${value} is not a strategy; use one of ${STRATEGIES.join(", ")}`);
}

/**
 * A region from the command line or the environment, by the one region rule (core/regions.ts): a known region,
 * or a well-formed one (with a warning on the context's stderr). Anything else is a UsageError with a "did you mean".
 * `flag` names where it came from.
 */
export function checkRegion(region: string, flag = "--region", context?: Pick<CliContext, "stderr">): string {
  const check = checkRegionName(region);
  if (!check.ok)
    throw new UsageError(`${flag} ${check.error}; regions look like us-east-1, eu-west-2 or ap-southeast-1`);
  if (check.warning) context?.stderr.write(`cws: warning: ${flag} ${check.warning}\n`);
  return region;
}

/** Split "a,b, c" into a list, rejecting empty entries and malformed regions. */
export function parseRegionList(value: string, flag = "--regions", context?: Pick<CliContext, "stderr">): string[] {
  const regions = value.split(",").map((r) => r.trim());
  if (regions.some((r) => r === ""))
    throw new UsageError(`${flag} "${value}" has an empty entry; write e.g. us-east-1,eu-west-1`);
  for (const region of regions) checkRegion(region, `${flag}:`, context);
  return [...new Set(regions)];
}

/** A repeatable comma-separated flag ("--accounts a,b --accounts c") as one list; empty entries are refused. */
export function parseListFlag(flag: string, value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const entries = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(",")).map((v) => v.trim());
  if (entries.some((v) => v === "")) throw new UsageError(`${flag} has an empty entry; write e.g. ${flag} a,b`);
  return [...new Set(entries)];
}

// EC2 ids and AMI naming rules, checked before any AWS call so a typo is exit 2, not an SDK error after side effects.
/** CreateImage/CopyImage: 3–128 characters of letters, digits and ( ) [ ] space . / - ' @ _ */
const AMI_NAME_PATTERN = /^[A-Za-z0-9()[\] ./\-'@_]{3,128}$/;
const AMI_NAME_MAX = 128;
/** EC2 image descriptions are at most 255 characters. */
const AMI_DESCRIPTION_MAX = 255;

export function parseInstanceId(value: string, name = "<instance-id>"): string {
  if (INSTANCE_ID_PATTERN.test(value)) return value;
  throw new UsageError(`${name} "${value}" is not an EC2 instance id: expected "i-" followed by 8 or 17 hex digits`);
}

export function parseAmiId(value: string, name = "<ami-id>"): string {
  if (AMI_ID_PATTERN.test(value)) return value;
  throw new UsageError(`${name} "${value}" is not an AMI id: expected "ami-" followed by 8 or 17 lowercase hex digits`);
}

/** An AMI name as EC2 accepts it; `what` says where it came from when it is derived (e.g. from the template name). */
export function checkAmiName(value: string, what: string): string {
  if (AMI_NAME_PATTERN.test(value)) return value;
  const bad = [...new Set([...value].filter((c) => !/[A-Za-z0-9()[\] ./\-'@_]/.test(c)))];
  const why =
    value.length > AMI_NAME_MAX || value.length < 3
      ? `${value.length} characters (AMI names are 3–${AMI_NAME_MAX})`
      : `characters AMI names do not allow: ${bad.map((c) => JSON.stringify(c)).join(" ")}`;
  throw new UsageError(
    `${what} "${value.length > 40 ? `${value.slice(0, 40)}…` : value}" is not a valid AMI name: ${why}; ` +
      `use letters, digits, spaces and ( ) [ ] . / - ' @ _`,
  );
}

export function parseDescription(value: string | undefined, flag = "--description"): string | undefined {
  if (value === undefined || value.length <= AMI_DESCRIPTION_MAX) return value;
  throw new UsageError(
    `${flag} is ${value.length} characters; EC2 image descriptions are at most ${AMI_DESCRIPTION_MAX}`,
  );
}

export const NO_REGION_MESSAGE =
  "no AWS region: pass --region (e.g. --region us-east-1), or set AWS_REGION / AWS_DEFAULT_REGION, " +
  "or a region in the config of your AWS_PROFILE (~/.aws/config)";

/** --region, else the context's default (global --region, AWS_REGION, AWS_DEFAULT_REGION, profile config). */
export function requireRegion(flag: string | undefined, context: CliContext, name = "--region"): string {
  if (flag !== undefined) return checkRegion(flag, name, context);
  if (!context.defaultRegion) throw new UsageError(NO_REGION_MESSAGE);
  return context.defaultRegion;
}

/** A workstation's name from the command line (the rule is the use case's, ops/workstations/stack.ts). */
export function checkWorkstationName(name: string): string {
  const problem = workstationNameProblem(name);
  if (problem) throw new UsageError(problem);
  return name;
}
