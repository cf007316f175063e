import { z } from "zod";
import { ACCOUNT_ID_PATTERN, AMI_ID_PATTERN, REGION_NAME_PATTERN } from "../core/aws-ids";
import { clip } from "../core/suggest";
import { MARKETPLACE_OWNER_ALIAS } from "./publishers";
import { checkRegionName, KNOWN_REGIONS } from "../core/regions";
import { commandArgumentProblem } from "./render-rules";

/**
 * The field rules the template schema (schema.ts) and its AMI sources (schema-ami-sources.ts) share: regions, AMI
 * ids, owners, durations, dates and the words handed to commands.
 */

/** Owner aliases DescribeImages accepts besides 12-digit account ids. */
export const OWNER_ALIASES = ["amazon", "self", MARKETPLACE_OWNER_ALIAS, "aws-backup-vault"] as const;
export const DURATION_PATTERN = /^(\d+)(ms|s|m|h)$/;

const DURATION_UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Milliseconds of a duration written like "90s" or "10m"; undefined when it is not one. */
export function durationMs(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  return match ? Number(match[1]) * DURATION_UNIT_MS[match[2] as keyof typeof DURATION_UNIT_MS] : undefined;
}

/**
 * The longest `fallback_timeout`. Long enough for a slow cross-region copy, and far below Node's timer limit
 * (2^31-1 ms, about 24.8 days), past which a timer fires at once and every image tier would "time out".
 */
export const MAX_FALLBACK_TIMEOUT = "24h";

/** A region name (checkRegionName): unknown but well-formed names pass here and are warned about by checks.ts. */
export const region = z
  .string()
  .refine((name) => checkRegionName(name).ok, {
    error: (issue) => {
      const check = checkRegionName(String(issue.input));
      return check.ok ? "is not a region" : check.error;
    },
  })
  // Refinements do not reach JSON Schema; the pattern lets editors flag a malformed region as it is typed.
  .meta({ pattern: REGION_NAME_PATTERN.source, examples: [...KNOWN_REGIONS] });

export const amiId = z.string().regex(AMI_ID_PATTERN, {
  error: (issue) =>
    `"${clip(String(issue.input))}" is not an AMI id: expected "ami-" followed by 8 or 17 lowercase hex digits`,
});

export const owner = z
  .string()
  .refine((value) => ACCOUNT_ID_PATTERN.test(value) || (OWNER_ALIASES as readonly string[]).includes(value), {
    error: (issue) =>
      `"${clip(String(issue.input))}" is not an owner: use a 12-digit account id or one of ${OWNER_ALIASES.join(", ")}`,
  });

export const duration = z
  .string()
  .regex(DURATION_PATTERN, { error: 'not a duration: write e.g. "90s", "10m" or "1h"' });

export const fallbackTimeout = duration.refine(
  (text) => {
    const ms = durationMs(text);
    return ms === undefined || (ms > 0 && ms <= (durationMs(MAX_FALLBACK_TIMEOUT) as number));
  },
  {
    error: (issue) =>
      `fallback_timeout must be more than 0 and at most ${MAX_FALLBACK_TIMEOUT} (the maximum), found "${clip(String(issue.input))}"`,
  },
);

/** A name passed to a command by the provisioning script: never empty, never read as an option, no NUL. */
export const commandWord = z
  .string()
  .min(1, { error: "must not be empty" })
  .superRefine((value, ctx) => {
    const problem = commandArgumentProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
export const commandWords = z.array(commandWord);

export const isoDate = z
  .string()
  .refine((value) => /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(value) && !Number.isNaN(Date.parse(value)), {
    error: 'not a date: write an ISO 8601 date such as "2025-01-31"',
  });

export const nonEmpty = z.string().min(1, { error: "must not be empty" });
