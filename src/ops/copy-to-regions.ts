import { copyImage, type ProgressCallback } from "../imaging";
import { checkAccountRegions } from "../core/account-regions";
import { InvalidInputError } from "../core/errors";
import type { AwsClients } from "../core/clients";

/**
 * `cws ami copy --json` and the result of the `POST /ami/copy-region` job: one image copied to many regions,
 * computed here once so the CLI and the HTTP API report the same object.
 */

/** The copies that are available, and why the others failed (each failed copy was cleaned up by the engine). */
export interface CopyReport {
  sourceAmiId: string;
  sourceRegion: string;
  copies: Record<string, string>;
  failures: Record<string, string>;
}

export interface CopyToRegionsInput {
  sourceAmiId: string;
  sourceRegion: string;
  targetRegions: readonly string[];
  name?: string;
  encrypted?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
  /** The input the target regions came from (`--to-regions`, `targetRegions`), named when one is not enabled. */
  targetRegionsField?: string;
}

/**
 * Checks every region is enabled for the account (before any copy starts), then copies to every target in parallel;
 * a failed copy is cleaned up by the engine and the others are kept.
 */
export async function copyToRegions(clients: AwsClients, input: CopyToRegionsInput): Promise<CopyReport> {
  const targets = [...input.targetRegions];
  const field = input.targetRegionsField ?? "targetRegions";
  await checkAccountRegions(clients, input.sourceRegion, targets, field, input.signal);
  const outcomes = await Promise.allSettled(
    targets.map((targetRegion) =>
      copyImage(clients, {
        sourceAmiId: input.sourceAmiId,
        sourceRegion: input.sourceRegion,
        targetRegion,
        name: input.name,
        encrypted: input.encrypted === true,
        timeoutMs: input.timeoutMs,
        signal: input.signal,
        onProgress: input.onProgress,
      }),
    ),
  );
  const report: CopyReport = {
    sourceAmiId: input.sourceAmiId,
    sourceRegion: input.sourceRegion,
    copies: {},
    failures: {},
  };
  outcomes.forEach((outcome, index) => {
    if (outcome.status === "fulfilled") report.copies[targets[index]] = outcome.value.amiId;
    else report.failures[targets[index]] = (outcome.reason as Error).message;
  });
  // An input mistake (unknown source image) is the same for every region: report it once, as such.
  const first = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
  if (first && Object.keys(report.copies).length === 0 && first.reason instanceof InvalidInputError) throw first.reason;
  return report;
}
