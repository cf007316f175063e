import type { DiffResult } from "@pulumi/pulumi/dynamic";
import { containsUnknown } from "../host";
import { canonicalJson } from "../pin/shared-decision";

/**
 * Keys whose change means a different place: the resolution is replaced. A different AMI alone is an in-place update:
 * the instance is replaced anyway (its `ami` changes), and Pulumi re-runs check WITHOUT the old inputs for a resource
 * it replaces, which would drop the `resolutionNote` that says why (seen with the real engine).
 */
const REPLACE_KEYS = ["region", "architecture"] as const;

/**
 * Never compared: where the template was found (a path, a directory list, an inline object, parameters — what it
 * says is in templateHash/pinKey and the resolution; otherwise a checkout at another path, CI vs a laptop, would show
 * every workstation as changing), the bookkeeping of a copy we made, and the fleet's prefetched questions.
 */
const IGNORED_KEYS = [
  "__provider",
  "template",
  "templatesDirs",
  // Absent from states written before it was recorded: such a state must preview clean.
  "templatesDirsInProject",
  "templateObject",
  "parameters",
  "copiedImageId",
  "copyMadeByUs",
  "copyPending",
  // The wave's questions ride on its first resolution only to be answered together (pin/program-fleet-prefetch.ts),
  // and its pins are kept there for the next run's prefetch (pin/provider-fleet-prefetch.ts).
  "fleetQuestions",
  "fleetPins",
  // Changes when AWS publishes a newer image, not when the stack changes: told in preview, never a diff.
  "freshness",
  // Stored by versions before the program rendered it; now only its hash is (compared when both sides have it).
  "userData",
] as const;

/**
 * Replacement when the region or architecture changes; an in-place update when the AMI changes (the instance, whose
 * `ami` changes, is replaced by its own diff) or anything else differs (refresh mode, retainCopyOnDelete…); no change
 * when the resolution is identical. `olds` are the old OUTPUTS, `news` the new checked inputs.
 * Internal. Exported for testing.
 */
export function diff(olds: Record<string, unknown>, news: Record<string, unknown>): DiffResult {
  const replaces = REPLACE_KEYS.filter((key) => {
    const next = news[key];
    return next !== undefined && !containsUnknown(next) && canonicalJson(next) !== canonicalJson(olds[key]);
  });
  const ignored = new Set<string>(IGNORED_KEYS);
  // A pending copy's amiId is not known yet; while our copy exists, check fills it in, so compare only when present.
  if (news.amiId === undefined && news.copyPending) ignored.add("amiId");
  // A state from before userDataHash: check verified the script still renders the same, so its new hash is no change.
  if (olds.userDataHash === undefined) ignored.add("userDataHash");
  const keys = new Set([...Object.keys(news), ...Object.keys(olds)]);
  const changed = [...keys].some(
    (key) => !ignored.has(key) && canonicalJson(news[key] ?? null) !== canonicalJson(olds[key] ?? null),
  );
  const resolved = typeof news.resolvedAmiId === "string";
  return { changes: replaces.length > 0 || !resolved || changed, replaces: [...replaces], deleteBeforeReplace: false };
}
