import type { FallbackStep, StepOutcome } from "./types";

/**
 * The ONE outcome → symbol table for fallback-chain lines (Pulumi outputs, `cws` output, the HTTP API).
 * `⚠` marks an error (AWS failure, timeout), kept apart from `✗` (looked, found nothing usable): an expired
 * credential must never read like "no AMI exists".
 */
export const CHAIN_SYMBOLS = {
  selected: "✓",
  rejected: "✗",
  not_found: "✗",
  error: "⚠",
  not_configured: "–",
  skipped: "–",
} as const satisfies Record<StepOutcome, string>;

export type ChainSymbol = (typeof CHAIN_SYMBOLS)[StepOutcome];

/**
 * One deterministic line per step, e.g. `✓ dynamic_search: selected ami-… (…)` or `⚠ ssm_parameter [eu-west-1]: …`
 * (the region only when the step looked outside the target region), so the chain can live in Pulumi state.
 */
export function chainLine(step: FallbackStep): string {
  const where = step.region ? ` [${step.region}]` : "";
  return `${CHAIN_SYMBOLS[step.outcome]} ${step.tier}${where}: ${step.detail}`;
}
