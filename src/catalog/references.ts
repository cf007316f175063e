import type { Template } from "../templates/schema";
import { defaultCatalogStore, type CatalogStore, type OpenedCatalog } from "./store";

/**
 * What the lifecycle tools ask of a catalog: was the AMI a workstation runs revoked (`cws ami outdated`), and which
 * AMIs do stable entries still vouch for (`cws ami retire` never retires those).
 */

/** Every AMI id an entry lists for a region (either form of the mapping). */
function amisIn(mapping: unknown): string[] {
  if (typeof mapping === "string") return [mapping];
  if (mapping && typeof mapping === "object")
    return Object.values(mapping).filter((v): v is string => typeof v === "string");
  return [];
}

/** What a revocation check reads of a freshness question (resolver/freshness.ts asks it, the catalog answers). */
export interface RevocationQuestion {
  template: Template;
  region: string;
  amiId: string;
}

/**
 * A freshness revocation check for templates that resolve through a catalog: the AMI in use is `revoked` when an
 * entry of that template lists it in that region and carries a revocation. A catalog that cannot be opened is an
 * error, never "not revoked". Typed here, not by the resolver's RevocationCheck: the catalog sits below the resolver.
 */
export function catalogRevocation(
  store: CatalogStore = defaultCatalogStore,
): (question: RevocationQuestion) => Promise<{ revoked: true; reason: string } | undefined> {
  return async (question) => {
    const source = question.template.ami_config?.catalog?.source;
    if (!source) return undefined;
    const opened = await store.open(source);
    for (const loaded of opened.catalog.entries) {
      const entry = loaded.entry;
      if (!entry?.revoked || loaded.template !== question.template.name) continue;
      const listed = amisIn((entry.regions as Record<string, unknown>)[question.region]);
      if (listed.includes(question.amiId)) {
        return {
          revoked: true,
          reason: `${entry.template} ${entry.version} was revoked in catalog ${opened.name} on ${entry.revoked.at}: ${entry.revoked.reason}`,
        };
      }
    }
    return undefined;
  };
}

/** AMI id → "template@version" for every unrevoked entry in the `stable` channel, in one region. */
export function stableCatalogAmis(opened: OpenedCatalog, region: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const loaded of opened.catalog.entries) {
    const entry = loaded.entry;
    if (!entry || entry.revoked || !entry.channels.includes("stable")) continue;
    for (const amiId of amisIn((entry.regions as Record<string, unknown>)[region])) {
      found.set(amiId, `${entry.template}@${entry.version} (${opened.name})`);
    }
  }
  return found;
}
