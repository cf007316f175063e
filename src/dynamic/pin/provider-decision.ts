import type { CheckFailure } from "@pulumi/pulumi/dynamic";
import { CatalogSourceError } from "../../catalog/source";
import type { AwsClients } from "../../core/clients";
import { defaultImageCache } from "../../core/image-cache";
import { architectureOfInstanceType } from "../../resolver/instance-types";
import type { Architecture, Template } from "../../templates/schema";
import type { AmiResolutionInputs, AmiResolutionOutputs } from "../ami-resolution/state";
import { type LabelledTemplate, resolutionUserData } from "../ami-resolution/template-input";
import { checkPinnedCatalogVersion } from "./provider-catalog-recheck";
import {
  decidePin,
  latestReplacedLine,
  pinKey as computePinKey,
  pinnedImageState,
  sha256,
  templateHash as computeTemplateHash,
  type PinDecision,
  type PreviousResolution,
  type RefreshMode,
} from "./shared-decision";

/**
 * Provider side of the pin: whether the AmiResolution's check keeps the AMI a previous run chose. It reads what AWS
 * and the catalog say now (the pinned image's state, the pinned catalog version, the script as rendered now) and
 * feeds them to the pure decision (shared-decision.ts).
 */

/** The pin this check stores, the previous run's pin, and whether that one is kept. */
export interface PinOutcome {
  refresh: RefreshMode;
  pinKey: string;
  templateHash: string;
  previous: PreviousResolution | undefined;
  decision: PinDecision;
  /** For a kept resolution on the script path: the hash of its script as rendered now. */
  script?: { hash: string; changed: boolean };
}

/** The architecture the caller asked for, as the pin key sees it. */
function requestedArchitecture(
  news: Pick<AmiResolutionInputs, "architecture" | "instanceType">,
  template: Template,
): string {
  if (news.architecture) return news.architecture;
  if (news.instanceType) {
    try {
      return architectureOfInstanceType(news.instanceType);
    } catch {
      return `type:${news.instanceType}`;
    }
  }
  return template.ami_config?.preferred_architecture ?? "template-default";
}

function previousOf(olds: Record<string, unknown>): PreviousResolution | undefined {
  if (typeof olds.resolvedAmiId !== "string" || typeof olds.pinKey !== "string") return undefined;
  return {
    amiId: olds.resolvedAmiId,
    pinKey: olds.pinKey,
    templateHash: String(olds.templateHash ?? ""),
    method: String(olds.method ?? ""),
    region: String(olds.sourceRegion ?? olds.region ?? ""),
  };
}

/** Pin decision, looking the pinned image up only when the rest of the question says "keep". */
async function decide(
  refresh: RefreshMode,
  previous: PreviousResolution | undefined,
  key: string,
  hash: string,
  clients: AwsClients,
  now: Date,
): Promise<PinDecision> {
  const decision = decidePin({ refresh, previous, pinKey: key, templateHash: hash });
  if (!decision.keep || !previous) return decision;
  const image = await defaultImageCache.getImage(clients.ec2(previous.region), previous.amiId);
  return decidePin({ refresh, previous, pinKey: key, templateHash: hash, imageState: pinnedImageState(image, now) });
}

/**
 * Whether the previous resolution (`olds`) is kept for these inputs: its question, its image, its catalog version
 * and its script are all still what they were. A catalog that cannot be read is a failure, never a guess.
 */
export async function decideOnPin(
  olds: Record<string, unknown>,
  inputs: AmiResolutionInputs,
  { template, label }: Pick<LabelledTemplate, "template" | "label">,
  clients: AwsClients,
  now: Date,
): Promise<PinOutcome | { failure: CheckFailure }> {
  const refresh: RefreshMode = inputs.refresh ?? "pinned";
  const key = computePinKey({
    amiConfig: template.ami_config,
    region: inputs.region,
    architecture: requestedArchitecture(inputs, template),
    strategy: inputs.strategy,
    allowCrossRegionCopy: inputs.allowCrossRegionCopy,
    generation: (inputs as { generation?: number }).generation,
  });
  const hash = computeTemplateHash(template);
  const previous = previousOf(olds);
  let decision = await decide(refresh, previous, key, hash, clients, now);
  if (decision.keep && previous?.method === "catalog") {
    // A catalog version revoked (or removed) since it was pinned is re-resolved, saying so; an unreachable catalog is
    // a failure, never a guess either way.
    try {
      const pinned = await checkPinnedCatalogVersion(template, {
        method: "catalog",
        fallbackChain: Array.isArray(olds.fallbackChain) ? (olds.fallbackChain as string[]) : [],
      });
      if (!pinned.valid) decision = { keep: false, why: pinned.chainLine };
    } catch (error) {
      if (!(error instanceof CatalogSourceError)) throw error;
      return {
        failure: {
          property: "template",
          reason: `${label}: cannot check the pinned catalog version of ${previous.amiId}: ${error.message}`,
        },
      };
    }
  }
  const script = decision.keep ? pinnedScript(olds, template, inputs.region) : undefined;
  if (script?.changed) decision = { keep: false, why: SCRIPT_CHANGED_LINE };
  return { refresh, pinKey: key, templateHash: hash, previous, decision, ...(script ? { script } : {}) };
}

const SCRIPT_CHANGED_LINE =
  "↻ re-resolved: the provisioning script rendered from the unchanged template differs from the pinned one (a newer CloudWorkstation renders it differently; the workstation's user data changes)";

/**
 * For a kept resolution on the script path: the hash of its script as rendered now, and whether that differs from
 * the pinned one (`userDataHash`, or the `userData` text states written before it existed). The program renders the
 * script itself (template-input.ts), so a kept resolution must still render to exactly what was launched.
 */
function pinnedScript(
  olds: Record<string, unknown>,
  template: Template,
  region: string,
): { hash: string; changed: boolean } | undefined {
  if (olds.method !== "fallback_script" || typeof olds.architecture !== "string") return undefined;
  const pinned =
    typeof olds.userDataHash === "string"
      ? olds.userDataHash
      : typeof olds.userData === "string"
        ? sha256(olds.userData)
        : undefined;
  const hash = sha256(resolutionUserData(template, olds.architecture as Architecture, region));
  return { hash, changed: pinned !== undefined && pinned !== hash };
}

/** Why a new resolution replaced the previous one (null for a first resolution or an unchanged AMI). */
export function resolutionNote(
  { decision, previous, refresh }: Pick<PinOutcome, "decision" | "previous" | "refresh">,
  resolved: AmiResolutionOutputs,
  olds: Record<string, unknown>,
): string | null {
  if (!previous) return null;
  if (decision.keep)
    return `↻ re-resolved: the new instance type runs ${resolved.architecture}, the pinned ${previous.amiId} is ${String(olds.architecture)}`;
  if (decision.why) return decision.why;
  if (refresh === "latest" && previous.amiId !== resolved.resolvedAmiId)
    return latestReplacedLine(previous.amiId, resolved.resolvedAmiId);
  return null;
}
