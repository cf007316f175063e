import { validateInstanceType } from "../resolver/instance-families";
import type { ResolveOptions } from "../resolver/types";
import { parseArchitecture, parseSize, parseStrategy, UsageError, type OptionSpecs } from "./args";

/** The flags that shape a resolution, shared by `ami resolve` and `ami test`. */
export const RESOLVE_FLAGS = {
  arch: { type: "string" },
  "instance-type": { type: "string" },
  size: { type: "string" },
  strategy: { type: "string" },
  "allow-copy": { type: "boolean" },
  json: { type: "boolean" },
} as const satisfies OptionSpecs;

export const RESOLVE_FLAGS_HELP: Array<[string, string]> = [
  ["--arch A", "x86_64 or arm64 (default: implied by the instance type, else the template's preferred_architecture)"],
  ["--instance-type T", "pin the instance type, e.g. m7i.large (not with --size)"],
  ["--size S", "XS, S, M, L, XL, GPU-S, GPU-M or GPU-L (not with --instance-type)"],
  ["--strategy S", "ami_preferred, ami_required or ami_fallback (overrides the template)"],
  ["--allow-copy", "consent to plan a cross-region AMI copy (overrides allow_cross_region_copy); nothing is copied"],
  ["--json", "print the result object(s) as JSON on stdout"],
];

/** Turns the flags into ResolveOptions minus the region; unset flags stay unset so the template decides. */
export function resolveOptionsFromFlags(values: {
  arch?: string;
  "instance-type"?: string;
  size?: string;
  strategy?: string;
  "allow-copy"?: boolean;
}): Omit<ResolveOptions, "region"> {
  if (values.size !== undefined && values["instance-type"] !== undefined) {
    throw new UsageError(
      "give --size or --instance-type, not both: --instance-type pins one type, --size picks one per region",
    );
  }
  const options: Omit<ResolveOptions, "region"> = {};
  const architecture = parseArchitecture(values.arch);
  if (architecture) options.architecture = architecture;
  const instanceType = values["instance-type"];
  if (instanceType !== undefined) {
    validateInstanceType(instanceType, "--instance-type");
    options.instanceType = instanceType;
  }
  const size = parseSize(values.size);
  if (size) options.size = size;
  const strategy = parseStrategy(values.strategy);
  if (strategy) options.strategy = strategy;
  if (values["allow-copy"]) options.allowCrossRegionCopy = true;
  return options;
}
