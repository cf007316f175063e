import { createAwsClients, type AwsClients } from "../../core/clients";
import { FLEET_QUESTION_KEYS } from "../fleet-prefetch";
import type { AmiResolutionInputs, AmiResolutionOutputs } from "./fields";

// The fields are declared in fields.ts (shared with the program side); these names are what the provider's modules use.
export { type AmiResolutionInputs, type AmiResolutionOutputs, OUTPUT_KEYS } from "./fields";

export type AmiResolutionState = AmiResolutionInputs & AmiResolutionOutputs;

/**
 * Inputs that decide the resolution: if any is unknown, check resolves nothing and the outputs stay unknown. The
 * question a fleet's prefetch asks (FLEET_QUESTION_KEYS), plus the refresh mode and the copy owner.
 */
export const RESOLUTION_INPUT_KEYS = [...FLEET_QUESTION_KEYS, "refresh", "copyOwner"] as const;

let cachedClients: { endpoint: string | undefined; clients: AwsClients } | undefined;

/** createAwsClients() defaults: AWS_ENDPOINT_URL and the SDK credential chain of this process. */
export function defaultClients(): AwsClients {
  const endpoint = process.env.AWS_ENDPOINT_URL || undefined;
  if (!cachedClients || cachedClients.endpoint !== endpoint) {
    cachedClients = { endpoint, clients: createAwsClients() };
  }
  return cachedClients.clients;
}
