import { canonicalJson, sha256 } from "../../templates/hash";
import { chainLine } from "../../resolver/chain-symbols";
import type { FallbackStep, Strategy } from "../../resolver/types";

/**
 * Pure decisions behind the AmiResolution dynamic resource: what counts as "the same resolution question", when a
 * previous answer is kept, and how the fallback chain reads in `pulumi preview`. No AWS, no Pulumi: shared by the
 * program (the refresh modes, `cloudworkstation/testing`) and the provider, which feeds it what AWS says now
 * (provider-decision.ts).
 */

/** `pinned`: keep the AMI a previous run chose while the question is unchanged; `latest`: resolve on every run. */
export const REFRESH_MODES = ["pinned", "latest"] as const;
export type RefreshMode = (typeof REFRESH_MODES)[number];

// One canonical JSON and hash for pins, built images and templates (templates/hash.ts).
export { canonicalJson, sha256 } from "../../templates/hash";

export interface PinQuestion {
  /** The template's `ami_config` (undefined when it has none). */
  amiConfig: unknown;
  region: string;
  /** What was asked for: an explicit architecture, else the instance type's, else "template default". */
  architecture: string;
  /** Overrides that change the rules of the resolution, as much as ami_config itself does. */
  strategy?: Strategy;
  allowCrossRegionCopy?: boolean;
  /**
   * `amiGeneration`: bumped on purpose (a reviewed change to the fleet file) to move a pinned workstation to what a
   * fresh resolution picks now. 0 (the default) leaves the key exactly as it was before generations existed.
   */
  generation?: number;
}

/**
 * The pin key: a stable hash of everything that decides WHICH AMI is right (ami_config + region + architecture and
 * the overrides of the strategy and copy consent), then `@generation:N` when the generation is above 0 (readable, so
 * a change of generation alone is told apart from a change of the question). While it is unchanged a pinned
 * resolution is kept. Internal. Exported for testing.
 */
export function pinKey(question: PinQuestion): string {
  const hash = sha256(
    canonicalJson({
      amiConfig: question.amiConfig ?? null,
      region: question.region,
      architecture: question.architecture,
      strategy: question.strategy ?? null,
      allowCrossRegionCopy: question.allowCrossRegionCopy ?? null,
    }),
  );
  const generation = Number.isInteger(question.generation) ? (question.generation as number) : 0;
  return generation > 0 ? `${hash}${GENERATION_MARK}${generation}` : hash;
}

const GENERATION_MARK = "@generation:";

/** The hash and the generation of a pin key (generation 0 when it has no mark). */
function splitPinKey(key: string): { hash: string; generation: number } {
  const at = key.indexOf(GENERATION_MARK);
  if (at < 0) return { hash: key, generation: 0 };
  return { hash: key.slice(0, at), generation: Number(key.slice(at + GENERATION_MARK.length)) || 0 };
}

export { templateHash } from "../../templates/hash";

/** What a previous check stored, as far as pinning cares. */
export interface PreviousResolution {
  amiId: string;
  pinKey: string;
  templateHash: string;
  method: string;
  region: string;
}

/** The pinned AMI's state, from one DescribeImages in its region. */
export type PinnedImageState = { valid: true } | { valid: false; reason: string };

export type PinDecision =
  | { keep: true }
  /** `why` is the first line of the new chain ("↻ re-resolved: …"), or undefined for a first resolution. */
  | { keep: false; why?: string };

/**
 * Whether to keep the previous resolution. With `pinned`, a previous answer is kept while the pin key is unchanged,
 * the pinned AMI is still launchable and (on the script path, whose user data is rendered from the whole template)
 * the template is unchanged. Internal. Exported for testing.
 */
export function decidePin(input: {
  refresh: RefreshMode;
  previous: PreviousResolution | undefined;
  pinKey: string;
  templateHash: string;
  /** Undefined when not looked up (the decision did not need it). */
  imageState?: PinnedImageState;
}): PinDecision {
  const { previous } = input;
  if (!previous) return { keep: false };
  if (input.refresh === "latest") return { keep: false };
  if (previous.pinKey !== input.pinKey) {
    const before = splitPinKey(previous.pinKey);
    const after = splitPinKey(input.pinKey);
    if (before.hash === after.hash) {
      return {
        keep: false,
        why: `↻ re-resolved: amiGeneration ${before.generation} → ${after.generation} (an upgrade asked for on purpose; ${previous.amiId} was pinned)`,
      };
    }
    return {
      keep: false,
      why: `↻ re-resolved: the template's ami_config, the region, the architecture or the strategy changed since ${previous.amiId} was pinned`,
    };
  }
  if (previous.method === "fallback_script" && previous.templateHash !== input.templateHash) {
    return {
      keep: false,
      why: "↻ re-resolved: the template changed and this workstation is script-provisioned (its user data is rendered from the template)",
    };
  }
  if (input.imageState && !input.imageState.valid) {
    return { keep: false, why: `↻ re-resolved: pinned ${previous.amiId} ${input.imageState.reason}` };
  }
  return { keep: true };
}

/**
 * One readable line per tier, e.g. `✓ dynamic_search: selected ami-… (ubuntu/… 2026-10-30, owner 099720109477)`,
 * from the one symbol table (resolver/chain-symbols). Deterministic, so the chain can live in Pulumi state.
 * Internal. Exported for testing.
 */
export function formatChain(steps: readonly FallbackStep[]): string[] {
  return steps.map(chainLine);
}

/** Describes why a pinned AMI is no longer launchable, from its DescribeImages record (undefined: not found). */
export function pinnedImageState(
  image: { State?: string; DeprecationTime?: string } | undefined,
  now: Date,
): PinnedImageState {
  if (!image) return { valid: false, reason: "was deregistered (DescribeImages no longer returns it)" };
  if (image.State !== "available")
    return { valid: false, reason: `is ${image.State ?? "in an unknown state"}, not available` };
  if (image.DeprecationTime) {
    const at = Date.parse(image.DeprecationTime);
    if (!Number.isNaN(at) && at <= now.getTime())
      return { valid: false, reason: `is deprecated since ${image.DeprecationTime}` };
  }
  return { valid: true };
}

/** The first chain line when `refresh: latest` moved the workstation to a different AMI. */
export function latestReplacedLine(previousAmiId: string, newAmiId: string): string {
  return `↻ refresh: latest — ${newAmiId} replaced ${previousAmiId} (the previous pick; a newer or better-ranked image now wins)`;
}
