import type { CheckFailure, CheckResult } from "@pulumi/pulumi/dynamic";
import type { ResolutionResult } from "../../resolver/types";
import type { AwsClients } from "../../core/clients";
import type { Template } from "../../templates/schema";
import { containsUnknown, stripUndefined, unknownKeys } from "../host";
import { decideOnPin, resolutionNote } from "../pin/provider-decision";
import { freshnessOf } from "../pin/provider-freshness";
import { prefetchFleet, readFleetPins, resolveQuestion } from "../pin/provider-fleet-prefetch";
import { canonicalJson, formatChain, sha256, type RefreshMode } from "../pin/shared-decision";
import { freshnessWarning } from "../pin/shared-freshness-line";
import { findOurCopy } from "./copy";
import { type LabelledTemplate, loadTemplateInput } from "./template-input";
import {
  type AmiResolutionInputs,
  type AmiResolutionOutputs,
  type AmiResolutionState,
  defaultClients,
  OUTPUT_KEYS,
  RESOLUTION_INPUT_KEYS,
} from "./state";

function hasUnknownResolutionInput(news: Record<string, unknown>): boolean {
  return unknownKeys(news, RESOLUTION_INPUT_KEYS).length > 0;
}

/** The news without stale outputs (a previous check's results ride along in old inputs, never in news, but be safe). */
function inputsOnly(news: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(news).filter(([key]) => !(OUTPUT_KEYS as readonly string[]).includes(key)));
}

/** The resolution fields of a previous state (olds in check are the previous checked inputs). */
function pickOutputs(olds: Record<string, unknown>): AmiResolutionOutputs {
  const out: Record<string, unknown> = { resolutionNote: null };
  for (const key of [...OUTPUT_KEYS, "architecture", "instanceType", "strategy"]) {
    if (olds[key] !== undefined) out[key] = olds[key];
  }
  return out as unknown as AmiResolutionOutputs;
}

function describeFailure(label: string, region: string, result: ResolutionResult, template: Template): string {
  const chain = formatChain(result.fallbackChain);
  const source =
    "add an AMI source that exists in this region (ami_mappings, ssm_parameter, ami_search, marketplace_search)";
  const todo =
    result.strategy === "ami_required"
      ? `${source}, allow a cross-region copy (allowCrossRegionCopy: true), or use strategy ami_preferred to allow script provisioning`
      : template.ami_config?.fallback_strategy === "error"
        ? `${source}, or remove fallback_strategy: error to allow script provisioning`
        : `${source}, or make the script path's base image available (see the fallback_script line)`;
  return `no launchable AMI for ${label} in ${region} (strategy ${result.strategy}); fallback chain:\n  ${chain.join("\n  ")}\nWhat to do: ${todo}.`;
}

/** A resolution's outputs from the resolver's result; also how `cloudworkstation/testing` answers one. */
export function outputsOf(
  result: ResolutionResult,
  template: Template,
  key: string,
  hash: string,
  request: AmiResolutionOutputs["request"],
): AmiResolutionOutputs {
  return {
    amiId: result.method === "cross_region" ? undefined : result.amiId,
    resolvedAmiId: result.amiId as string,
    method: result.method,
    fallbackChain: formatChain(result.fallbackChain),
    resolutionNote: null,
    architecture: result.architecture,
    instanceType: result.instanceType,
    userDataHash: result.userData !== undefined ? sha256(result.userData) : null,
    estimatedLaunchSeconds: result.estimatedLaunchSeconds,
    sourceRegion:
      result.method === "cross_region" ? (result.sourceRegion ?? result.copyPlan?.sourceRegion ?? null) : null,
    strategy: result.strategy,
    templateName: template.name,
    templateVersion: template.version ?? null,
    estimatedCostPerHour: result.cost.hourlyUsd ?? null,
    costLabel: result.cost.label,
    costComparison: result.cost.comparison,
    warnings: [...result.warnings],
    request,
    pinKey: key,
    templateHash: hash,
  };
}

/**
 * Resolves in check, so that a preview already shows the AMI and the chain (the engine uses checked inputs as the
 * outputs of a resource it is about to create). Internal. Exported for testing.
 */
export async function check(
  olds: Record<string, unknown>,
  rawNews: Record<string, unknown>,
  clients: AwsClients = defaultClients(),
  now: Date = new Date(),
): Promise<CheckResult & { inputs: Record<string, unknown> }> {
  const news = inputsOnly(rawNews);
  if (hasUnknownResolutionInput(news)) return { inputs: news };
  const inputs = news as unknown as AmiResolutionInputs;
  const fail = (property: string, reason: string) => ({ inputs: news, failures: [{ property, reason }] });
  if (typeof inputs.region !== "string" || inputs.region.length === 0)
    return fail("region", "region is required: the AWS region the workstation launches in, e.g. us-east-1");
  const refresh: RefreshMode = inputs.refresh ?? "pinned";
  if (refresh !== "pinned" && refresh !== "latest")
    return fail("refresh", `refresh must be "pinned" or "latest", got "${String(refresh)}"`);

  // The wave's first resolution answers the wave's questions, and keeps the wave's pins for the next run.
  const carrier = Array.isArray(news.fleetQuestions) && !containsUnknown(news.fleetQuestions);
  const fleetPins = carrier
    ? await prefetchFleet(news.fleetQuestions as AmiResolutionInputs[], readFleetPins(olds.fleetPins), clients, now)
    : undefined;

  let loaded: LabelledTemplate;
  try {
    loaded = loadTemplateInput(inputs);
  } catch (error) {
    // TemplateError's message already lists every issue as file:line:column path: message; an InvalidInputError says
    // that neither template nor templateObject was given. Both are failures of the template input.
    return fail("template", error instanceof Error ? error.message : String(error));
  }
  const resolved = await resolution(olds, inputs, loaded, clients, now);
  if ("failure" in resolved) return { inputs: news, failures: [resolved.failure] };
  const state = await withCopyStatus({ ...news, ...resolved.outputs } as AmiResolutionState, clients);
  state.freshness = await freshnessOf(state, loaded.template, clients, now);
  if (state.freshness && state.freshness.status !== "current") {
    // What the provider prints shows in `pulumi preview` under the stack (the plugin sends it to the engine's log).
    console.error(
      `warning: ${freshnessWarning(resourceName(state), state.freshness, state.amiId ?? state.resolvedAmiId)}`,
    );
  }
  // The wave's questions are answered; they are not kept in state (a few kB on the wave's first resolution).
  delete state.fleetQuestions;
  state.fleetPins = fleetPins;
  return { inputs: stripUndefined(state as unknown as Record<string, unknown>) };
}

/** The name the program gave the resource (the last part of copyOwner, `<project>/<stack>/<name>`). */
function resourceName(state: AmiResolutionState): string {
  return state.copyOwner?.split("/").pop() ?? state.templateName;
}

async function resolution(
  olds: Record<string, unknown>,
  inputs: AmiResolutionInputs,
  { template, label }: LabelledTemplate,
  clients: AwsClients,
  now: Date,
): Promise<{ outputs: AmiResolutionOutputs } | { failure: CheckFailure }> {
  const pin = await decideOnPin(olds, inputs, { template, label }, clients, now);
  if ("failure" in pin) return pin;
  const { decision, previous, script } = pin;
  const request = { architecture: inputs.architecture, instanceType: inputs.instanceType, size: inputs.size };
  if (
    decision.keep &&
    canonicalJson(olds.request ?? {}) === canonicalJson(request) &&
    olds.templateName === template.name
  ) {
    // Everything the resolution depends on is unchanged and the pinned AMI is still launchable: the old answer stands.
    return { outputs: { ...pickOutputs(olds), ...(script ? { userDataHash: script.hash } : {}) } };
  }
  let result: ResolutionResult;
  try {
    result = await resolveQuestion(template, inputs, clients, now);
  } catch (error) {
    const property = (error as { field?: string }).field ?? "template";
    return { failure: { property, reason: `${label} in ${inputs.region}: ${(error as Error).message}` } };
  }
  if (result.method === "failed" || !result.amiId)
    return { failure: { property: "template", reason: describeFailure(label, inputs.region, result, template) } };
  const outputs = outputsOf(result, template, pin.pinKey, pin.templateHash, request);
  if (decision.keep && previous && outputs.architecture === olds.architecture) {
    // Only the instance type or size changed: keep the pinned AMI, take the new type and its price.
    return {
      outputs: {
        ...pickOutputs(olds),
        ...(script ? { userDataHash: script.hash } : {}),
        instanceType: outputs.instanceType,
        estimatedCostPerHour: outputs.estimatedCostPerHour,
        costLabel: outputs.costLabel,
        costComparison: outputs.costComparison,
        request,
      },
    };
  }
  return { outputs: { ...outputs, resolutionNote: resolutionNote(pin, outputs, olds) } };
}

/** For a cross-region resolution: the copy this resource already made, or a pending copy for create/update. */
async function withCopyStatus(state: AmiResolutionState, clients: AwsClients): Promise<AmiResolutionState> {
  const out: AmiResolutionState = { ...state };
  delete out.copyPending;
  delete out.copiedImageId;
  delete out.copyMadeByUs;
  if (out.method !== "cross_region") return out;
  const copy = await findOurCopy(clients, out);
  if (copy?.ImageId) {
    out.amiId = copy.ImageId;
  } else {
    // The copy is made in create/update; until then the AMI to launch is unknown, and a preview says so.
    delete out.amiId;
    out.copyPending = true;
  }
  return out;
}
