import type { FallbackStep, ResolutionResult } from "../../resolver/types";
import type { Template } from "../../templates/schema";
import { CatalogSourceError } from "../../catalog/source";
import { defaultCatalogStore, type CatalogStore } from "../../catalog/store";

/**
 * Whether a pinned resolution's catalog version may still be launched. A pinned AmiResolution keeps its AMI while
 * its question is unchanged; for `method: catalog` it must also re-resolve when the version it came from is revoked
 * or removed from the catalog, and say so on the chain's first line. The catalog is read through the store, so a
 * preview of many workstations still fetches it once per source and ref.
 */

export type PinnedCatalogState =
  | { valid: true }
  | {
      valid: false;
      why: "revoked" | "removed";
      template: string;
      version: string;
      catalog: string;
      /** The revocation reason (revoked) or what is missing (removed). */
      reason: string;
      /** `↻ re-resolved: python-ml 2.1.0 was revoked in catalog acc-lab: openssl CVE-2026-1234` */
      chainLine: string;
    };

/**
 * The version a catalog selection names in its chain line (`selected ami-…: python-ml@2.1.0 (channel …`). Takes the
 * resolver's steps, or the formatted lines a dynamic resource keeps in state (`✓ catalog: selected ami-…: …`).
 */
export function pinnedCatalogVersion(
  chain: readonly (FallbackStep | string)[],
): { template: string; version: string } | undefined {
  for (const step of chain) {
    const text =
      typeof step === "string"
        ? /^\S+ catalog: (selected .*)$/.exec(step)?.[1]
        : step.tier === "catalog" && step.outcome === "selected"
          ? step.detail
          : undefined;
    const match = text === undefined ? undefined : /^selected \S+: (\S+)@(\S+) \(channel /.exec(text);
    if (match) return { template: match[1], version: match[2] };
  }
  return undefined;
}

/**
 * Checks a previous resolution against the catalog the template names now. Valid (nothing to do) unless the
 * previous resolution came from the catalog and its version is now revoked or gone. A catalog that cannot be
 * fetched throws CatalogSourceError: the caller must not keep or drop a pin on a guess.
 */
export async function checkPinnedCatalogVersion(
  template: Template,
  previous: { method: string; fallbackChain: readonly (FallbackStep | string)[] },
  store: CatalogStore = defaultCatalogStore,
): Promise<PinnedCatalogState> {
  const source = template.ami_config?.catalog?.source;
  if (previous.method !== "catalog" || !source) return { valid: true };
  const pinned = pinnedCatalogVersion(previous.fallbackChain);
  if (!pinned) return { valid: true };
  const opened = await store.open(source);
  if (!opened.catalog.manifest)
    throw new CatalogSourceError(`catalog ${source} is not valid; run cws catalog verify --catalog ${source}`, source);
  const loaded = opened.catalog.entries.find((e) => e.template === pinned.template && e.version === pinned.version);
  const base = { valid: false as const, ...pinned, catalog: opened.name };
  if (!loaded) {
    const reason = `entries/${pinned.template}/${pinned.version}.yml no longer exists`;
    return {
      ...base,
      why: "removed",
      reason,
      chainLine: `↻ re-resolved: ${pinned.template} ${pinned.version} was removed from catalog ${opened.name}`,
    };
  }
  const revoked = loaded.entry?.revoked;
  if (!revoked) return { valid: true };
  return {
    ...base,
    why: "revoked",
    reason: revoked.reason,
    chainLine: `↻ re-resolved: ${pinned.template} ${pinned.version} was revoked in catalog ${opened.name}: ${revoked.reason}`,
  };
}

/** A fresh resolution with the re-resolution note as its chain's first line (and in its warnings). */
export function withReResolutionNote(
  result: ResolutionResult,
  state: Extract<PinnedCatalogState, { valid: false }>,
): ResolutionResult {
  return {
    ...result,
    fallbackChain: [{ tier: "catalog", outcome: "rejected", detail: state.chainLine }, ...result.fallbackChain],
    warnings: [...result.warnings, state.chainLine],
  };
}
