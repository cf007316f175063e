import { createHash } from "node:crypto";

/** JSON with object keys sorted at every depth and undefined values dropped: equal content, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as Record<string, unknown>).sort()) {
      const entry = (value as Record<string, unknown>)[key];
      if (entry !== undefined) out[key] = sortKeys(entry);
    }
    return out;
  }
  return value;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * A stable hash of a whole (loaded, merged) template: what the script path renders user data from, so what a built
 * image contains. Pinned resolutions and built images both key on it; the same content always gives the same hash.
 */
export function templateHash(template: unknown): string {
  return sha256(canonicalJson(template));
}
