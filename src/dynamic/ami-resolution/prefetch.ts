import { resolveAmi } from "../../resolver";
import { defaultImageCache, MAX_EXPECTED_IMAGES } from "../../core/image-cache";
import type { ResolutionResult, ResolveOptions } from "../../resolver/types";
import type { AwsClients } from "../../core/clients";
import { isAmiId, REGION_NAME_PATTERN } from "../../core/aws-ids";
import type { Template } from "../../templates/schema";
import type { AmiResolutionInputs } from "./state";
import { loadTemplateInput } from "./template-input";

/**
 * Per region, the AMIs a wave's resolutions were answered with, newest answers first: where the pins of the wave's
 * resolutions most likely are. Kept on the wave's first resolution (its `fleetPins`) from one run to the next.
 */
export type FleetPins = Record<string, string[]>;

/** One question, as its own check would ask it. */
export async function resolveQuestion(
  template: Template,
  inputs: AmiResolutionInputs,
  clients: AwsClients,
  now: Date,
): Promise<ResolutionResult> {
  const options: ResolveOptions = {
    region: inputs.region,
    ...(inputs.architecture ? { architecture: inputs.architecture } : {}),
    ...(inputs.instanceType ? { instanceType: inputs.instanceType } : {}),
    ...(inputs.size ? { size: inputs.size } : {}),
    ...(inputs.strategy ? { strategy: inputs.strategy } : {}),
    ...(inputs.allowCrossRegionCopy !== undefined ? { allowCrossRegionCopy: inputs.allowCrossRegionCopy } : {}),
    now,
  };
  return resolveAmi(template, options, clients);
}

/**
 * Answers a wave of the program's questions at once (see fleet-prefetch.ts): concurrent resolutions meet in the
 * process-wide cache, which batches their parameter and image lookups per region; the checks that follow (one at a
 * time, as the engine calls them) then read the cache. The wave's pins from its previous run ride along with the
 * by-id lookups (`expectImages`), so a pin no answer returns any more (an image a parameter no longer names) is
 * validated in the same call rather than one call per check. A question that fails here is left to its own check to
 * report. Returns the pins to keep for the next run.
 */
export async function prefetchFleet(
  questions: AmiResolutionInputs[],
  previousPins: FleetPins,
  clients: AwsClients,
  now: Date,
): Promise<FleetPins> {
  for (const [region, ids] of Object.entries(previousPins)) defaultImageCache.expectImages(clients.ec2(region), ids);
  const answers: FleetPins = {};
  await Promise.all(
    questions.map(async (question) => {
      try {
        const result = await resolveQuestion(loadTemplateInput(question).template, question, clients, now);
        if (result.amiId) (answers[result.sourceRegion ?? question.region] ??= []).push(result.amiId);
      } catch {
        // Reported, with its field, by the check of the resolution that asks this question.
      }
    }),
  );
  return mergePins(
    answers,
    previousPins,
    (region, id) => defaultImageCache.knownImage(clients.ec2(region), id) !== "absent",
  );
}

/**
 * This run's answers, then the previous pins that may still exist (`mayExist` false: AWS said it does not), without
 * repeats, at most MAX_EXPECTED_IMAGES per region (what one lookup carries along). Internal. Exported for testing.
 */
export function mergePins(
  answers: FleetPins,
  previous: FleetPins,
  mayExist: (region: string, id: string) => boolean,
): FleetPins {
  const merged: FleetPins = {};
  for (const region of [...new Set([...Object.keys(answers), ...Object.keys(previous)])].sort()) {
    const kept = [...(answers[region] ?? []), ...(previous[region] ?? []).filter((id) => mayExist(region, id))];
    const unique = [...new Set(kept)].slice(0, MAX_EXPECTED_IMAGES);
    if (unique.length) merged[region] = unique;
  }
  return merged;
}

/** The `fleetPins` a previous check stored, read defensively (state can be edited): well-formed regions and AMI ids. */
export function readFleetPins(value: unknown): FleetPins {
  if (!value || typeof value !== "object" || Array.isArray(value)) return {};
  const pins: FleetPins = {};
  for (const [region, ids] of Object.entries(value as Record<string, unknown>)) {
    if (!REGION_NAME_PATTERN.test(region) || !Array.isArray(ids)) continue;
    const valid = ids.filter((id): id is string => typeof id === "string" && isAmiId(id));
    if (valid.length) pins[region] = valid.slice(0, MAX_EXPECTED_IMAGES);
  }
  return pins;
}
