import { ARCHITECTURES, SIZES, type Architecture, type Size } from "../templates/schema";
import { InvalidInputError } from "./errors";
import { PRICE_SNAPSHOT, regionInPriceSnapshot } from "./prices";

/**
 * Instance sizes. This is the ONE size → instance type table: selection, prices, docs and tests all read it, so
 * the sizes cannot drift apart (the upstream counter-example had two tables that disagreed).
 */

export interface GpuSpec {
  count: number;
  model: string;
  /** Memory per GPU, GiB. */
  memoryGiB: number;
}

export interface SizeOption {
  family: string;
  instanceType: string;
  vcpu: number;
  memoryGiB: number;
  gpu?: GpuSpec;
}

export type SizeTable = Readonly<Record<Size, Readonly<Record<Architecture, readonly SizeOption[]>>>>;

const A10G: Omit<GpuSpec, "count"> = { model: "NVIDIA A10G", memoryGiB: 24 };
const L4: Omit<GpuSpec, "count"> = { model: "NVIDIA L4", memoryGiB: 24 };
const T4: Omit<GpuSpec, "count"> = { model: "NVIDIA T4", memoryGiB: 16 };
const T4G: Omit<GpuSpec, "count"> = { model: "NVIDIA T4G", memoryGiB: 16 };
const V100: Omit<GpuSpec, "count"> = { model: "NVIDIA V100", memoryGiB: 16 };

function option(instanceType: string, vcpu: number, memoryGiB: number, gpu?: GpuSpec): SizeOption {
  return {
    family: instanceType.slice(0, instanceType.indexOf(".")),
    instanceType,
    vcpu,
    memoryGiB,
    ...(gpu ? { gpu } : {}),
  };
}

/**
 * Per size, per architecture: instance types in order of preference (newest widely-offered generation first; an
 * older generation follows as a fallback for regions that lack the newer one). `instance_family_preference`
 * reorders within a row; it never adds a type that is not here.
 */
export const SIZE_TABLE: SizeTable = {
  // 2 vCPU / 4 GiB, burstable: light editing, small scripts.
  XS: {
    x86_64: [option("t3.medium", 2, 4), option("t3a.medium", 2, 4)],
    arm64: [option("t4g.medium", 2, 4)],
  },
  // 2 vCPU / 8 GiB, steady CPU.
  S: {
    x86_64: [option("m7i.large", 2, 8), option("m6i.large", 2, 8), option("m5.large", 2, 8)],
    arm64: [option("m7g.large", 2, 8), option("m8g.large", 2, 8), option("m6g.large", 2, 8)],
  },
  // 4 vCPU / 16 GiB: the default.
  M: {
    x86_64: [option("m7i.xlarge", 4, 16), option("m6i.xlarge", 4, 16), option("m5.xlarge", 4, 16)],
    arm64: [option("m7g.xlarge", 4, 16), option("m8g.xlarge", 4, 16), option("m6g.xlarge", 4, 16)],
  },
  // 8 vCPU / 32 GiB.
  L: {
    x86_64: [option("m7i.2xlarge", 8, 32), option("m6i.2xlarge", 8, 32), option("m5.2xlarge", 8, 32)],
    arm64: [option("m7g.2xlarge", 8, 32), option("m8g.2xlarge", 8, 32), option("m6g.2xlarge", 8, 32)],
  },
  // 16 vCPU / 64 GiB.
  XL: {
    x86_64: [option("m7i.4xlarge", 16, 64), option("m6i.4xlarge", 16, 64), option("m5.4xlarge", 16, 64)],
    arm64: [option("m7g.4xlarge", 16, 64), option("m8g.4xlarge", 16, 64), option("m6g.4xlarge", 16, 64)],
  },
  // One GPU, 4 vCPU (16 GiB x86 / 8 GiB arm64).
  "GPU-S": {
    x86_64: [
      option("g5.xlarge", 4, 16, { count: 1, ...A10G }),
      option("g6.xlarge", 4, 16, { count: 1, ...L4 }),
      option("g4dn.xlarge", 4, 16, { count: 1, ...T4 }),
    ],
    arm64: [option("g5g.xlarge", 4, 8, { count: 1, ...T4G })],
  },
  // One GPU, 8 vCPU (32 GiB x86 / 16 GiB arm64).
  "GPU-M": {
    x86_64: [
      option("g5.2xlarge", 8, 32, { count: 1, ...A10G }),
      option("g6.2xlarge", 8, 32, { count: 1, ...L4 }),
      option("g4dn.2xlarge", 8, 32, { count: 1, ...T4 }),
    ],
    arm64: [option("g5g.2xlarge", 8, 16, { count: 1, ...T4G })],
  },
  // Four GPUs, 32–48 vCPU. No Graviton instance has four GPUs, so GPU-L is x86_64 only.
  "GPU-L": {
    x86_64: [
      option("g5.12xlarge", 48, 192, { count: 4, ...A10G }),
      option("g6.12xlarge", 48, 192, { count: 4, ...L4 }),
      option("p3.8xlarge", 32, 244, { count: 4, ...V100 }),
      option("g4dn.12xlarge", 48, 192, { count: 4, ...T4 }),
    ],
    arm64: [],
  },
};

/** Every instance type in SIZE_TABLE, sorted. */
export function sizeTableInstanceTypes(): string[] {
  const types = new Set<string>();
  for (const size of SIZES)
    for (const arch of ARCHITECTURES) for (const o of SIZE_TABLE[size][arch]) types.add(o.instanceType);
  return [...types].sort();
}

/** The SIZE_TABLE entry for an instance type, with its size and architecture, if the table has it. */
export function findInSizeTable(
  instanceType: string,
): { size: Size; architecture: Architecture; option: SizeOption } | undefined {
  for (const size of SIZES) {
    for (const architecture of ARCHITECTURES) {
      const found = SIZE_TABLE[size][architecture].find((o) => o.instanceType === instanceType);
      if (found) return { size, architecture, option: found };
    }
  }
  return undefined;
}

const INSTANCE_TYPE_PATTERN = /^([a-z][a-z0-9-]*)\.([a-z0-9][a-z0-9-]*)$/;
/** family = prefix letters, generation digits, attribute letters, optional "-variant" (m7i-flex, u7i-12tb, mac2-m2pro). */
const FAMILY_PATTERN = /^([a-z]+)(\d+)([a-z]*)(?:-[a-z0-9-]+)?$/;

/** Splits "m7g.xlarge" into family and size suffix; throws InvalidInputError for anything not shaped like an instance type. */
export function parseInstanceType(instanceType: string, field = "instanceType"): { family: string; suffix: string } {
  const match = INSTANCE_TYPE_PATTERN.exec(instanceType);
  if (!match || !FAMILY_PATTERN.test(match[1])) {
    throw new InvalidInputError(
      `"${instanceType}" is not an EC2 instance type: expected <family>.<size> such as "m7i.xlarge" or "g5g.2xlarge"`,
      field,
    );
  }
  return { family: match[1], suffix: match[2] };
}

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

export interface RegionOffering {
  region: string;
  /** False when the price snapshot does not cover the region: availability is then unknown, not "none". */
  known: boolean;
  /** SIZE_TABLE instance types offered in the region (sorted); every SIZE_TABLE type when `known` is false. */
  instanceTypes: string[];
  /** Families the snapshot records as missing in the region. */
  lacksFamilies: string[];
}

/**
 * Which SIZE_TABLE instance types the region offers, per the bundled price snapshot's availability table
 * (`PRICE_SNAPSHOT.regionLacksFamilies`, e.g. us-west-1 lacks g5/g6/m8g). For a region the snapshot does not cover,
 * `known` is false and nothing is filtered: we would rather let EC2 answer than refuse a valid region.
 */
export function instanceTypesOffered(region: string): RegionOffering {
  const known = regionInPriceSnapshot(region);
  const lacksFamilies = known ? [...(PRICE_SNAPSHOT.regionLacksFamilies[region] ?? [])].sort() : [];
  const instanceTypes = sizeTableInstanceTypes().filter((t) => !lacksFamilies.includes(parseInstanceType(t).family));
  return { region, known, instanceTypes, lacksFamilies };
}

/** False only when the snapshot says the region lacks the family; unknown regions and families count as offered. */
export function familyOfferedIn(family: string, region: string): boolean {
  return !(regionInPriceSnapshot(region) && (PRICE_SNAPSHOT.regionLacksFamilies[region] ?? []).includes(family));
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
 * then the row's own order; families the region lacks (per the price snapshot) are skipped.
 *
 * Throws InvalidInputError, naming the field, when the instance type is malformed, contradicts the explicit
 * architecture, is of a family the region lacks, or when the size has no type for the architecture in the region.
 */
export function selectInstanceType(input: SelectInstanceTypeInput): InstanceChoice {
  if (input.instanceType !== undefined) return chooseExplicitType(input.instanceType, "instanceType", input);
  if (input.size !== undefined) return chooseBySize(input.size, "size", input);
  if (input.defaults?.type !== undefined)
    return chooseExplicitType(input.defaults.type, "instance_defaults.type", input);
  if (input.defaults?.size !== undefined) return chooseBySize(input.defaults.size, "instance_defaults.size", input);
  return chooseBySize("M", "default", input);
}

function chooseExplicitType(
  instanceType: string,
  field: "instanceType" | "instance_defaults.type",
  input: SelectInstanceTypeInput,
): InstanceChoice {
  const { family } = parseInstanceType(instanceType, field);
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
  return {
    instanceType: chosen.instanceType,
    architecture,
    family: chosen.family,
    size,
    gpu: Boolean(chosen.gpu),
    source,
    reason: `${chosen.instanceType} for ${sizeText} on ${architecture} (${archNote}; ${why}${skippedNote})`,
  };
}

function offeredCandidates(size: Size, architecture: Architecture, region: string): SizeOption[] {
  return SIZE_TABLE[size][architecture].filter((o) => familyOfferedIn(o.family, region));
}

/** GPU/accelerator families outside the table (g*, p*, gr6, dl1…), for explicit types. */
function isGpuFamily(family: string): boolean {
  return /^(g\d|gr\d|p\d|dl\d)/.test(family);
}
