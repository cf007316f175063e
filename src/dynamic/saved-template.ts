import * as pulumi from "@pulumi/pulumi";
import type { CaptureMode, SharingOptions } from "../imaging";
import { CloudWorkstationResource, type LazyProvider, lazyProvider } from "./host";
import type { SavedTemplateInputs, SavedTemplateOutputs } from "./saved-template/inputs";

export {
  checkSavedTemplateInputs,
  diffSavedTemplate,
  type SavedTemplateInputs,
  type SavedTemplateOutputs,
} from "./saved-template/inputs";

/** The stored provider: a short module text that loads the logic by path (see host.ts); the logic is saved-template/provider. */
export const savedTemplateProvider: LazyProvider<SavedTemplateInputs, SavedTemplateOutputs> =
  lazyProvider("saved-template/provider");

export interface SavedTemplateArgs {
  /** The instance to capture. Changing it captures a new image (replacement). */
  instanceId: pulumi.Input<string>;
  /** The instance's region. Dynamic resources never inherit the aws provider's region. */
  region: pulumi.Input<string>;
  /** Name of the new template (lowercase letters, digits, '.', '_', '-'); also the prefix of the AMI name. */
  templateName: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** The template the saved one inherits (packages, services, users, instance defaults). */
  baseTemplate?: pulumi.Input<string>;
  /**
   * `stop` (default): stop the instance, image it, start it again — a consistent image, minutes of downtime.
   * `reboot`: EC2 reboots the instance during imaging. `no-reboot`: image it running; open files may be inconsistent.
   */
  mode?: pulumi.Input<CaptureMode>;
  /** Tags for the image and its snapshots, besides ours (template, source instance, date, cloudworkstation:managed). */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Default true: `pulumi destroy` (or a replacement) keeps the AMI, because templates elsewhere may launch from it.
   * False: deregister it and delete its snapshots.
   */
  retainOnDelete?: pulumi.Input<boolean>;
  /**
   * Default true: turn on AWS's deregistration protection for the kept image, so neither the console, a script nor
   * `cws ami retire` can deregister it while templates may launch from it. Turned off just before a delete that
   * removes the image (`retainOnDelete: false`). Needs ec2:EnableImageDeregistrationProtection and
   * ec2:DisableImageDeregistrationProtection (docs/iam/save.json).
   */
  deregistrationProtection?: pulumi.Input<boolean>;
  /** Also write `<templatesDir>/<templateName>.yml`. */
  templatesDir?: pulumi.Input<string>;
}

/**
 * Captures a running or stopped instance as an AMI and describes it as a template that inherits `baseTemplate`.
 * In `stop` mode the instance is stopped for the capture and started again as soon as the image is available; on
 * any failure it is restarted and a half-made image is deregistered with its snapshots.
 */
export class SavedTemplate extends CloudWorkstationResource {
  declare public readonly amiId: pulumi.Output<string>;
  declare public readonly imageName: pulumi.Output<string>;
  declare public readonly snapshotIds: pulumi.Output<string[]>;
  declare public readonly architecture: pulumi.Output<string>;
  declare public readonly ownerId: pulumi.Output<string>;
  /** The template, as YAML: `ami_config.ami_mappings` → { region: { architecture: amiId } }. */
  declare public readonly templateYaml: pulumi.Output<string>;
  /** Where the YAML was written (null without a `templatesDir`); MultiRegionAmi({ savedTemplate }) adds the copy regions. */
  declare public readonly templateFile: pulumi.Output<string | null>;
  declare public readonly capturedAt: pulumi.Output<string>;
  declare public readonly retainOnDelete: pulumi.Output<boolean>;

  constructor(name: string, args: SavedTemplateArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      savedTemplateProvider,
      "SavedTemplate",
      name,
      {
        ...args,
        amiId: undefined,
        imageName: undefined,
        snapshotIds: undefined,
        architecture: undefined,
        ownerId: undefined,
        templateYaml: undefined,
        templateFile: undefined,
        capturedAt: undefined,
      },
      opts,
    );
  }
}

export type { SharingOptions };
