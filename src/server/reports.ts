import {
  captureImage,
  renderSavedTemplateYaml,
  type CaptureMode,
  type CaptureResult,
  type ProgressCallback,
} from "../imaging";
import { REGION_FALLBACKS, crossRegionSearchOrder, regionFallbacks } from "../resolver/regions-fallback";
import type { AwsClients } from "../core/clients";

/**
 * What only the API serves (a capture for a template, the fallback map); the use cases the CLI shares live in
 * `src/ops/`.
 */

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
