import type { ResolutionResult } from "../resolver/types";

/**
 * One element of `cws ami test --json` and `GET /ami/test/{template}`. Apart from `resolve-in-regions.ts` (type-only
 * imports) so the CLI's formatter, loaded for `cws --help`, loads no resolver and no YAML parser.
 */

/** The error that stopped one region: `message` always; an AwsCallError adds its kind, hint, service, operation… */
export interface RegionError {
  template: string;
  region: string;
  error: { name: string; message: string; kind?: string; hint?: string; [detail: string]: unknown };
}

/** A region's resolution, or the error that stopped it. */
export type RegionOutcome = ResolutionResult | RegionError;

export function isRegionError(entry: RegionOutcome): entry is RegionError {
  return "error" in entry && !("method" in entry);
}
