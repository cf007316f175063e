import { resolveAmi } from "../resolver";
import { AwsCallError } from "../core/errors";
import type { AwsClients } from "../core/clients";
import type { RegionOutcome } from "./region-outcome";
import type { ResolveOptions, Template } from "../resolver/types";

/**
 * `cws ami test --json` and `GET /ami/test/{template}` (and `POST /ami/test`): one template resolved in many regions,
 * computed here once so the CLI and the HTTP API print the same list.
 */

/**
 * Resolves a template in every region concurrently: a result per region, or the error that region threw (an AWS
 * failure keeps its kind and hint, so a pipeline can tell expired credentials from "no AMI"). `onSettled` runs as
 * each region finishes (progress).
 */
export async function resolveInRegions(
  template: Template,
  regions: readonly string[],
  options: Omit<ResolveOptions, "region">,
  clients: AwsClients,
  onSettled: () => void = () => {},
): Promise<RegionOutcome[]> {
  return Promise.all(
    regions.map(async (region): Promise<RegionOutcome> => {
      try {
        return await resolveAmi(template, { ...options, region }, clients);
      } catch (error) {
        const e = error instanceof Error ? error : new Error(String(error));
        const detail = e instanceof AwsCallError ? e.toJSON() : { message: e.message };
        return { template: template.name, region, error: { name: e.name, ...detail } };
      } finally {
        onSettled();
      }
    }),
  );
}
