import * as pulumi from "@pulumi/pulumi";
import { estimateCost, estimateLaunchSeconds, estimateSetupMinutes } from "../resolver/cost";
import { chooseInstance } from "../resolver/instance-types";
import type { FallbackStep, ResolutionResult } from "../resolver/types";
import { AMI_RESOLUTION_TYPE, PREVIOUS_AMI_RESOLUTION_TYPE } from "../dynamic/ami-resolution";
import { outputsOf } from "../dynamic/ami-resolution/check";
import { loadTemplateInput } from "../dynamic/ami-resolution/template-input";
import type { AmiResolutionInputs } from "../dynamic/ami-resolution/state";
import { pinKey, templateHash } from "../dynamic/pin/shared-decision";

/**
 * Pulumi runtime mocks for a lab's own unit tests (`cloudworkstation/testing`). Under plain `pulumi.runtime.setMocks`
 * a resource's outputs are its inputs, so every workstation's AMI is unknown; these mocks answer each AmiResolution
 * with the AMI the test gives for its template and region, and everything else as the mocks the test passes (or by
 * echoing inputs, as plain mocks do). No AWS call is made.
 */

/** The AMI each template resolves to, per region: `{ "python-ml": { "us-east-1": "ami-0abc…" } }`. */
export type AmiAnswers = Readonly<Record<string, Readonly<Record<string, string>>>>;

export interface WorkstationMocksOptions {
  /** The AMI of each template (by its `name:`) in each region; a resolution asked for anything else fails, saying so. */
  answers: AmiAnswers;
  /** Answers for every other resource and for invokes; default: the inputs echoed, with the id `<name>-id`. */
  mocks?: pulumi.runtime.Mocks;
}

/** One AmiResolution the mocks answered. */
export interface AnsweredResolution {
  name: string;
  template: string;
  region: string;
  amiId: string;
  instanceType: string;
}

export interface WorkstationMocks extends pulumi.runtime.Mocks {
  /** The resolutions answered so far, in registration order. */
  readonly resolutions: AnsweredResolution[];
}

/**
 * Mocks that answer AmiResolution resources (those of ResearchWorkstation, MultiRegionAmi, deployFleet…) from
 * `answers`. The template is loaded and checked as the real resolution loads it, and the instance type, architecture,
 * cost and launch estimates are computed as the real resolution computes them; only the AMI comes from the test, as
 * a direct mapping. Install with `pulumi.runtime.setMocks(workstationMocks({...}), project, stack, preview)`.
 */
export function workstationMocks(options: WorkstationMocksOptions): WorkstationMocks {
  const resolutions: AnsweredResolution[] = [];
  const other = options.mocks;
  return {
    resolutions,
    call: (args) => (other ? other.call(args) : args.inputs),
    newResource: async (args) => {
      if (args.type === AMI_RESOLUTION_TYPE || args.type === PREVIOUS_AMI_RESOLUTION_TYPE) {
        const answered = answerResolution(args.inputs as AmiResolutionInputs, options.answers);
        resolutions.push({ name: args.name, ...answered.summary });
        return { id: `${args.name}-id`, state: answered.state };
      }
      return other ? other.newResource(args) : { id: `${args.name}-id`, state: args.inputs };
    },
  };
}

function answerResolution(
  inputs: AmiResolutionInputs,
  answers: AmiAnswers,
): { state: Record<string, unknown>; summary: Omit<AnsweredResolution, "name"> } {
  const { template } = loadTemplateInput(inputs);
  const region = inputs.region;
  const amiId = answers[template.name]?.[region];
  if (amiId === undefined) {
    const given = Object.entries(answers)
      .map(([name, regions]) => `${name}: ${Object.keys(regions).join(", ") || "no regions"}`)
      .join("; ");
    throw new Error(
      `workstationMocks: no AMI for template "${template.name}" in ${region}; add ` +
        `answers[${JSON.stringify(template.name)}][${JSON.stringify(region)}] (answers given: ${given || "none"})`,
    );
  }
  const warnings: string[] = [];
  const choice = chooseInstance(template, inputs, warnings);
  const step: FallbackStep = {
    tier: "direct_mapping",
    outcome: "selected",
    detail: `${amiId} (the answer given to workstationMocks for ${template.name} in ${region})`,
    amiId,
  };
  const result: ResolutionResult = {
    template: template.name,
    region,
    strategy: inputs.strategy ?? template.ami_config?.strategy ?? "ami_preferred",
    method: "direct_mapping",
    amiId,
    architecture: choice.architecture,
    instanceType: choice.instanceType,
    fallbackChain: [step],
    warnings,
    estimatedLaunchSeconds: estimateLaunchSeconds("direct_mapping", estimateSetupMinutes(template)),
    cost: estimateCost({
      instanceType: choice.instanceType,
      region,
      method: "direct_mapping",
      setupMinutes: estimateSetupMinutes(template),
    }),
  };
  const key = pinKey({
    amiConfig: template.ami_config,
    region,
    architecture: choice.architecture,
    strategy: inputs.strategy,
    allowCrossRegionCopy: inputs.allowCrossRegionCopy,
  });
  const request = { architecture: inputs.architecture, instanceType: inputs.instanceType, size: inputs.size };
  const outputs = outputsOf(result, template, key, templateHash(template), request);
  const { fleetQuestions: _questions, ...kept } = inputs;
  return {
    state: { ...kept, ...outputs },
    summary: { template: template.name, region, amiId, instanceType: choice.instanceType },
  };
}
