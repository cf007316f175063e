import * as pulumi from "@pulumi/pulumi";
import type { Architecture } from "../templates/schema";
import { CloudWorkstationResource, lazyProvider } from "./host";
import type { TemplateContents } from "./template-image/inputs";

export {
  checkTemplateImageInputs,
  describeRebuild,
  diffTemplateImage,
  templateContents,
  type CatalogPublishInputs,
  type TemplateContents,
  type TemplateImageInputs,
  type TemplateImageOutputs,
} from "./template-image/inputs";

/** The stored provider: a short module text that loads the logic by path (see host.ts); the logic is template-image/provider. */
export const templateImageProvider = lazyProvider("template-image/provider");

export interface TemplateImageArgs {
  /** A template name (looked up in `templatesDirs`, then the shipped templates), a path, or an inline template object. */
  template: pulumi.Input<string | Record<string, unknown>>;
  templatesDirs?: pulumi.Input<pulumi.Input<string>[]>;
  /** Values for the template's `parameters`. */
  parameters?: pulumi.Input<Record<string, string | number | boolean>>;
  /** Where to build. Dynamic resources never inherit the aws provider's region. */
  region: pulumi.Input<string>;
  /** Default: the template's preferred architecture. */
  architecture?: pulumi.Input<Architecture>;
  /** The builder's instance type (default: the template's size). Changing it alone rebuilds nothing. */
  instanceType?: pulumi.Input<string>;
  publish?: pulumi.Input<{
    /** Write the image id to exactly this SSM parameter (data type aws:ec2:image) in `region`. */
    ssmParameter?: pulumi.Input<string>;
    /** Write a beta entry to this catalog working copy per build (commit and push it yourself; docs/catalog.md). */
    catalog?: pulumi.Input<{
      directory: pulumi.Input<string>;
      creator: pulumi.Input<string>;
      version?: pulumi.Input<string>;
      channels?: pulumi.Input<pulumi.Input<string>[]>;
      description?: pulumi.Input<string>;
      signKey?: pulumi.Input<string>;
    }>;
  }>;
  /** Copy the built image to these regions too (adding one later copies the existing image). */
  copyToRegions?: pulumi.Input<pulumi.Input<string>[]>;
  /** Default true: a replaced or destroyed TemplateImage keeps its image (a lab asset templates may still launch). */
  retainOnDelete?: pulumi.Input<boolean>;
  /** Default true: the image and its copies get AWS deregistration protection. */
  deregistrationProtection?: pulumi.Input<boolean>;
  /** How long the template's provisioning may take before the build fails (default 60). */
  timeoutMinutes?: pulumi.Input<number>;
  /** Build even when an image of the same template hash and base exists (instead of reusing it). */
  force?: pulumi.Input<boolean>;
}

/**
 * A template baked into an AMI. `pulumi preview` says whether `up` builds and why — "base ami-old → ami-new (the
 * distribution published a new image)", "template changed (packages: +scikit-learn)" — and nothing when neither
 * changed: a scheduled preview is the image's update check, a merged pull request its rebuild. A rebuild is a
 * replacement: the new image is built (and published) before the old one is retained or deleted.
 */
export class TemplateImage extends CloudWorkstationResource {
  /** The image in `region`. */
  declare public readonly amiId: pulumi.Output<string>;
  /** region → image: `region` and every copy. */
  declare public readonly amiIds: pulumi.Output<Record<string, string>>;
  /** The distribution image the build started from. */
  declare public readonly baseAmiId: pulumi.Output<string>;
  declare public readonly baseParameter: pulumi.Output<string | null>;
  declare public readonly templateName: pulumi.Output<string>;
  declare public readonly templateHash: pulumi.Output<string>;
  declare public readonly templateContents: pulumi.Output<TemplateContents>;
  /** Why the image was (or will be) built, or reused. */
  declare public readonly buildReason: pulumi.Output<string>;
  declare public readonly architecture: pulumi.Output<Architecture>;
  declare public readonly instanceType: pulumi.Output<string>;
  declare public readonly snapshotIds: pulumi.Output<string[]>;
  declare public readonly imageName: pulumi.Output<string | null>;
  /** The SSM parameter written, or null. */
  declare public readonly publishedParameter: pulumi.Output<string | null>;
  /** The catalog entry file written, or null. */
  declare public readonly catalogEntry: pulumi.Output<string | null>;
  declare public readonly reused: pulumi.Output<boolean>;
  declare public readonly warnings: pulumi.Output<string[]>;

  constructor(name: string, args: TemplateImageArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      templateImageProvider,
      "TemplateImage",
      name,
      {
        ...args,
        amiId: undefined,
        amiIds: undefined,
        baseAmiId: undefined,
        baseParameter: undefined,
        templateName: undefined,
        templateHash: undefined,
        templateContents: undefined,
        buildReason: undefined,
        snapshotIds: undefined,
        imageName: undefined,
        publishedParameter: undefined,
        catalogEntry: undefined,
        reused: undefined,
        warnings: undefined,
      },
      opts,
    );
  }
}
