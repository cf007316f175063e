import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Template } from "../templates/schema";
import {
  type AmiResolutionInputs,
  type AmiResolutionOutputProperties,
  EXPOSED_OUTPUT_KEYS,
} from "./ami-resolution/fields";
import { freshnessWarning } from "./pin/shared-freshness-line";
import { loadTemplateInput, resolutionUserData, templatesDirsInProject } from "./ami-resolution/template-input";
import { joinFleet } from "./pin/program-fleet-prefetch";
import { CloudWorkstationResource, lazyProvider, pluginType } from "./host";

/** The stored provider: a short module text that loads the logic by path (see host.ts); the logic is ami-resolution/provider. */
export const amiResolutionProvider = lazyProvider("ami-resolution/provider");

/** The type a program registers (the plugin's); older stacks hold dynamic types, aliased (see host.ts). */
export const AMI_RESOLUTION_TYPE = pluginType("AmiResolution");
/** The token AmiResolution had before all dynamic resources shared one convention; aliased, so nothing is replaced. */
export const PREVIOUS_AMI_RESOLUTION_TYPE = "pulumi-nodejs:dynamic:AmiResolution";

/** Inputs the resource sets itself: never given by its caller. */
export type AmiResolutionSetByTheResource = "templatesDirsInProject" | "copyOwner" | "fleetQuestions";
export type AmiResolutionCallerInputs = Omit<AmiResolutionInputs, AmiResolutionSetByTheResource>;
/** A plain input as a Pulumi input (an array's elements may be Outputs too). */
export type AmiResolutionInputOf<T> = [T] extends [readonly (infer Element)[]]
  ? pulumi.Input<pulumi.Input<Element>[]>
  : pulumi.Input<T>;

export type AmiResolutionCallerArgs = {
  [K in keyof AmiResolutionCallerInputs]: AmiResolutionInputOf<Exclude<AmiResolutionCallerInputs[K], undefined>>;
};

/** The inputs (declared once, in ami-resolution/fields.ts) as a program gives them, and what the program may reuse. */
export interface AmiResolutionArgs extends AmiResolutionCallerArgs {
  /**
   * The template that `template`/`templateObject` names, as the caller already loaded it with these `templatesDirs`
   * and `parameters` (ResearchWorkstation passes its own): the program renders the script path's user data from it
   * instead of loading the template again. Not an input: the provider loads the template from the inputs above.
   */
  loadedTemplate?: Template;
}

// The exposed outputs (RESOLUTION_OUTPUTS) are the class's properties: the base constructor assigns them as Outputs,
// and this merged interface declares them without emitting a class field that would overwrite them. The merge is safe:
// the interface only declares what the constructor makes.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface AmiResolution extends AmiResolutionOutputProperties {}

/**
 * Which AMI a workstation launches, decided at preview time. `pulumi preview` already shows `amiId` and the
 * `fallbackChain` that led to it, and `pulumi up` launches exactly that; with the default `refresh: pinned`, an
 * unchanged stack previews clean even after newer images are published.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- its outputs' interface, above
export class AmiResolution extends CloudWorkstationResource {
  /**
   * The provisioning script, on the script path only (null on the AMI path). Rendered by the program from the
   * template, not stored in the resolution's state (check pins it by hash: `userDataHash`). `declare`: with target
   * ES2022 a plain field would be emitted and overwrite, after super() returns, the Output the base constructor set.
   */
  declare public readonly userData: pulumi.Output<string | null>;

  constructor(name: string, args: AmiResolutionArgs, opts?: pulumi.CustomResourceOptions) {
    // One wave of the program's resolutions is answered together by its first one's check (see
    // pin/program-fleet-prefetch.ts).
    const fleet = joinFleet(args);
    const { loadedTemplate, ...inputs } = args;
    super(
      amiResolutionProvider,
      "AmiResolution",
      name,
      {
        // Every exposed output is a property (the engine fills it in); a resolved input keeps the value asked for.
        ...Object.fromEntries(EXPOSED_OUTPUT_KEYS.map((key) => [key, undefined])),
        ...inputs,
        templatesDirsInProject:
          args.templatesDirs === undefined
            ? undefined
            : pulumi.output(args.templatesDirs).apply((dirs) => templatesDirsInProject(dirs, projectRoot())),
        // 0 is sent as nothing, so stacks from before generations existed keep identical inputs (and preview clean).
        generation:
          args.generation === undefined
            ? undefined
            : pulumi.output(args.generation).apply((n) => (n > 0 ? n : undefined)),
        // Identifies this resource's copies (tagged on the image) so a later check finds them again.
        copyOwner: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
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
              loadedTemplate ?? loadTemplateInput({ template, templateObject, templatesDirs, parameters }).template,
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
