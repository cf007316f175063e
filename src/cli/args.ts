import { parseArgs } from "node:util";
import { ARCHITECTURES, SIZES, STRATEGIES } from "../templates/schema";
import type { Architecture, Size, Strategy } from "../templates/schema";
import { isKnownRegion, KNOWN_REGIONS } from "../templates/regions";
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
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (error) {
    throw new UsageError(cleanParseArgsMessage((error as Error).message));
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

export function parseInstanceType(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(value)) return value;
  throw new UsageError(`--instance-type ${value} is not an instance type; write e.g. m7i.large`);
}

export function checkRegion(region: string, flag = "--region"): string {
  if (isKnownRegion(region)) return region;
  throw new UsageError(
    `${flag} ${region} is not a known AWS region; expected one of ${KNOWN_REGIONS.slice(0, 6).join(", ")}, …`,
  );
}

/** Split "a,b, c" into a list, rejecting empty entries and unknown regions. */
export function parseRegionList(value: string): string[] {
  const regions = value.split(",").map((r) => r.trim());
  if (regions.some((r) => r === ""))
    throw new UsageError(`--regions "${value}" has an empty entry; write e.g. us-east-1,eu-west-1`);
  for (const region of regions) checkRegion(region, "--regions:");
  return [...new Set(regions)];
}

export const NO_REGION_MESSAGE =
  "no AWS region: pass --region (e.g. --region us-east-1), or set AWS_REGION / AWS_DEFAULT_REGION, " +
  "or a region in the config of your AWS_PROFILE (~/.aws/config)";

/** --region, else the context's default (global --region, AWS_REGION, AWS_DEFAULT_REGION, profile config). */
export function requireRegion(flag: string | undefined, context: CliContext): string {
  const region = flag ?? context.defaultRegion;
  if (!region) throw new UsageError(NO_REGION_MESSAGE);
  return checkRegion(region);
}
