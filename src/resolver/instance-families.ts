import { closestMatch } from "../core/suggest";
import { ARCHITECTURES, SIZES, type Architecture, type Size } from "../templates/schema";
import { InvalidInputError } from "../core/errors";
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
export const FAMILY_PATTERN = /^([a-z]+)(\d+)([a-z]*)(?:-[a-z0-9-]+)?$/;

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
 * EC2 instance families (current and previous generations, 2026-11). A family outside this list is a typo ("x9",
 * "m7ii") that EC2 would only reject at launch; the list is checked before anything is priced or resolved.
 */
export const KNOWN_INSTANCE_FAMILIES: readonly string[] = [
  // General purpose
  ...words("a1 m1 m2 m3 m4 m5 m5a m5ad m5d m5dn m5n m5zn m6a m6g m6gd m6i m6id m6idn m6in m7a m7g m7gd m7i m7i-flex"),
  ...words("m8a m8g m8gd m8i m8i-flex mac1 mac2 mac2-m1ultra mac2-m2 mac2-m2pro t1 t2 t3 t3a t4g"),
  // Compute optimised
  ...words("c1 c3 c4 c5 c5a c5ad c5d c5n c6a c6g c6gd c6gn c6i c6id c6in c7a c7g c7gd c7gn c7i c7i-flex c8a c8g"),
  ...words("c8gd c8gn c8i cc2"),
  // Memory optimised
  ...words("cr1 r3 r4 r5 r5a r5ad r5b r5d r5dn r5n r6a r6g r6gd r6i r6id r6idn r6in r7a r7g r7gd r7i r7iz r8a r8g"),
  ...words("r8gd r8i r8i-flex u7i-6tb u7i-8tb u7i-12tb u7in-16tb u7in-24tb u7in-32tb u7inh-32tb x1 x1e x2gd x2idn"),
  ...words("x2iedn x2iezn x8g z1d"),
  // Accelerated computing
  ...words("dl1 dl2q f1 f2 g2 g3 g3s g4ad g4dn g5 g5g g6 g6e g6f gr6 gr6f inf1 inf2 p2 p3 p3dn p4d p4de p5 p5e p5en"),
  ...words("p6-b200 trn1 trn1n trn2 vt1"),
  // Storage optimised and HPC
  ...words("d2 d3 d3en h1 hs1 i2 i3 i3en i4g i4i i7i i7ie i8g im4gn is4gen hpc6a hpc6id hpc7a hpc7g"),
];

function words(text: string): string[] {
  return text.split(" ");
}

/** The size part of an instance type: nano … xlarge, 2xlarge … 48xlarge, metal, metal-24xl. */
const INSTANCE_SIZE_PATTERN = /^(nano|micro|small|medium|large|xlarge|\d{1,3}xlarge|metal(-\d{1,3}xl)?)$/;
const COMMON_SIZES = ["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "metal"];

/**
 * Checks that an instance type is a real EC2 type: the shape (parseInstanceType), a known family, and a size EC2
 * names that way. Throws InvalidInputError naming `field`, with a "did you mean" against the size table, the price
 * snapshot and the known families. Used by selectInstanceType, so the engine, the components and `cws` all refuse
 * "m7i.huge" and "x9.huge" the same way.
 */
export function validateInstanceType(instanceType: string, field = "instanceType"): { family: string; suffix: string } {
  const { family, suffix } = parseInstanceType(instanceType, field);
  const knownTypes = [...new Set([...sizeTableInstanceTypes(), ...Object.keys(PRICE_SNAPSHOT.baseHourlyUsd)])].sort();
  if (!KNOWN_INSTANCE_FAMILIES.includes(family)) {
    const suggestion = closestMatch(instanceType, knownTypes) ?? closestMatch(family, KNOWN_INSTANCE_FAMILIES);
    throw new InvalidInputError(
      `"${instanceType}" is not an EC2 instance type: there is no instance family "${family}"` +
        (suggestion ? `; did you mean "${suggestion}"?` : ".") +
        ` Use e.g. m7i.xlarge, or a size (XS … GPU-L) instead of a type`,
      field,
    );
  }
  if (!INSTANCE_SIZE_PATTERN.test(suffix)) {
    const sameFamily = knownTypes.filter((t) => t.startsWith(`${family}.`));
    const suggestion =
      closestMatch(instanceType, sameFamily) ?? closestMatch(suffix, COMMON_SIZES)?.replace(/^/, `${family}.`);
    throw new InvalidInputError(
      `"${instanceType}" is not an EC2 instance type: "${suffix}" is not an instance size` +
        (suggestion ? `; did you mean "${suggestion}"?` : ".") +
        ` Sizes are named nano, micro, small, medium, large, xlarge, 2xlarge … 48xlarge or metal` +
        (sameFamily.length ? ` (known ${family} types: ${sameFamily.join(", ")})` : ""),
      field,
    );
  }
  return { family, suffix };
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
