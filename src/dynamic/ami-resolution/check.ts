import type { CheckFailure, CheckResult } from "@pulumi/pulumi/dynamic";
import { checkPinnedCatalogVersion } from "../pin/provider-catalog-recheck";
import { CatalogSourceError } from "../../catalog/source";
import { architectureOfInstanceType } from "../../resolver/instance-types";
import { checkFreshness } from "../../resolver/freshness";
import { defaultImageCache } from "../../core/image-cache";
import type { ResolutionResult } from "../../resolver/types";
import type { AwsClients } from "../../core/clients";
import type { Architecture, Template } from "../../templates/schema";
import { containsUnknown, stripUndefined, unknownKeys } from "../host";
import {
  canonicalJson,
  decidePin,
  formatChain,
  latestReplacedLine,
  pinKey as computePinKey,
  pinnedImageState,
  sha256,
  templateHash as computeTemplateHash,
  type PinDecision,
  type PreviousResolution,
  type RefreshMode,
} from "../pinning";
import { findOurCopy } from "./copy";
import { prefetchFleet, readFleetPins, resolveQuestion } from "./prefetch";
import { type LabelledTemplate, loadTemplateInput, resolutionUserData } from "./template-input";
import { type AmiFreshness, freshnessWarning } from "./freshness-line";
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

/** The architecture the caller asked for, as the pin key sees it. */
function requestedArchitecture(
  news: Pick<AmiResolutionInputs, "architecture" | "instanceType">,
  template: Template,
): string {
  if (news.architecture) return news.architecture;
  if (news.instanceType) {
    try {
      return architectureOfInstanceType(news.instanceType);
    } catch {
      return `type:${news.instanceType}`;
    }
  }
  return template.ami_config?.preferred_architecture ?? "template-default";
}

function previousOf(olds: Record<string, unknown>): PreviousResolution | undefined {
  if (typeof olds.resolvedAmiId !== "string" || typeof olds.pinKey !== "string") return undefined;
  return {
    amiId: olds.resolvedAmiId,
    pinKey: olds.pinKey,
    templateHash: String(olds.templateHash ?? ""),
    method: String(olds.method ?? ""),
    region: String(olds.sourceRegion ?? olds.region ?? ""),
  };
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

/** Pin decision, looking the pinned image up only when the rest of the question says "keep". */
async function decide(
  refresh: RefreshMode,
  previous: PreviousResolution | undefined,
  key: string,
  hash: string,
  clients: AwsClients,
  now: Date,
): Promise<PinDecision> {
  const decision = decidePin({ refresh, previous, pinKey: key, templateHash: hash });
  if (!decision.keep || !previous) return decision;
  const image = await defaultImageCache.getImage(clients.ec2(previous.region), previous.amiId);
  return decidePin({ refresh, previous, pinKey: key, templateHash: hash, imageState: pinnedImageState(image, now) });
}

/** Why a new resolution replaced the previous one (null for a first resolution or an unchanged AMI). */
function noteFor(
  decision: PinDecision,
  previous: PreviousResolution | undefined,
  refresh: RefreshMode,
  resolved: AmiResolutionOutputs,
  olds: Record<string, unknown>,
): string | null {
  if (!previous) return null;
  if (decision.keep)
    return `↻ re-resolved: the new instance type runs ${resolved.architecture}, the pinned ${previous.amiId} is ${String(olds.architecture)}`;
  if (decision.why) return decision.why;
  if (refresh === "latest" && previous.amiId !== resolved.resolvedAmiId)
    return latestReplacedLine(previous.amiId, resolved.resolvedAmiId);
  return null;
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
    // Dynamic providers cannot log to the engine; what they print shows in `pulumi preview` under the stack.
    console.error(
      `warning: ${freshnessWarning(resourceName(state), state.freshness, state.amiId ?? state.resolvedAmiId)}`,
    );
  }
  // The wave's questions are answered; they are not kept in state (a few kB on the wave's first resolution).
  delete state.fleetQuestions;
  state.fleetPins = fleetPins;
  return { inputs: stripUndefined(state as unknown as Record<string, unknown>) };
}

/**
 * Is the AMI this resolution launches still what the template would pick? Through the process-wide cache (the
 * fleet's prefetch has usually answered it already). Null while a copy is pending (nothing is in use yet).
 */
async function freshnessOf(
  state: AmiResolutionState,
  template: Template,
  clients: AwsClients,
  now: Date,
): Promise<AmiFreshness | null> {
  if (!state.amiId) return null;
  const [freshness] = await checkFreshness(
    [
      {
        template,
        region: state.region,
        amiId: state.amiId,
        architecture: state.architecture,
        instanceType: state.instanceType,
      },
    ],
    clients,
    { cache: defaultImageCache, now },
  );
  const candidate = freshness.candidateDate ? ` (${freshness.candidateDate.slice(0, 10)})` : "";
  return {
    status: freshness.status,
    candidateAmiId: freshness.candidateAmiId ?? null,
    reason: freshness.status === "newer_available" ? `${freshness.candidateAmiId}${candidate}` : freshness.reason,
  };
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
  const refresh: RefreshMode = inputs.refresh ?? "pinned";
  const key = computePinKey({
    amiConfig: template.ami_config,
    region: inputs.region,
    architecture: requestedArchitecture(inputs, template),
    strategy: inputs.strategy,
    allowCrossRegionCopy: inputs.allowCrossRegionCopy,
    generation: (inputs as { generation?: number }).generation,
  });
  const hash = computeTemplateHash(template);
  const request = { architecture: inputs.architecture, instanceType: inputs.instanceType, size: inputs.size };
  const previous = previousOf(olds);
  let decision = await decide(refresh, previous, key, hash, clients, now);
  if (decision.keep && previous?.method === "catalog") {
    // A catalog version revoked (or removed) since it was pinned is re-resolved, saying so; an unreachable catalog is
    // a failure, never a guess either way.
    try {
      const pinned = await checkPinnedCatalogVersion(template, {
        method: "catalog",
        fallbackChain: Array.isArray(olds.fallbackChain) ? (olds.fallbackChain as string[]) : [],
      });
      if (!pinned.valid) decision = { keep: false, why: pinned.chainLine };
    } catch (error) {
      if (!(error instanceof CatalogSourceError)) throw error;
      return {
        failure: {
          property: "template",
          reason: `${label}: cannot check the pinned catalog version of ${previous.amiId}: ${error.message}`,
        },
      };
    }
  }
  const script = decision.keep ? pinnedScript(olds, template, inputs.region) : undefined;
  if (script?.changed) decision = { keep: false, why: SCRIPT_CHANGED_LINE };
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
  const outputs = outputsOf(result, template, key, hash, request);
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
  return { outputs: { ...outputs, resolutionNote: noteFor(decision, previous, refresh, outputs, olds) } };
}

const SCRIPT_CHANGED_LINE =
  "↻ re-resolved: the provisioning script rendered from the unchanged template differs from the pinned one (a newer CloudWorkstation renders it differently; the workstation's user data changes)";

/**
 * For a kept resolution on the script path: the hash of its script as rendered now, and whether that differs from
 * the pinned one (`userDataHash`, or the `userData` text states written before it existed). The program renders the
 * script itself (template-input.ts), so a kept resolution must still render to exactly what was launched.
 */
function pinnedScript(
  olds: Record<string, unknown>,
  template: Template,
  region: string,
): { hash: string; changed: boolean } | undefined {
  if (olds.method !== "fallback_script" || typeof olds.architecture !== "string") return undefined;
  const pinned =
    typeof olds.userDataHash === "string"
      ? olds.userDataHash
      : typeof olds.userData === "string"
        ? sha256(olds.userData)
        : undefined;
  const hash = sha256(resolutionUserData(template, olds.architecture as Architecture, region));
  return { hash, changed: pinned !== undefined && pinned !== hash };
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
