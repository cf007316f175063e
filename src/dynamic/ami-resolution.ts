import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Architecture, Size, Strategy } from "../templates/schema";
import { type AmiFreshness, freshnessWarning } from "./pin/shared-freshness-line";
import { loadTemplateInput, resolutionUserData, templatesDirsInProject } from "./ami-resolution/template-input";
import { joinFleet } from "./pin/program-fleet-prefetch";
import { CloudWorkstationResource, dynamicType, lazyProvider } from "./host";
import type { RefreshMode } from "./pin/shared-decision";

/** The stored provider: a short module text that loads the logic by path (see host.ts); the logic is ami-resolution/provider. */
export const amiResolutionProvider = lazyProvider("ami-resolution/provider");

export const AMI_RESOLUTION_TYPE = dynamicType("AmiResolution");
/** The token AmiResolution had before all dynamic resources shared one convention; aliased, so nothing is replaced. */
export const PREVIOUS_AMI_RESOLUTION_TYPE = "pulumi-nodejs:dynamic:AmiResolution";

export interface AmiResolutionArgs {
  /** A template name (looked up in `templatesDirs`, then the shipped templates) or a path to a template file. */
  template?: pulumi.Input<string>;
  templatesDirs?: pulumi.Input<pulumi.Input<string>[]>;
  /** An inline template object, validated like a file. Give this or `template`. */
  templateObject?: pulumi.Input<Record<string, unknown>>;
  /** Values for the template's `parameters`. */
  parameters?: pulumi.Input<Record<string, string | number | boolean>>;
  /** The region the workstation launches in. Required: dynamic resources never inherit the aws provider's region. */
  region: pulumi.Input<string>;
  architecture?: pulumi.Input<Architecture>;
  instanceType?: pulumi.Input<string>;
  size?: pulumi.Input<Size>;
  /** Overrides the template's `ami_config.strategy`. */
  strategy?: pulumi.Input<Strategy>;
  /**
   * `pinned` (default): keep the AMI an earlier run chose while the template's ami_config, the region and the
   * architecture are unchanged and the AMI is still launchable — a newer image elsewhere never replaces a workstation.
   * `latest`: resolve on every run; be aware this replaces the workstation whenever a newer image wins.
   */
  refresh?: pulumi.Input<RefreshMode>;
  /** Consent to copy an AMI from a neighbouring region (made by `pulumi up`, never by preview). */
  allowCrossRegionCopy?: pulumi.Input<boolean>;
  /** Keep a copy this resource made when the resource is deleted (default false: the copy and its snapshots go). */
  retainCopyOnDelete?: pulumi.Input<boolean>;
  /**
   * `amiGeneration` (integer ≥ 0, default 0): part of the pin key. Bumping it re-resolves a pinned resolution once —
   * an upgrade on purpose, e.g. from a reviewed `cws ami upgrade --plan --write` pull request.
   */
  generation?: pulumi.Input<number>;
  /** Bound on waiting for a copy to become available (seconds, default 3600). */
  copyTimeoutSeconds?: pulumi.Input<number>;
}

/**
 * Which AMI a workstation launches, decided at preview time. `pulumi preview` already shows `amiId` and the
 * `fallbackChain` that led to it, and `pulumi up` launches exactly that; with the default `refresh: pinned`, an
 * unchanged stack previews clean even after newer images are published.
 */
export class AmiResolution extends CloudWorkstationResource {
  // `declare`: with target ES2022, a plain `amiId!: …` field is emitted as a class field that would overwrite, after
  // super() returns, the Output the base constructor assigned.
  /** The AMI to launch in `region` (a copy's id after a cross-region copy; unknown in preview until the copy exists). */
  declare public readonly amiId: pulumi.Output<string>;
  /** The AMI the resolver selected (for a cross-region copy, the source image in `sourceRegion`). */
  declare public readonly resolvedAmiId: pulumi.Output<string>;
  /** The tier that produced the AMI: direct_mapping, ssm_parameter, dynamic_search, marketplace, cross_region or fallback_script. */
  declare public readonly method: pulumi.Output<string>;
  /** One readable line per tier, e.g. `✓ dynamic_search: selected ami-… (…)`. */
  declare public readonly fallbackChain: pulumi.Output<string[]>;
  /**
   * Why the resolution changed (`↻ re-resolved: pinned ami-… was deregistered …`, `↻ refresh: latest — …`), null for a
   * first resolution. Its own output, so `pulumi preview --diff` shows only this line and the lines that really changed.
   */
  declare public readonly resolutionNote: pulumi.Output<string | null>;
  declare public readonly architecture: pulumi.Output<Architecture>;
  declare public readonly instanceType: pulumi.Output<string>;
  /**
   * The provisioning script, on the script path only (null on the AMI path). Rendered by the program from the
   * template, not stored in the resolution's state (check pins it by hash: `userDataHash`).
   */
  declare public readonly userData: pulumi.Output<string | null>;
  /** Estimate, not a measurement: seconds until the workstation is usable. */
  declare public readonly estimatedLaunchSeconds: pulumi.Output<number>;
  /** For a cross-region copy: the region the source AMI lives in. */
  declare public readonly sourceRegion: pulumi.Output<string | null>;
  declare public readonly strategy: pulumi.Output<Strategy>;
  declare public readonly templateName: pulumi.Output<string>;
  declare public readonly templateVersion: pulumi.Output<string | null>;
  /** Estimate, not a measurement: on-demand USD per hour from a bundled price snapshot (null without a price). */
  declare public readonly estimatedCostPerHour: pulumi.Output<number | null>;
  /** Says in words that the cost figures are estimates and where the prices come from. */
  declare public readonly costLabel: pulumi.Output<string>;
  /** Estimate: AMI path versus script path, e.g. "AMI: $0.20/h now · script: $0.20/h + 6 min setup ($0.02)". */
  declare public readonly costComparison: pulumi.Output<string>;
  declare public readonly warnings: pulumi.Output<string[]>;
  /** Stable hash of ami_config + region + architecture (+ strategy and copy overrides): what pinning compares. */
  declare public readonly pinKey: pulumi.Output<string>;
  declare public readonly templateHash: pulumi.Output<string>;
  /** sha256 of `userData` on the script path (null on the AMI path): what check compares to keep a pinned script. */
  declare public readonly userDataHash: pulumi.Output<string | null>;
  /**
   * Whether the AMI in use is still what the template would pick: {status, candidateAmiId, reason}, null while
   * nothing is launched. Never part of the diff: every `pulumi preview` prints a warning line when it is not current,
   * while this output (and the warning on this resource) is as of the last `pulumi up` that changed the resource.
   */
  declare public readonly freshness: pulumi.Output<AmiFreshness | null>;
  /** A copy this resource made (removed on delete unless retainCopyOnDelete). */
  declare public readonly copiedImageId: pulumi.Output<string | undefined>;

  constructor(name: string, args: AmiResolutionArgs, opts?: pulumi.CustomResourceOptions) {
    // One wave of the program's resolutions is answered together by its first one's check (see pin/program-fleet-prefetch.ts).
    const fleet = joinFleet(args);
    super(
      amiResolutionProvider,
      "AmiResolution",
      name,
      {
        ...args,
        templatesDirsInProject:
          args.templatesDirs === undefined
            ? undefined
            : pulumi.output(args.templatesDirs).apply((dirs) => templatesDirsInProject(dirs, projectRoot())),
        architecture: args.architecture,
        instanceType: args.instanceType,
        strategy: args.strategy,
        // 0 is sent as nothing, so stacks from before generations existed keep identical inputs (and preview clean).
        generation:
          args.generation === undefined
            ? undefined
            : pulumi.output(args.generation).apply((n) => (n > 0 ? n : undefined)),
        // Identifies this resource's copies (tagged on the image) so a later check finds them again.
        copyOwner: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
        amiId: undefined,
        resolvedAmiId: undefined,
        method: undefined,
        fallbackChain: undefined,
        resolutionNote: undefined,
        userDataHash: undefined,
        estimatedLaunchSeconds: undefined,
        sourceRegion: undefined,
        templateName: undefined,
        templateVersion: undefined,
        estimatedCostPerHour: undefined,
        costLabel: undefined,
        costComparison: undefined,
        warnings: undefined,
        pinKey: undefined,
        templateHash: undefined,
        copiedImageId: undefined,
        freshness: undefined,
        fleetQuestions: fleet.fleetQuestions,
      },
      opts,
      [PREVIOUS_AMI_RESOLUTION_TYPE],
    );
    fleet.joined(this);
    this.userData = pulumi
      .all([
        this.method,
        this.architecture,
        args.region,
        args.template,
        args.templateObject,
        args.templatesDirs,
        args.parameters,
      ])
      .apply(([method, architecture, region, template, templateObject, templatesDirs, parameters]) =>
        method === "fallback_script"
          ? resolutionUserData(
              loadTemplateInput({ template, templateObject, templatesDirs, parameters }).template,
              architecture,
              region,
            )
          : null,
      );
    pulumi.all([this.freshness, this.amiId]).apply(([freshness, amiId]) => {
      if (freshness && freshness.status !== "current") pulumi.log.warn(freshnessWarning(name, freshness, amiId), this);
    });
  }
}

/**
 * The Pulumi project's root (where Pulumi.yaml is), as the engine tells the program; the working directory when it
 * does not (under mocks the SDK answers a placeholder, not a path).
 */
function projectRoot(): string {
  const root = pulumi.getRootDirectory();
  return path.isAbsolute(root) ? root : process.cwd();
}
