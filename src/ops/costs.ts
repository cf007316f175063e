import { estimateCost, estimateLaunchSeconds, estimateSetupMinutes } from "../resolver/cost";
import { chooseInstance } from "../resolver/instance-types";
import type { Architecture, CostEstimate, Size } from "../resolver/types";
import type { Template } from "../templates/schema";

/** `cws costs --json`: every number is an estimate from the bundled price snapshot. */
export interface CostsReport {
  template: string;
  region: string;
  instanceType: string;
  architecture: Architecture;
  /** How the instance type was chosen (flag, template default, size table). */
  instanceTypeReason: string;
  /** Script-provisioning minutes for this template (estimate). */
  setupMinutes: number;
  /** Launching from a pre-built AMI. */
  ami: { estimatedLaunchSeconds: number; cost: CostEstimate };
  /** Launching from the stock OS image and provisioning with the template's script. */
  script: { estimatedLaunchSeconds: number; cost: CostEstimate };
  label: string;
  source: { name: string; date: string };
}

/**
 * The AMI-vs-script estimate for a template, offline: instance type chosen exactly as `resolveAmi` would (same
 * architecture rules, same size table), prices from the bundled snapshot. The object `cws costs --json` prints;
 * shared by `cws costs` and the HTTP API so both print the same one.
 */
export function costsReport(
  template: Template,
  options: { region: string; size?: Size; instanceType?: string; architecture?: Architecture },
): CostsReport {
  const choice = chooseInstance(template, options);
  const setupMinutes = estimateSetupMinutes(template);
  const base = { instanceType: choice.instanceType, region: options.region, setupMinutes };
  const script = estimateCost({ ...base, method: "fallback_script" });
  const ami = estimateCost({ ...base, method: "direct_mapping" });
  return {
    template: template.name,
    region: options.region,
    instanceType: choice.instanceType,
    architecture: choice.architecture,
    instanceTypeReason: choice.reason,
    setupMinutes,
    ami: { estimatedLaunchSeconds: estimateLaunchSeconds("direct_mapping", setupMinutes), cost: ami },
    script: { estimatedLaunchSeconds: estimateLaunchSeconds("fallback_script", setupMinutes), cost: script },
    label: script.label,
    source: script.source,
  };
}
