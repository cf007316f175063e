import { InvalidInputError } from "../core/errors";
import type { LoadedEntry } from "./loader";
import type { SignatureVerdict } from "./signatures";
import type { OpenedCatalog } from "./store";

/**
 * What `cws catalog browse|show` print and the server's catalog endpoints answer: one view of a catalog, computed
 * here so the CLI and the HTTP API can never disagree.
 */

export interface BrowseRow {
  template: string;
  version: string;
  file: string;
  valid: boolean;
  channels: string[];
  regions: string[];
  rating?: { average: number; count: number };
  verification?: Record<string, unknown>;
  creator?: string;
  signature?: SignatureVerdict;
  revoked?: { reason: string; at: string };
}

export function browseRow(loaded: LoadedEntry, signature: SignatureVerdict | undefined): BrowseRow {
  const entry = loaded.entry;
  return {
    template: loaded.template,
    version: loaded.version,
    file: loaded.file,
    valid: entry !== undefined,
    channels: entry?.channels ?? [],
    regions: entry ? Object.keys(entry.regions).sort() : [],
    ...(loaded.rating ? { rating: loaded.rating } : {}),
    ...(entry?.verification ? { verification: entry.verification } : {}),
    ...(entry ? { creator: entry.creator } : {}),
    ...(signature ? { signature } : {}),
    ...(entry?.revoked ? { revoked: entry.revoked } : {}),
  };
}

export interface BrowseFilter {
  template?: string;
  region?: string;
  channel?: string;
  creator?: string;
  /** Only these templates (e.g. those of one category, which the caller reads from its templates). */
  templates?: readonly string[];
}

/** The entries of an opened catalog as browse rows (signatures verified), filtered like `cws catalog browse`. */
export async function browseCatalog(opened: OpenedCatalog, filter: BrowseFilter = {}): Promise<BrowseRow[]> {
  const signatures = await verifyAll(opened);
  return opened.catalog.entries
    .filter((e) => filter.template === undefined || e.template === filter.template)
    .filter((e) => filter.templates === undefined || filter.templates.includes(e.template))
    .map((e) => browseRow(e, signatures.get(e)))
    .filter((r) => filter.region === undefined || r.regions.includes(filter.region))
    .filter((r) => filter.channel === undefined || r.channels.includes(filter.channel))
    .filter((r) => filter.creator === undefined || r.creator === filter.creator);
}

/** One entry with its signature verdict (the one browse and verify accept) and reviews: `cws catalog show --json`. */
export async function entryView(opened: OpenedCatalog, template: string, version?: string) {
  const loaded = findEntry(opened, template, version);
  const signature = loaded.entry ? await acceptedSignature(opened, loaded) : undefined;
  return {
    loaded,
    json: {
      catalog: opened.name,
      ...(opened.commit ? { commit: opened.commit } : {}),
      file: loaded.file,
      entry: loaded.entry ?? null,
      issues: loaded.issues,
      signature: signature ?? null,
      ...(loaded.rating ? { rating: loaded.rating } : {}),
      reviews: loaded.reviews.map((r) => r.review),
    },
  };
}

export function findEntry(opened: OpenedCatalog, template: string, version?: string): LoadedEntry {
  const entries = opened.catalog.entries.filter((e) => e.template === template);
  const found = version === undefined ? entries[0] : entries.find((e) => e.version === version);
  if (!found) {
    const known = entries.map((e) => e.version).join(", ");
    throw new InvalidInputError(
      version === undefined
        ? `catalog ${opened.name} has no entries for ${template}`
        : `catalog ${opened.name} has no ${template}@${version}${known ? ` (it has ${known})` : ""}`,
    );
  }
  return found;
}

/** Signature of every valid entry, a few ssh-keygen processes at a time. */
export async function verifyAll(opened: OpenedCatalog): Promise<Map<LoadedEntry, SignatureVerdict | undefined>> {
  const verdicts = new Map<LoadedEntry, SignatureVerdict | undefined>();
  const queue = [...opened.catalog.entries];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift())
      verdicts.set(next, next.entry ? await acceptedSignature(opened, next) : undefined);
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return verdicts;
}

/**
 * The creator's signature, except for revoked entries: a revocation may be signed by any allowed signer (a lab admin
 * revoking someone else's image), since a revoked entry is refused whatever its signature says. That signer's
 * signature must still verify: a revocation edited after it was signed is reported as such.
 */
async function acceptedSignature(opened: OpenedCatalog, loaded: LoadedEntry): Promise<SignatureVerdict> {
  const verdict = await opened.verifySignature(loaded);
  if (verdict.ok || !loaded.entry?.revoked || !verdict.signedBy) return verdict;
  let revoker: SignatureVerdict = verdict;
  for (const principal of verdict.signedBy) {
    revoker = await opened.verifySignature(loaded, principal);
    if (revoker.ok) return { ...revoker, revocation: true };
  }
  return revoker;
}
