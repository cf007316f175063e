import type { TemplatePath } from "./errors";
import { isPlainObject } from "./origins";
import { LEGACY_AMIS_KEY } from "./schema";
import type { Problem } from "./zod-issues";

/**
 * The legacy `amis: { region: ami | { arch: ami } }` key, read as `ami_config.ami_mappings` (same shape).
 * Older templates keep working; each load says, with the file position, what to write instead.
 */

export interface NormalisedTemplate {
  value: Record<string, unknown>;
  /** Template path → path in the file as written (moved regions point back into `amis`). */
  sourcePathOf: (path: TemplatePath) => TemplatePath;
  /** Warnings, positioned in the file as written. */
  warnings: Problem[];
}

const identity = (path: TemplatePath) => path;

/**
 * Moves `amis` into `ami_config.ami_mappings`. When both are present they are merged and `ami_mappings` wins for a
 * region in both. A malformed `amis` (not a mapping) is left in place for the schema to report.
 */
export function normaliseLegacyAmis(raw: Record<string, unknown>): NormalisedTemplate {
  const amis = raw[LEGACY_AMIS_KEY];
  const config = raw.ami_config;
  if (!isPlainObject(amis) || (config !== undefined && !isPlainObject(config))) {
    return { value: raw, sourcePathOf: identity, warnings: [] };
  }
  const mappings = isPlainObject(config) ? config.ami_mappings : undefined;
  if (mappings !== undefined && !isPlainObject(mappings)) return { value: raw, sourcePathOf: identity, warnings: [] };

  const regions = Object.keys(amis);
  const overridden = regions.filter((region) => mappings !== undefined && region in mappings);
  const moved = new Set(regions.filter((region) => !overridden.includes(region)));
  const mergedMappings: Record<string, unknown> = { ...(mappings ?? {}) };
  for (const region of moved) mergedMappings[region] = amis[region];

  const value: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(raw)) {
    if (key === LEGACY_AMIS_KEY) continue;
    value[key] =
      key === "ami_config" ? { ...(config as Record<string, unknown>), ami_mappings: mergedMappings } : entry;
  }
  if (config === undefined) value.ami_config = { ami_mappings: mergedMappings };

  const warnings: Problem[] = [
    {
      at: [LEGACY_AMIS_KEY],
      anchor: "key",
      path: [],
      severity: "warning",
      message:
        `"${LEGACY_AMIS_KEY}" is deprecated and was read as ami_config.ami_mappings: move its entries under ` +
        "ami_config: ami_mappings: (same shape: region: ami-… or region: { x86_64: ami-…, arm64: ami-… })",
    },
  ];
  if (mappings !== undefined) {
    warnings.push({
      at: [LEGACY_AMIS_KEY],
      anchor: "key",
      path: [],
      severity: "warning",
      message:
        `both "${LEGACY_AMIS_KEY}" and ami_config.ami_mappings are set; they were merged` +
        (overridden.length > 0 ? `, and ami_config.ami_mappings wins for ${overridden.join(", ")}` : "") +
        `: keep only ami_config.ami_mappings`,
    });
  }

  const sourcePathOf = (path: TemplatePath): TemplatePath => {
    if (path[0] !== "ami_config") return path;
    if (path.length === 1) return config === undefined ? [LEGACY_AMIS_KEY] : path;
    if (path[1] !== "ami_mappings") return path;
    if (path.length === 2) return mappings === undefined ? [LEGACY_AMIS_KEY] : path;
    return moved.has(String(path[2])) ? [LEGACY_AMIS_KEY, ...path.slice(2)] : path;
  };
  return { value, sourcePathOf, warnings };
}
