import { createAwsClients, type AwsClients } from "../../core/clients";
import type { ResolutionResult } from "../../resolver/types";
import type { Architecture, Size, Strategy } from "../../templates/schema";
import { FLEET_QUESTION_KEYS } from "../fleet-prefetch";
import type { RefreshMode } from "../pinning";
import type { AmiFreshness } from "./freshness-line";

/** The inputs of an AmiResolution, as the provider receives them (plain values). */
export interface AmiResolutionInputs {
  /** A template name (looked up in `templatesDirs`, then the shipped templates) or a path to a template file. */
  template?: string;
  templatesDirs?: string[];
  /**
   * `templatesDirs` relative to the Pulumi project's root (set by the program, template-input.ts): read by
   * `cws ami outdated`/`upgrade` from a checkout at another path. Never compared by diff.
   */
  templatesDirsInProject?: string[];
  /** An inline template object (validated like a file). Give this or `template`. */
  templateObject?: Record<string, unknown>;
  /** Values for the template's `parameters`. */
  parameters?: Record<string, string | number | boolean>;
  region: string;
  architecture?: Architecture;
  instanceType?: string;
  size?: Size;
  strategy?: Strategy;
  refresh?: RefreshMode;
  allowCrossRegionCopy?: boolean;
  retainCopyOnDelete?: boolean;
  /** Identifies copies this resource makes (tagged on the copy), so a later check finds its own copy. */
  copyOwner?: string;
  /** Bound on waiting for a cross-region copy to become available; default 3600. */
  copyTimeoutSeconds?: number;
  /** On a wave's first resolution only: every question of the wave, answered together by its check (fleet-prefetch.ts). */
  fleetQuestions?: Record<string, unknown>[];
}

/** What a resolution adds to the inputs (and stores in Pulumi state). Nothing here changes between identical runs. */
export interface AmiResolutionOutputs {
  /** The AMI to launch in `region`: the copy's id for a cross-region copy (absent while the copy is not made yet). */
  amiId?: string;
  /** The AMI the resolver selected (for a cross-region copy, the source AMI in `sourceRegion`). */
  resolvedAmiId: string;
  method: ResolutionResult["method"];
  /** One line per tier, exactly as the resolver decided; why it was re-resolved is `resolutionNote`, not a line here. */
  fallbackChain: string[];
  /**
   * Why this resolution replaced an earlier one (a "↻ …" line: the pinned AMI was deregistered, ami_config changed,
   * refresh: latest found a newer image…), or null for a first resolution. Kept while the resolution is kept.
   */
  resolutionNote: string | null;
  architecture: Architecture;
  instanceType: string;
  /**
   * sha256 of the provisioning script, on the script path only (else null). The script itself is not stored: the
   * program renders it from the template (template-input.ts); check re-resolves a kept resolution whose script would
   * render differently. Optional outputs are null, never absent: an absent output reads as unknown in a preview.
   */
  userDataHash: string | null;
  /** Estimate, not a measurement. */
  estimatedLaunchSeconds: number;
  sourceRegion: string | null;
  strategy: Strategy;
  templateName: string;
  templateVersion: string | null;
  /** Estimate, not a measurement (null when the price snapshot has no price). */
  estimatedCostPerHour: number | null;
  costLabel: string;
  costComparison: string;
  warnings: string[];
  /** What was asked (the inputs `architecture`/`instanceType`/`size` are replaced by the resolved values). */
  request: { architecture?: string; instanceType?: string; size?: string };
  pinKey: string;
  templateHash: string;
  /** A consented cross-region copy still to be made by create/update. */
  copyPending?: boolean;
  copiedImageId?: string;
  copyMadeByUs?: boolean;
  /**
   * On a wave's first resolution only: per region, the AMIs the wave was answered with (prefetch.ts), looked up with
   * the next run's prefetch so the wave's pins are validated in the same calls. Never compared by diff.
   */
  fleetPins?: Record<string, string[]>;
  /**
   * Computed by every check and never compared by diff (it changes when AWS publishes, not when the stack does):
   * the state holds it as of the last create, update or refresh. Null while nothing is launched yet.
   */
  freshness?: AmiFreshness | null;
}

export type AmiResolutionState = AmiResolutionInputs & AmiResolutionOutputs;

/**
 * Inputs that decide the resolution: if any is unknown, check resolves nothing and the outputs stay unknown. The
 * question a fleet's prefetch asks (FLEET_QUESTION_KEYS), plus the refresh mode and the copy owner.
 */
export const RESOLUTION_INPUT_KEYS = [...FLEET_QUESTION_KEYS, "refresh", "copyOwner"] as const;

/** Keys the resolution writes (check strips stale ones from the news; a kept resolution copies them from olds). */
export const OUTPUT_KEYS = [
  "amiId",
  "resolvedAmiId",
  "method",
  "fallbackChain",
  "resolutionNote",
  "userDataHash",
  "estimatedLaunchSeconds",
  "sourceRegion",
  "templateName",
  "templateVersion",
  "estimatedCostPerHour",
  "costLabel",
  "costComparison",
  "warnings",
  "request",
  "pinKey",
  "templateHash",
  "copyPending",
  "copiedImageId",
  "copyMadeByUs",
  "freshness",
] as const;

let cachedClients: { endpoint: string | undefined; clients: AwsClients } | undefined;

/** createAwsClients() defaults: AWS_ENDPOINT_URL and the SDK credential chain of this process. */
export function defaultClients(): AwsClients {
  const endpoint = process.env.AWS_ENDPOINT_URL || undefined;
  if (!cachedClients || cachedClients.endpoint !== endpoint) {
    cachedClients = { endpoint, clients: createAwsClients() };
  }
  return cachedClients.clients;
}
