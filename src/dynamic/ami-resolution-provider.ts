/**
 * The logic behind the AmiResolution dynamic provider. The serialized provider (ami-resolution.ts) captures only this
 * module's absolute path and `require`s it inside each method, so the closure Pulumi stores stays small and the
 * resolver, template loader and AWS SDK are loaded from disk in whichever process runs the provider (the program
 * under mocks, or `pulumi-resource-pulumi-nodejs` under the real engine).
 */
import type { Image } from "@aws-sdk/client-ec2";
import type { AwsClients, ResolutionResult, ResolveOptions } from "../resolver/types";
import type { Architecture, Size, Strategy, Template } from "../templates/schema";
import {
  canonicalJson,
  decidePin,
  formatChain,
  latestReplacedLine,
  pinKey as computePinKey,
  pinnedImageState,
  templateHash as computeTemplateHash,
  type PreviousResolution,
  type RefreshMode,
} from "./pinning";

/** What Pulumi passes for a value not known yet (in preview). Dynamic providers see it as this literal string. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The inputs of an AmiResolution, as the provider receives them (plain values). */
export interface AmiResolutionInputs {
  /** A template name (looked up in `templatesDirs`, then the shipped templates) or a path to a template file. */
  template?: string;
  templatesDirs?: string[];
  /** An inline template object (validated like a file). Give this or `template`. */
  templateObject?: Record<string, unknown>;
  /** Values for the template's `parameters`. */
  parameters?: Record<string, string | number | boolean>;
  region: string;
  architecture?: Architecture;
  instanceType?: string;
  size?: Size;
  strategy?: Strategy;
  refresh?: RefreshMode;
  allowCrossRegionCopy?: boolean;
  retainCopyOnDelete?: boolean;
  /** Identifies copies this resource makes (tagged on the copy), so a later check finds its own copy. */
  copyOwner?: string;
  /** Bound on waiting for a cross-region copy to become available; default 3600. */
  copyTimeoutSeconds?: number;
}

/** What a resolution adds to the inputs (and stores in Pulumi state). Nothing here changes between identical runs. */
export interface AmiResolutionOutputs {
  /** The AMI to launch in `region`: the copy's id for a cross-region copy (absent while the copy is not made yet). */
  amiId?: string;
  /** The AMI the resolver selected (for a cross-region copy, the source AMI in `sourceRegion`). */
  resolvedAmiId: string;
  method: ResolutionResult["method"];
  fallbackChain: string[];
  architecture: Architecture;
  instanceType: string;
  /**
   * The rendered provisioning script, on the script path only. Optional outputs are null, never absent: an absent
   * output reads as unknown in a preview, and an unknown user data would show the instance as changing every time.
   */
  userData: string | null;
  /** Estimate, not a measurement. */
  estimatedLaunchSeconds: number;
  sourceRegion: string | null;
  strategy: Strategy;
  templateName: string;
  templateVersion: string | null;
  /** Estimate, not a measurement (null when the price snapshot has no price). */
  estimatedCostPerHour: number | null;
  costLabel: string;
  costComparison: string;
  warnings: string[];
  /** What was asked (the inputs `architecture`/`instanceType`/`size` are replaced by the resolved values). */
  request: { architecture?: string; instanceType?: string; size?: string };
  pinKey: string;
  templateHash: string;
  /** A consented cross-region copy still to be made by create/update. */
  copyPending?: boolean;
  copiedImageId?: string;
  copyMadeByUs?: boolean;
}

export type AmiResolutionState = AmiResolutionInputs & AmiResolutionOutputs;

/** Inputs that decide the resolution: if any is unknown, check resolves nothing and the outputs stay unknown. */
export const RESOLUTION_INPUT_KEYS = [
  "template",
  "templatesDirs",
  "templateObject",
  "parameters",
  "region",
  "architecture",
  "instanceType",
  "size",
  "strategy",
  "refresh",
  "allowCrossRegionCopy",
  "copyOwner",
] as const;

/** Keys the resolution writes; check strips stale ones from the news before resolving. */
const OUTPUT_KEYS = [
  "amiId",
  "resolvedAmiId",
  "method",
  "fallbackChain",
  "userData",
  "estimatedLaunchSeconds",
  "sourceRegion",
  "templateName",
  "templateVersion",
  "estimatedCostPerHour",
  "costLabel",
  "costComparison",
  "warnings",
  "request",
  "pinKey",
  "templateHash",
  "copyPending",
  "copiedImageId",
  "copyMadeByUs",
] as const;

/** How the template was located; its content is compared through templateHash, pinKey and the resolution. */
const TEMPLATE_LOCATOR_KEYS = ["template", "templatesDirs", "templateObject", "parameters"] as const;

/** Bookkeeping about a copy we made; kept by update, never compared by diff. */
const COPY_KEYS = ["copiedImageId", "copyMadeByUs", "copyPending"] as const;

/**
 * Keys whose change means a different place: the resolution is replaced. A different AMI alone is an in-place update:
 * the instance is replaced anyway (its `ami` changes), and Pulumi re-runs check WITHOUT the old inputs for a resource
 * it replaces, which would drop the chain's "↻ re-resolved: …" line that says why (seen with the real engine).
 */
const REPLACE_KEYS = ["region", "architecture"] as const;

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** Internal. Exported for testing. */
export function hasUnknownResolutionInput(news: Record<string, unknown>): boolean {
  return RESOLUTION_INPUT_KEYS.some((key) => containsUnknown(news[key]));
}

export interface CheckFailure {
  property: string;
  reason: string;
}
export interface CheckResult {
  inputs: Record<string, unknown>;
  failures?: CheckFailure[];
}

let cachedClients: { endpoint: string | undefined; clients: AwsClients } | undefined;

/** createAwsClients() defaults: AWS_ENDPOINT_URL and the SDK credential chain of this process. */
export function defaultClients(): AwsClients {
  const endpoint = process.env.AWS_ENDPOINT_URL || undefined;
  if (!cachedClients || cachedClients.endpoint !== endpoint) {
    const { createAwsClients } = require("../resolver/clients") as typeof import("../resolver/clients");
    cachedClients = { endpoint, clients: createAwsClients() };
  }
  return cachedClients.clients;
}

interface LoadedTemplate {
  template: Template;
  label: string;
}

function loadTemplateInput(news: AmiResolutionInputs): LoadedTemplate {
  const templates = require("../templates") as typeof import("../templates");
  const options = { templatesDirs: news.templatesDirs, parameters: news.parameters };
  if (news.templateObject !== undefined) {
    const loaded = templates.loadTemplateFromObject(news.templateObject, options);
    return { template: loaded.template, label: `template "${loaded.template.name}" (inline object)` };
  }
  if (typeof news.template !== "string" || news.template.length === 0) {
    throw new InputError("template", "give `template` (a name or a path) or `templateObject` (an inline template)");
  }
  const loaded = templates.loadTemplate(news.template, options);
  return { template: loaded.template, label: `template "${loaded.template.name}" (${loaded.file})` };
}

class InputError extends Error {
  constructor(
    readonly property: string,
    message: string,
  ) {
    super(message);
  }
}

/** The architecture the caller asked for, as the pin key sees it. Internal. Exported for testing. */
export function requestedArchitecture(
  news: Pick<AmiResolutionInputs, "architecture" | "instanceType">,
  template: Template,
): string {
  if (news.architecture) return news.architecture;
  if (news.instanceType) {
    const { architectureOfInstanceType } =
      require("../resolver/instance-types") as typeof import("../resolver/instance-types");
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
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(news)) {
    if (!(OUTPUT_KEYS as readonly string[]).includes(key)) out[key] = value;
  }
  return out;
}

function describeFailure(
  label: string,
  region: string,
  result: ResolutionResult,
  chain: string[],
  template: Template,
): string {
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

async function describeImage(clients: AwsClients, region: string, imageId: string): Promise<Image | undefined> {
  const { DescribeImagesCommand } = await import("@aws-sdk/client-ec2");
  try {
    const { Images = [] } = await clients
      .ec2(region)
      .send(new DescribeImagesCommand({ ImageIds: [imageId], IncludeDeprecated: true }));
    return Images.find((image) => image.ImageId === imageId);
  } catch (error) {
    if (
      /InvalidAMIID\.(NotFound|Unavailable|Malformed)/.test(
        String((error as Error).name) + String((error as Error).message),
      )
    )
      return undefined;
    throw error;
  }
}

/** The tag that marks a copy as ours; its value names the resource that made it and the source. */
export const COPY_TAG = "cloudworkstation:copy-of";
export const COPY_OWNER_TAG = "cloudworkstation:copy-owner";

/** A copy we made earlier for this resource (same owner, same source), if it is available in the target region. */
async function findOurCopy(clients: AwsClients, state: AmiResolutionState): Promise<Image | undefined> {
  if (!state.copyOwner || !state.sourceRegion) return undefined;
  const { DescribeImagesCommand } = await import("@aws-sdk/client-ec2");
  const { Images = [] } = await clients.ec2(state.region).send(
    new DescribeImagesCommand({
      Owners: ["self"],
      Filters: [
        { Name: `tag:${COPY_TAG}`, Values: [`${state.sourceRegion}/${state.resolvedAmiId}`] },
        { Name: `tag:${COPY_OWNER_TAG}`, Values: [state.copyOwner] },
      ],
    }),
  );
  return Images.filter((image) => image.State === "available" || image.State === "pending").sort((a, b) =>
    (a.ImageId ?? "") < (b.ImageId ?? "") ? -1 : 1,
  )[0];
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
): Promise<CheckResult> {
  const news = inputsOnly(rawNews);
  if (hasUnknownResolutionInput(news)) return { inputs: news };
  const inputs = news as unknown as AmiResolutionInputs;
  if (typeof inputs.region !== "string" || inputs.region.length === 0) {
    return {
      inputs: news,
      failures: [
        {
          property: "region",
          reason: "region is required: the AWS region the workstation launches in, e.g. us-east-1",
        },
      ],
    };
  }
  const refresh: RefreshMode = inputs.refresh ?? "pinned";
  if (refresh !== "pinned" && refresh !== "latest") {
    return {
      inputs: news,
      failures: [{ property: "refresh", reason: `refresh must be "pinned" or "latest", got "${String(refresh)}"` }],
    };
  }

  let loaded: LoadedTemplate;
  try {
    loaded = loadTemplateInput(inputs);
  } catch (error) {
    return {
      inputs: news,
      failures: [
        { property: error instanceof InputError ? error.property : "template", reason: templateErrorText(error) },
      ],
    };
  }
  const { template, label } = loaded;
  const key = computePinKey({
    amiConfig: template.ami_config,
    region: inputs.region,
    architecture: requestedArchitecture(inputs, template),
    strategy: inputs.strategy,
    allowCrossRegionCopy: inputs.allowCrossRegionCopy,
  });
  const hash = computeTemplateHash(template);
  const request = { architecture: inputs.architecture, instanceType: inputs.instanceType, size: inputs.size };
  const previous = previousOf(olds);

  let decision = decidePin({ refresh, previous, pinKey: key, templateHash: hash });
  if (decision.keep && previous) {
    const image = await describeImage(clients, previous.region, previous.amiId);
    decision = decidePin({
      refresh,
      previous,
      pinKey: key,
      templateHash: hash,
      imageState: pinnedImageState(image, now),
    });
  }

  let resolved: AmiResolutionOutputs;
  if (
    decision.keep &&
    canonicalJson(olds.request ?? {}) === canonicalJson(request) &&
    olds.templateName === template.name
  ) {
    // Everything the resolution depends on is unchanged and the pinned AMI is still launchable: the old answer stands.
    resolved = pickOutputs(olds);
  } else {
    let result: ResolutionResult;
    try {
      result = await resolve(template, inputs, clients, now);
    } catch (error) {
      return {
        inputs: news,
        failures: [
          {
            property: (error as { field?: string }).field ?? "template",
            reason: `${label} in ${inputs.region}: ${(error as Error).message}`,
          },
        ],
      };
    }
    const chain = formatChain(result.fallbackChain);
    if (result.method === "failed" || !result.amiId) {
      return {
        inputs: news,
        failures: [{ property: "template", reason: describeFailure(label, inputs.region, result, chain, template) }],
      };
    }
    resolved = outputsOf(result, template, chain, key, hash, request);
    if (decision.keep && previous && resolved.architecture === olds.architecture) {
      // Only the instance type or size changed: keep the pinned AMI, take the new type and its price.
      resolved = {
        ...pickOutputs(olds),
        instanceType: resolved.instanceType,
        estimatedCostPerHour: resolved.estimatedCostPerHour,
        costLabel: resolved.costLabel,
        costComparison: resolved.costComparison,
        request,
      };
    } else if (decision.keep && previous) {
      resolved.fallbackChain = [
        `↻ re-resolved: the new instance type runs ${resolved.architecture}, the pinned ${previous.amiId} is ${String(olds.architecture)}`,
        ...chain,
      ];
    } else if (!decision.keep && decision.why) {
      resolved.fallbackChain = [decision.why, ...chain];
    } else if (refresh === "latest" && previous && previous.amiId !== resolved.resolvedAmiId) {
      resolved.fallbackChain = [latestReplacedLine(previous.amiId, resolved.resolvedAmiId), ...chain];
    }
  }

  const state = { ...news, ...resolved } as AmiResolutionState;
  delete state.copyPending;
  delete state.copiedImageId;
  delete state.copyMadeByUs;
  if (state.method === "cross_region") {
    const copy = await findOurCopy(clients, state);
    if (copy?.ImageId) {
      state.amiId = copy.ImageId;
    } else {
      // The copy is made in create/update; until then the AMI to launch is unknown, and a preview says so.
      delete state.amiId;
      state.copyPending = true;
    }
  }
  return { inputs: stripUndefined(state as unknown as Record<string, unknown>) };
}

/** TemplateError's message already lists every issue as file:line:column path: message. */
function templateErrorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function resolve(
  template: Template,
  inputs: AmiResolutionInputs,
  clients: AwsClients,
  now: Date,
): Promise<ResolutionResult> {
  const { resolveAmi } = require("../resolver") as typeof import("../resolver");
  const options: ResolveOptions = {
    region: inputs.region,
    ...(inputs.architecture ? { architecture: inputs.architecture } : {}),
    ...(inputs.instanceType ? { instanceType: inputs.instanceType } : {}),
    ...(inputs.size ? { size: inputs.size } : {}),
    ...(inputs.strategy ? { strategy: inputs.strategy } : {}),
    ...(inputs.allowCrossRegionCopy !== undefined ? { allowCrossRegionCopy: inputs.allowCrossRegionCopy } : {}),
    now,
  };
  return resolveAmi(template, options, clients);
}

function outputsOf(
  result: ResolutionResult,
  template: Template,
  chain: string[],
  key: string,
  hash: string,
  request: AmiResolutionOutputs["request"],
): AmiResolutionOutputs {
  return {
    amiId: result.method === "cross_region" ? undefined : result.amiId,
    resolvedAmiId: result.amiId as string,
    method: result.method,
    fallbackChain: chain,
    architecture: result.architecture,
    instanceType: result.instanceType,
    userData: result.userData ?? null,
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

/** The resolution fields of a previous state (olds in check are the previous checked inputs). */
function pickOutputs(olds: Record<string, unknown>): AmiResolutionOutputs {
  const out: Record<string, unknown> = {};
  for (const key of [...OUTPUT_KEYS, "architecture", "instanceType", "strategy"]) {
    if (olds[key] !== undefined) out[key] = olds[key];
  }
  return out as unknown as AmiResolutionOutputs;
}

/**
 * Drops undefined at every depth. The provider host turns results into a protobuf Struct, which throws on undefined
 * ("Unexpected struct type"), even nested; absent keys are what undefined means anyway.
 */
export function stripUndefined(value: Record<string, unknown>): Record<string, unknown> {
  const strip = (entry: unknown): unknown => {
    if (Array.isArray(entry)) return entry.filter((item) => item !== undefined).map(strip);
    if (entry && typeof entry === "object") {
      return Object.fromEntries(
        Object.entries(entry as Record<string, unknown>)
          .filter(([, item]) => item !== undefined)
          .map(([key, item]) => [key, strip(item)]),
      );
    }
    return entry;
  };
  return strip(value) as Record<string, unknown>;
}

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/**
 * Replacement when the region or architecture changes; an in-place update when the AMI changes (the instance, whose
 * `ami` changes, is replaced by its own diff) or anything else differs (refresh mode, retainCopyOnDelete…); no change
 * when the resolution is identical. `olds` are the old OUTPUTS, `news` the new checked inputs.
 * Internal. Exported for testing.
 */
export function diff(olds: Record<string, unknown>, news: Record<string, unknown>): DiffResult {
  const replaces = new Set<string>();
  const resolved = typeof news.resolvedAmiId === "string";
  for (const key of REPLACE_KEYS) {
    const next = news[key];
    if (next !== undefined && !containsUnknown(next) && canonicalJson(next) !== canonicalJson(olds[key]))
      replaces.add(key);
  }
  // Where the template was found (a path, a directory list, an inline object, parameters) is not a change by itself:
  // what it says is in templateHash/pinKey and the resolution. Otherwise a checkout at another path (CI vs a laptop)
  // would show every workstation as changing.
  const ignored = new Set<string>(["__provider", ...COPY_KEYS, ...TEMPLATE_LOCATOR_KEYS]);
  // A pending copy's amiId is not known yet; while our copy exists, check fills it in, so compare only when present.
  if (news.amiId === undefined && news.copyPending) ignored.add("amiId");
  const keys = new Set([...Object.keys(news), ...Object.keys(olds)]);
  let changes = replaces.size > 0 || !resolved;
  for (const key of keys) {
    if (ignored.has(key)) continue;
    if (canonicalJson(news[key] ?? null) !== canonicalJson(olds[key] ?? null)) changes = true;
  }
  return { changes, replaces: [...replaces].sort(), deleteBeforeReplace: false };
}

/** Bound on waiting for a copy (AWS copies of large images can take an hour). */
export const DEFAULT_COPY_TIMEOUT_SECONDS = 3600;
const COPY_POLL_MS = 15_000;

/** Makes the consented cross-region copy (never in check), waits until it is available, and records it. */
async function ensureCopy(
  state: AmiResolutionState,
  clients: AwsClients,
  pollMs = COPY_POLL_MS,
): Promise<AmiResolutionState> {
  if (!state.copyPending) return state;
  if (!state.sourceRegion)
    throw new Error(
      `AmiResolution: a cross-region copy of ${state.resolvedAmiId} is pending but its source region is not recorded`,
    );
  const sourceRegion = state.sourceRegion;
  const existing = await findOurCopy(clients, state);
  const ec2 = await import("@aws-sdk/client-ec2");
  const client = clients.ec2(state.region);
  let copyId = existing?.ImageId;
  if (!copyId) {
    const { createHash } = await import("node:crypto");
    const token = createHash("sha256")
      .update(`${state.copyOwner ?? ""}|${state.sourceRegion}|${state.resolvedAmiId}|${state.region}`)
      .digest("hex")
      .slice(0, 64);
    const response = await client.send(
      new ec2.CopyImageCommand({
        SourceRegion: sourceRegion,
        SourceImageId: state.resolvedAmiId,
        Name: `cloudworkstation-${state.templateName}-${state.resolvedAmiId}-from-${state.sourceRegion}`.slice(0, 128),
        Description: `Copy of ${state.resolvedAmiId} (${state.sourceRegion}) for CloudWorkstation template ${state.templateName}`,
        ClientToken: token,
      }),
    );
    copyId = response.ImageId as string;
    // Tag separately: tags are how a later check finds this copy, and not every endpoint honours TagSpecifications here.
    await client.send(
      new ec2.CreateTagsCommand({
        Resources: [copyId],
        Tags: [
          { Key: COPY_TAG, Value: `${state.sourceRegion}/${state.resolvedAmiId}` },
          { Key: COPY_OWNER_TAG, Value: state.copyOwner ?? "" },
          { Key: "cloudworkstation:template", Value: state.templateName },
        ],
      }),
    );
  }
  const recorded: AmiResolutionState = { ...state, amiId: copyId, copiedImageId: copyId, copyMadeByUs: true };
  delete recorded.copyPending;
  const timeoutMs = (state.copyTimeoutSeconds ?? DEFAULT_COPY_TIMEOUT_SECONDS) * 1000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const image = await describeImage(clients, state.region, copyId);
    if (image?.State === "available") return recorded;
    if (image && (image.State === "failed" || image.State === "error" || image.State === "invalid")) {
      throw Object.assign(
        new Error(
          `copy ${copyId} of ${state.resolvedAmiId} from ${state.sourceRegion} ended in state ${image.State}: ${image.StateReason?.Message ?? "no reason given"}; it is recorded and will be removed on delete`,
        ),
        { id: copyId, properties: recorded },
      );
    }
    if (Date.now() >= deadline) {
      // Recorded in state (id + properties), so the copy is tracked: the next `pulumi up` waits again, destroy removes it.
      throw Object.assign(
        new Error(
          `copy ${copyId} of ${state.resolvedAmiId} from ${state.sourceRegion} is not available after ${Math.round(timeoutMs / 1000)} s (state ${image?.State ?? "unknown"}); run pulumi up again to keep waiting, or raise copyTimeoutSeconds`,
        ),
        { id: copyId, properties: recorded },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
  }
}

/** Internal. Exported for testing. */
export async function create(
  inputs: Record<string, unknown>,
  clients: AwsClients = defaultClients(),
): Promise<{ id: string; outs: Record<string, unknown> }> {
  let state = inputs as unknown as AmiResolutionState;
  if (typeof state.resolvedAmiId !== "string")
    throw new Error("AmiResolution: create was called without a resolution (check did not run or failed)");
  state = await ensureCopy(state, clients);
  return { id: state.amiId as string, outs: stripUndefined(state as unknown as Record<string, unknown>) };
}

/** Internal. Exported for testing. */
export async function update(
  _id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  clients: AwsClients = defaultClients(),
): Promise<{ outs: Record<string, unknown> }> {
  let state = { ...news } as unknown as AmiResolutionState;
  const old = olds as unknown as AmiResolutionState;
  const sameSource =
    Boolean(old.copiedImageId) && old.resolvedAmiId === state.resolvedAmiId && old.region === state.region;
  if (sameSource) {
    // Same source, same region: the copy we made is still this resource's.
    state = {
      ...state,
      amiId: state.amiId ?? old.copiedImageId,
      copiedImageId: old.copiedImageId,
      copyMadeByUs: old.copyMadeByUs,
    };
    if (state.amiId === old.copiedImageId) delete state.copyPending;
  }
  state = await ensureCopy(state, clients);
  if (!sameSource && old.copiedImageId && old.copiedImageId !== state.copiedImageId) {
    // The resolution moved away from a copy we made: remove it as delete would (running instances are unaffected).
    await remove(old.copiedImageId, { ...olds, retainCopyOnDelete: state.retainCopyOnDelete }, clients);
  }
  return { outs: stripUndefined(state as unknown as Record<string, unknown>) };
}

/** Refresh: the resolution is a recorded decision; only a copy we made can disappear underneath it. */
export async function read(
  id: string,
  props: Record<string, unknown>,
  clients: AwsClients = defaultClients(),
): Promise<{ id: string; props: Record<string, unknown> }> {
  const state = { ...props } as unknown as AmiResolutionState;
  if (state.copiedImageId) {
    const image = await describeImage(clients, state.region, state.copiedImageId);
    if (!image) {
      delete state.copiedImageId;
      delete state.copyMadeByUs;
    }
  }
  return { id, props: stripUndefined(state as unknown as Record<string, unknown>) };
}

/** Removes a copy we made (image and its snapshots) unless retainCopyOnDelete. Nothing else is ours to delete. */
export async function remove(
  _id: string,
  props: Record<string, unknown>,
  clients: AwsClients = defaultClients(),
): Promise<void> {
  const state = props as unknown as AmiResolutionState;
  if (!state.copyMadeByUs || !state.copiedImageId || state.retainCopyOnDelete) return;
  const ec2 = await import("@aws-sdk/client-ec2");
  const client = clients.ec2(state.region);
  const image = await describeImage(clients, state.region, state.copiedImageId);
  if (!image) return;
  const snapshots = (image.BlockDeviceMappings ?? [])
    .map((mapping) => mapping.Ebs?.SnapshotId)
    .filter((id): id is string => Boolean(id));
  await client.send(new ec2.DeregisterImageCommand({ ImageId: state.copiedImageId }));
  for (const snapshotId of snapshots) {
    try {
      await client.send(new ec2.DeleteSnapshotCommand({ SnapshotId: snapshotId }));
    } catch (error) {
      if (!/InvalidSnapshot\.NotFound/.test(String((error as Error).name))) throw error;
    }
  }
}
