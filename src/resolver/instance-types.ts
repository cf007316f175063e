import { ARCHITECTURES, SIZES, type AmiConfig, type Architecture, type Size, type Template } from "../templates/schema";
import { type AmiMapping } from "../templates/schema-ami-sources";
import { InvalidInputError } from "../core/errors";
import {
  FAMILY_PATTERN,
  familyOfferedIn,
  findInSizeTable,
  parseInstanceType,
  SIZE_TABLE,
  validateInstanceType,
  type SizeOption,
} from "./instance-families";
import { PRICE_SNAPSHOT } from "./prices";

/**
 * x86_64 or arm64, from the instance type's name. Graviton families carry a "g" right after the generation digit
 * (t4g, m6g, m7gd, c7gn, r8g, x2gd, im4gn, is4gen, g5g, hpc7g…); a1 (first Graviton) and mac2+ (Apple silicon) are
 * arm64 too. Everything else (m7i, g4dn, g6e, gr6, p5en…) is x86_64. Throws InvalidInputError for a malformed name.
 */
export function architectureOfInstanceType(instanceType: string): Architecture {
  const { family } = parseInstanceType(instanceType);
  const [, prefix, generation, attributes] = FAMILY_PATTERN.exec(family)!;
  if (attributes.startsWith("g")) return "arm64";
  if (prefix === "a" && generation === "1") return "arm64";
  if (prefix === "mac" && Number(generation) >= 2) return "arm64";
  return "x86_64";
}

export interface InstanceChoice {
  instanceType: string;
  architecture: Architecture;
  family: string;
  /** The size the type was chosen for, or the SIZE_TABLE size an explicit type belongs to (undefined if none). */
  size: Size | undefined;
  gpu: boolean;
  /** Which input decided: "instanceType", "size", "instance_defaults.type", "instance_defaults.size" or "default" (M). */
  source: "instanceType" | "size" | "instance_defaults.type" | "instance_defaults.size" | "default";
  /** One deterministic sentence on how the type was chosen, for the fallback chain and `cws` output. */
  reason: string;
}

export interface SelectInstanceTypeInput {
  region: string;
  size?: Size;
  instanceType?: string;
  /** Explicit: a contradiction with the instance type or size is an error. */
  architecture?: Architecture;
  /**
   * Preferred (template `ami_config.preferred_architecture`): used when nothing explicit or implied decides, and
   * yields to x86_64 when the size has no type for it in the region.
   */
  preferredArchitecture?: Architecture;
  /** Template `ami_config.instance_family_preference`, tried in order within the size's row. */
  familyPreference?: string[];
  /** Template `instance_defaults`. */
  defaults?: { type?: string; size?: Size };
}

/**
 * Picks the instance type to launch.
 *
 * Precedence: explicit `instanceType` > `size` > `defaults.type` > `defaults.size` > "M".
 * Architecture: explicit > implied by the instance type > `preferredArchitecture` > x86_64.
 * Within a size row: families from `familyPreference` first (in its order; families not in the row are ignored),
 * then the row's own order; families the region lacks (per the price snapshot) are skipped. The reason names every
 * preferred family ignored and why; when the preference had no effect at all, `warnings` gets the same sentence.
 *
 * Throws InvalidInputError, naming the field, when the instance type is malformed, contradicts the explicit
 * architecture, is of a family the region lacks, or when the size has no type for the architecture in the region.
 */
export function selectInstanceType(input: SelectInstanceTypeInput, warnings: string[] = []): InstanceChoice {
  if (input.instanceType !== undefined) return chooseExplicitType(input.instanceType, "instanceType", input);
  if (input.size !== undefined) return chooseBySize(input.size, "size", input, warnings);
  if (input.defaults?.type !== undefined)
    return chooseExplicitType(input.defaults.type, "instance_defaults.type", input);
  if (input.defaults?.size !== undefined)
    return chooseBySize(input.defaults.size, "instance_defaults.size", input, warnings);
  return chooseBySize("M", "default", input, warnings);
}

function chooseExplicitType(
  instanceType: string,
  field: "instanceType" | "instance_defaults.type",
  input: SelectInstanceTypeInput,
): InstanceChoice {
  const { family } = validateInstanceType(instanceType, field);
  const architecture = architectureOfInstanceType(instanceType);
  if (input.architecture !== undefined && input.architecture !== architecture) {
    const alternative = SIZE_TABLE.M[input.architecture][0]?.instanceType;
    throw new InvalidInputError(
      `${instanceType} is an ${architecture} instance type, but architecture ${input.architecture} was requested; ` +
        `choose an ${input.architecture} type (e.g. ${alternative}) or a size, or drop the architecture`,
      field,
    );
  }
  if (!familyOfferedIn(family, input.region)) {
    throw new InvalidInputError(
      `${instanceType}: the ${family} family is not offered in ${input.region} (price snapshot ${PRICE_SNAPSHOT.date}); ` +
        `choose another instance type or size, or another region`,
      field,
    );
  }
  const inTable = findInSizeTable(instanceType);
  const preferredNote =
    input.preferredArchitecture && input.preferredArchitecture !== architecture
      ? ` (overrides preferred architecture ${input.preferredArchitecture})`
      : "";
  return {
    instanceType,
    architecture,
    family,
    size: inTable?.size,
    gpu: inTable ? Boolean(inTable.option.gpu) : isGpuFamily(family),
    source: field,
    reason: `${instanceType} from ${field}; ${architecture} implied by the instance type${preferredNote}`,
  };
}

function chooseBySize(
  size: Size,
  source: "size" | "instance_defaults.size" | "default",
  input: SelectInstanceTypeInput,
  warnings: string[],
): InstanceChoice {
  const field = source === "default" ? "size" : source;
  const sizeText =
    source === "default"
      ? `default size ${size}`
      : source === "size"
        ? `size ${size}`
        : `size ${size} (from ${source})`;
  let architecture: Architecture = input.architecture ?? input.preferredArchitecture ?? "x86_64";
  let candidates = offeredCandidates(size, architecture, input.region);
  let archNote = input.architecture
    ? "explicit architecture"
    : input.preferredArchitecture
      ? "preferred architecture"
      : "default architecture";

  if (candidates.length === 0 && input.architecture === undefined && architecture !== "x86_64") {
    // A preference yields: fall back to x86_64 rather than fail.
    const preferred = architecture;
    architecture = "x86_64";
    candidates = offeredCandidates(size, architecture, input.region);
    archNote = `preferred ${preferred} has no ${size} type in ${input.region}`;
  }

  if (candidates.length === 0) {
    const row = SIZE_TABLE[size][architecture];
    if (row.length === 0) {
      const other: Architecture = architecture === "arm64" ? "x86_64" : "arm64";
      const otherRow = SIZE_TABLE[size][other].map((o) => o.instanceType);
      throw new InvalidInputError(
        `size ${size} has no ${architecture} instance type` +
          (otherRow.length > 0 ? ` (it is ${other} only: ${otherRow.join(", ")})` : "") +
          `; choose architecture ${other} or another size`,
        field,
      );
    }
    const lacking = [...new Set(row.map((o) => o.family))].sort();
    throw new InvalidInputError(
      `size ${size} has no ${architecture} instance type offered in ${input.region}: the region lacks ${lacking.join(", ")} ` +
        `(price snapshot ${PRICE_SNAPSHOT.date}); choose another size, region or architecture, or give an explicit instanceType`,
      field,
    );
  }

  const preference = (input.familyPreference ?? []).filter((family) => candidates.some((o) => o.family === family));
  const ordered = [
    ...preference.map((family) => candidates.find((o) => o.family === family)!),
    ...candidates.filter((o) => !preference.includes(o.family)),
  ];
  const chosen = ordered[0];
  const why =
    preference.length > 0 && preference[0] === chosen.family ? "preferred family" : "first offered in the size table";
  const skipped = SIZE_TABLE[size][architecture].filter((o) => !candidates.includes(o)).map((o) => o.family);
  const skippedNote = skipped.length > 0 ? `; ${input.region} lacks ${skipped.join(", ")}` : "";
  const ignored = (input.familyPreference ?? []).filter((family) => !preference.includes(family));
  let ignoredNote = "";
  if (ignored.length > 0) {
    const reasons = ignored.map(
      (family) => `${family} ${whyFamilyNotCandidate(family, size, architecture, input.region)}`,
    );
    ignoredNote = `; instance_family_preference ignores ${reasons.join(", ")}`;
    if (preference.length === 0)
      warnings.push(
        `instance_family_preference [${ignored.join(", ")}] had no effect for ${sizeText} on ${architecture} in ` +
          `${input.region} (${reasons.join("; ")}), so ${chosen.instanceType} was chosen, the first of the size's ` +
          `${architecture} row (${SIZE_TABLE[size][architecture].map((o) => o.family).join(", ")}): the preference ` +
          "only reorders that row; list families from it, or set an instance type",
      );
  }
  return {
    instanceType: chosen.instanceType,
    architecture,
    family: chosen.family,
    size,
    gpu: Boolean(chosen.gpu),
    source,
    reason: `${chosen.instanceType} for ${sizeText} on ${architecture} (${archNote}; ${why}${skippedNote}${ignoredNote})`,
  };
}

/** Why a preferred family is not among a size row's candidates, for the reason and the warning. */
function whyFamilyNotCandidate(family: string, size: Size, architecture: Architecture, region: string): string {
  if (SIZE_TABLE[size][architecture].some((o) => o.family === family)) return `is not offered in ${region}`;
  const other: Architecture = architecture === "arm64" ? "x86_64" : "arm64";
  if (SIZE_TABLE[size][other].some((o) => o.family === family)) return `is ${other}, not ${architecture}`;
  const sizes = SIZES.filter((s) => ARCHITECTURES.some((a) => SIZE_TABLE[s][a].some((o) => o.family === family)));
  return sizes.length > 0 ? `is not in size ${size} (only in ${sizes.join(", ")})` : "is in no size of the table";
}

function offeredCandidates(size: Size, architecture: Architecture, region: string): SizeOption[] {
  return SIZE_TABLE[size][architecture].filter((o) => familyOfferedIn(o.family, region));
}

/** GPU/accelerator families outside the table (g*, p*, gr6, dl1…), for explicit types. */
function isGpuFamily(family: string): boolean {
  return /^(g\d|gr\d|p\d|dl\d)/.test(family);
}

/** What a caller asks for; anything unset is decided by the template (instance_defaults, ami_config). */
export interface InstanceRequest {
  region: string;
  size?: Size;
  instanceType?: string;
  /** Explicit: a contradiction with the instance type or size is an error. */
  architecture?: Architecture;
}

/**
 * THE instance choice for a template: architecture by chooseArchitecture (explicit, implied by a pinned type, the
 * template's preferred one when its sources offer it in the region…), then selectInstanceType (validated type, size
 * table, family preference, regional availability). `resolveAmi`, the ResearchWorkstation component and `cws costs`
 * all call this, so they cannot disagree. Throws InvalidInputError naming the field at fault.
 */
export function chooseInstance(
  template: Pick<Template, "ami_config" | "instance_defaults">,
  request: InstanceRequest,
  warnings: string[] = [],
): InstanceChoice {
  const config = template.ami_config;
  return selectInstanceType(
    {
      region: request.region,
      size: request.size,
      instanceType: request.instanceType,
      architecture: request.architecture,
      preferredArchitecture: chooseArchitecture(template, request, warnings),
      familyPreference: config?.instance_family_preference,
      defaults: template.instance_defaults
        ? { type: template.instance_defaults.type, size: template.instance_defaults.size }
        : undefined,
    },
    warnings,
  );
}

/**
 * The architecture to resolve for: the caller's `architecture`; else that of the requested or default instance type;
 * else `preferred_architecture` when the template's sources for the region offer it (or say nothing either way);
 * else the only architecture they offer; else x86_64. Internal. Exported for testing.
 */
export function chooseArchitecture(
  template: Pick<Template, "ami_config" | "instance_defaults">,
  options: Pick<InstanceRequest, "architecture" | "instanceType" | "region">,
  warnings: string[] = [],
): Architecture {
  if (options.architecture) return options.architecture;
  const pinnedType = options.instanceType ?? template.instance_defaults?.type;
  if (pinnedType) return architectureOfInstanceType(pinnedType);
  const config = template.ami_config;
  const offered = offeredArchitectures(config, options.region);
  const preferred = config?.preferred_architecture;
  if (preferred && (offered === undefined || offered.has(preferred))) return preferred;
  if (offered && offered.size === 1) {
    const only = [...offered][0];
    if (preferred)
      warnings.push(`preferred_architecture ${preferred} is not offered in ${options.region}; using ${only}`);
    return only;
  }
  return preferred ?? "x86_64";
}

/** Architectures the static sources name for a region; undefined when they do not say (plain ids, searches without architecture). */
function offeredArchitectures(config: AmiConfig | undefined, region: string): Set<Architecture> | undefined {
  if (!config) return undefined;
  const offered = new Set<Architecture>();
  let constrained = false;
  const mapping = (config.ami_mappings as Record<string, AmiMapping | undefined> | undefined)?.[region];
  if (mapping !== undefined) {
    if (typeof mapping === "string") return undefined;
    constrained = true;
    for (const arch of ["x86_64", "arm64"] as const) if (mapping[arch]) offered.add(arch);
  }
  if (config.ssm_parameter !== undefined) {
    if (typeof config.ssm_parameter === "string") return undefined;
    constrained = true;
    for (const arch of ["x86_64", "arm64"] as const) if (config.ssm_parameter[arch]) offered.add(arch);
  }
  if (config.ami_search) {
    if (!config.ami_search.architecture) return undefined;
    constrained = true;
    for (const arch of config.ami_search.architecture) offered.add(arch);
  }
  if (config.marketplace_search) return undefined;
  return constrained ? offered : undefined;
}
