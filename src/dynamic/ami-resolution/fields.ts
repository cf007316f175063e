import type * as pulumi from "@pulumi/pulumi";
import type { ResolutionResult } from "../../resolver/types";
import type { Architecture, Size, Strategy } from "../../templates/schema";
import type { RefreshMode } from "../pinning";
import type { AmiFreshness } from "./freshness-line";

// An AmiResolution's fields, each declared once: the inputs here (the program's args are derived from them in
// ../ami-resolution.ts), the outputs in RESOLUTION_OUTPUTS (their state types, the class's properties and the key
// lists check uses are derived from it). Read by the program and the provider: no AWS SDK, no Pulumi at run time.

/** The inputs of an AmiResolution, as the provider receives them (plain values). */
export interface AmiResolutionInputs {
  /** A template name (looked up in `templatesDirs`, then the shipped templates) or a path to a template file. */
  template?: string;
  templatesDirs?: string[];
  /**
   * `templatesDirs` relative to the Pulumi project's root (set by the program, template-input.ts): read by
   * `cws ami outdated`/`upgrade` from a checkout at another path. Never compared by diff.
   */
  templatesDirsInProject?: string[];
  /** An inline template object, validated like a file. Give this or `template`. */
  templateObject?: Record<string, unknown>;
  /** Values for the template's `parameters`. */
  parameters?: Record<string, string | number | boolean>;
  /** The region the workstation launches in. Required: dynamic resources never inherit the aws provider's region. */
  region: string;
  architecture?: Architecture;
  instanceType?: string;
  size?: Size;
  /** Overrides the template's `ami_config.strategy`. */
  strategy?: Strategy;
  /**
   * `pinned` (default): keep the AMI an earlier run chose while the template's ami_config, the region and the
   * architecture are unchanged and the AMI is still launchable — a newer image elsewhere never replaces a workstation.
   * `latest`: resolve on every run; be aware this replaces the workstation whenever a newer image wins.
   */
  refresh?: RefreshMode;
  /** Consent to copy an AMI from a neighbouring region (made by `pulumi up`, never by preview). */
  allowCrossRegionCopy?: boolean;
  /** Keep a copy this resource made when the resource is deleted (default false: the copy and its snapshots go). */
  retainCopyOnDelete?: boolean;
  /**
   * `amiGeneration` (integer ≥ 0, default 0): part of the pin key. Bumping it re-resolves a pinned resolution once —
   * an upgrade on purpose, e.g. from a reviewed `cws ami upgrade --plan --write` pull request.
   */
  generation?: number;
  /** Identifies copies this resource makes (tagged on the copy), so a later check finds its own copy. */
  copyOwner?: string;
  /** Bound on waiting for a copy to become available (seconds, default 3600). */
  copyTimeoutSeconds?: number;
  /** On a wave's first resolution only: every question of the wave, answered together by its check (fleet-prefetch.ts). */
  fleetQuestions?: Record<string, unknown>[];
}

/**
 * How check treats an output. `resolution`: written by a resolution, copied from the previous state when the
 * resolution is kept, never taken from the news (OUTPUT_KEYS). `resolved input`: an input that check replaces with
 * the resolved value (what was asked stays in `request`). `per check`: written afresh by every check, never kept.
 */
type OutputRole = "resolution" | "resolved input" | "per check";

/** One output: how check treats it, whether the class exposes it, and its types (for the compiler only). */
interface OutputField<State, Exposed, IsExposed extends boolean> {
  readonly role: OutputRole;
  readonly exposed: IsExposed;
  readonly types?: { state: State; exposed: Exposed };
}

/** An output that is also an `Output` property of the AmiResolution class (`Exposed`: its type there, if narrower). */
function exposed<State, Exposed = State>(role: OutputRole = "resolution"): OutputField<State, Exposed, true> {
  return { role, exposed: true };
}

/** An output kept in state only. */
function stateOnly<State>(role: OutputRole = "resolution"): OutputField<State, State, false> {
  return { role, exposed: false };
}

/**
 * Every output of an AmiResolution: adding one here adds it to the state type, the class (when exposed) and the keys
 * check keeps. An output whose state type allows undefined is optional in state; the others are null, never absent
 * (an absent output reads as unknown in a preview). Nothing here changes between identical runs except `freshness`.
 */
export const RESOLUTION_OUTPUTS = {
  /**
   * The AMI to launch in `region`: the copy's id for a cross-region copy (absent from state, and unknown in a preview,
   * while the copy is not made yet).
   */
  amiId: exposed<string | undefined, string>(),
  /** The AMI the resolver selected (for a cross-region copy, the source image in `sourceRegion`). */
  resolvedAmiId: exposed<string>(),
  /** The tier that produced the AMI: direct_mapping, ssm_parameter, dynamic_search, marketplace, cross_region or fallback_script. */
  method: exposed<ResolutionResult["method"], string>(),
  /**
   * One readable line per tier, e.g. `✓ dynamic_search: selected ami-… (…)`, exactly as the resolver decided; why it
   * was re-resolved is `resolutionNote`, not a line here.
   */
  fallbackChain: exposed<string[]>(),
  /**
   * Why the resolution replaced an earlier one (`↻ re-resolved: pinned ami-… was deregistered …`, `↻ refresh: latest
   * — …`), null for a first resolution; kept while the resolution is kept. Its own output, so `pulumi preview --diff`
   * shows only this line and the lines that really changed.
   */
  resolutionNote: exposed<string | null>(),
  /**
   * sha256 of the provisioning script on the script path (null on the AMI path): what check compares to keep a pinned
   * script. The script itself is not stored: the program renders it from the template (template-input.ts).
   */
  userDataHash: exposed<string | null>(),
  /** Estimate, not a measurement: seconds until the workstation is usable. */
  estimatedLaunchSeconds: exposed<number>(),
  /** For a cross-region copy: the region the source AMI lives in. */
  sourceRegion: exposed<string | null>(),
  templateName: exposed<string>(),
  templateVersion: exposed<string | null>(),
  /** Estimate, not a measurement: on-demand USD per hour from a bundled price snapshot (null without a price). */
  estimatedCostPerHour: exposed<number | null>(),
  /** Says in words that the cost figures are estimates and where the prices come from. */
  costLabel: exposed<string>(),
  /** Estimate: AMI path versus script path, e.g. "AMI: $0.20/h now · script: $0.20/h + 6 min setup ($0.02)". */
  costComparison: exposed<string>(),
  warnings: exposed<string[]>(),
  /** What was asked (the inputs `architecture`/`instanceType`/`size` are replaced by the resolved values). */
  request: stateOnly<{ architecture?: string; instanceType?: string; size?: string }>(),
  /** Stable hash of ami_config + region + architecture (+ strategy and copy overrides): what pinning compares. */
  pinKey: exposed<string>(),
  templateHash: exposed<string>(),
  /** A consented cross-region copy still to be made by create/update. */
  copyPending: stateOnly<boolean | undefined>(),
  /** A copy this resource made (removed on delete unless retainCopyOnDelete). */
  copiedImageId: exposed<string | undefined>(),
  copyMadeByUs: stateOnly<boolean | undefined>(),
  /**
   * Whether the AMI in use is still what the template would pick: {status, candidateAmiId, reason}, null while
   * nothing is launched. Computed by every check and never compared by diff (it changes when AWS publishes, not when
   * the stack does): the state, this output and its warning are as of the last create, update or refresh, while
   * every `pulumi preview` prints a warning line when it is not current.
   */
  freshness: exposed<AmiFreshness | null | undefined, AmiFreshness | null>(),
  /** The resolved architecture. */
  architecture: exposed<Architecture>("resolved input"),
  /** The resolved instance type. */
  instanceType: exposed<string>("resolved input"),
  strategy: exposed<Strategy>("resolved input"),
  /**
   * On a wave's first resolution only: per region, the AMIs the wave was answered with (prefetch.ts), looked up with
   * the next run's prefetch so the wave's pins are validated in the same calls. Never compared by diff.
   */
  fleetPins: stateOnly<Record<string, string[]> | undefined>("per check"),
};

type Outputs = typeof RESOLUTION_OUTPUTS;
type OutputKey = keyof Outputs;
type StateOf<F> = F extends { types?: { state: infer State } } ? State : never;
type ExposedOf<F> = F extends { types?: { exposed: infer Exposed } } ? Exposed : never;
type StateValues = { [K in OutputKey]: StateOf<Outputs[K]> };
type OptionalOutputKey = { [K in OutputKey]: undefined extends StateOf<Outputs[K]> ? K : never }[OutputKey];
type ExposedOutputKey = { [K in OutputKey]: Outputs[K]["exposed"] extends true ? K : never }[OutputKey];

/** What a resolution adds to the inputs (and stores in Pulumi state). */
export type AmiResolutionOutputs = Omit<StateValues, OptionalOutputKey> & Partial<Pick<StateValues, OptionalOutputKey>>;

/** The exposed outputs as properties of the AmiResolution class. */
export type AmiResolutionOutputProperties = Pick<
  { readonly [K in OutputKey]: pulumi.Output<ExposedOf<Outputs[K]>> },
  ExposedOutputKey
>;

const OUTPUT_NAMES = Object.keys(RESOLUTION_OUTPUTS) as OutputKey[];

/** Keys the resolution writes (check strips stale ones from the news; a kept resolution copies them from olds). */
export const OUTPUT_KEYS: readonly OutputKey[] = OUTPUT_NAMES.filter(
  (key) => RESOLUTION_OUTPUTS[key].role === "resolution",
);

/** The outputs the AmiResolution class exposes as properties. */
export const EXPOSED_OUTPUT_KEYS: readonly ExposedOutputKey[] = OUTPUT_NAMES.filter(
  (key): key is ExposedOutputKey => RESOLUTION_OUTPUTS[key].exposed,
);
