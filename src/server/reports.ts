import {
  captureImage,
  copyImage,
  imageSnapshotIds,
  renderSavedTemplateYaml,
  shareImage,
  type CaptureMode,
  type CaptureResult,
  type ProgressCallback,
  type SharingOptions,
} from "../imaging";
import { checkAccountRegions } from "../core/account-regions";
import { InvalidInputError } from "../core/errors";
import { resolveAmi } from "../resolver";
import { REGION_FALLBACKS, crossRegionSearchOrder, regionFallbacks } from "../resolver/regions-fallback";
import type { ResolutionResult, ResolveOptions, Template } from "../resolver/types";
import type { AwsClients } from "../core/clients";

/**
 * The JSON objects of `cws ami test`, `cws ami copy` and `cws ami share --json`, built by pure-ish functions (the
 * CLI builds them inside its commands' run()). Internal to the server; the CLI may call these too.
 */

/** One element of `cws ami test --json`: a result, or the error that region threw. */
export type RegionOutcome =
  ResolutionResult | { template: string; region: string; error: { name: string; message: string } };

/** `cws ami test --json`: every region resolved concurrently; a region that throws is reported, not fatal. */
export async function resolveInRegions(
  template: Template,
  regions: readonly string[],
  options: Omit<ResolveOptions, "region">,
  clients: AwsClients,
): Promise<RegionOutcome[]> {
  return Promise.all(
    regions.map(async (region): Promise<RegionOutcome> => {
      try {
        return await resolveAmi(template, { ...options, region }, clients);
      } catch (error) {
        const e = error instanceof Error ? error : new Error(String(error));
        return { template: template.name, region, error: { name: e.name, message: e.message } };
      }
    }),
  );
}

/** `cws ami copy --json`. */
export interface CopyReport {
  sourceAmiId: string;
  sourceRegion: string;
  copies: Record<string, string>;
  failures: Record<string, string>;
}

/** Copies to every target in parallel; a failed copy is cleaned up by the engine and the others are kept. */
export async function copyToRegions(
  clients: AwsClients,
  input: {
    sourceAmiId: string;
    sourceRegion: string;
    targetRegions: string[];
    name?: string;
    encrypted?: boolean;
    timeoutMs?: number;
    signal?: AbortSignal;
    onProgress?: ProgressCallback;
  },
): Promise<CopyReport> {
  await checkAccountRegions(clients, input.sourceRegion, input.targetRegions, "targetRegions", input.signal);
  const outcomes = await Promise.allSettled(
    input.targetRegions.map((targetRegion) =>
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
  const copies: Record<string, string> = {};
  const failures: Record<string, string> = {};
  outcomes.forEach((outcome, index) => {
    if (outcome.status === "fulfilled") copies[input.targetRegions[index]] = outcome.value.amiId;
    else failures[input.targetRegions[index]] = (outcome.reason as Error).message;
  });
  // An input mistake (unknown source image) is the same for every region: report it once, as such.
  const first = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
  if (first && Object.keys(copies).length === 0 && (first.reason as Error).name === InvalidInputError.name)
    throw first.reason;
  return { sourceAmiId: input.sourceAmiId, sourceRegion: input.sourceRegion, copies, failures };
}

/** `cws ami share --json`: `{ region, amiId, launchPermissions, snapshotIds, …, operation }`. */
export async function shareInRegion(
  clients: AwsClients,
  input: { amiId: string; region: string; sharing: SharingOptions; remove: boolean },
) {
  const ec2 = clients.ec2(input.region);
  const snapshotIds = await imageSnapshotIds(ec2, input.amiId);
  const operation = input.remove ? ("remove" as const) : ("add" as const);
  const result = await shareImage(ec2, input.amiId, input.sharing, { snapshotIds, operation });
  return { region: input.region, ...result, operation };
}

/** A capture (`POST /api/v1/ami/create`): the engine's result and the YAML of a template launching from it. */
export async function captureForTemplate(
  clients: AwsClients,
  input: {
    instanceId: string;
    region: string;
    templateName: string;
    description?: string;
    mode?: CaptureMode;
    baseTemplate?: string;
    signal?: AbortSignal;
    onProgress?: ProgressCallback;
  },
): Promise<CaptureResult & { templateYaml: string }> {
  const capture = await captureImage(clients.ec2(input.region), {
    instanceId: input.instanceId,
    region: input.region,
    templateName: input.templateName,
    description: input.description,
    mode: input.mode,
    signal: input.signal,
    onProgress: input.onProgress,
  });
  const templateYaml = renderSavedTemplateYaml({
    templateName: input.templateName,
    description: input.description,
    baseTemplate: input.baseTemplate,
    amiMappings: { [input.region]: { [capture.architecture]: capture.amiId } },
    ownerId: capture.ownerId,
    architecture: capture.architecture,
    sourceInstanceId: input.instanceId,
    createdAt: new Date(),
  });
  return { ...capture, templateYaml };
}

/** `GET /api/v1/regions/fallbacks`: the whole map, or one region's neighbours and cross-region search order. */
export function fallbacksReport(region?: string, maxHops = 1) {
  if (region === undefined) return { fallbacks: REGION_FALLBACKS };
  return { region, fallbacks: regionFallbacks(region), searchOrder: crossRegionSearchOrder(region, maxHops) };
}
