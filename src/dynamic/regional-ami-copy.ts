import * as pulumi from "@pulumi/pulumi";
import type { SharingOptions } from "../imaging";
import { CloudWorkstationResource, type LazyProvider, lazyProvider } from "./host";
import type { RegionalAmiCopyInputs, RegionalAmiCopyOutputs } from "./regional-ami-copy/inputs";

export {
  checkRegionalAmiCopyInputs,
  diffRegionalAmiCopy,
  DEFAULT_COPY_TIMEOUT_MINUTES,
  type RegionalAmiCopyInputs,
  type RegionalAmiCopyOutputs,
} from "./regional-ami-copy/inputs";

/** The stored provider: a short module text that loads the logic by path (see host.ts); the logic is regional-ami-copy/provider. */
export const regionalAmiCopyProvider: LazyProvider<RegionalAmiCopyInputs, RegionalAmiCopyOutputs> =
  lazyProvider("regional-ami-copy/provider");

export interface RegionalAmiCopyArgs {
  sourceAmiId: pulumi.Input<string>;
  sourceRegion: pulumi.Input<string>;
  /** Where the copy goes. When it is the source region, nothing is copied: the source AMI is only shared. */
  region: pulumi.Input<string>;
  name?: pulumi.Input<string>;
  encrypted?: pulumi.Input<boolean>;
  kmsKeyId?: pulumi.Input<string>;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  sharing?: pulumi.Input<SharingOptions>;
  /** Default true: destroying keeps the copy. */
  retainOnDelete?: pulumi.Input<boolean>;
  /**
   * Default true: turn on AWS's deregistration protection for the kept image, so neither the console, a script nor
   * `cws ami retire` can deregister it while templates may launch from it. Turned off just before a delete that
   * removes the image (`retainOnDelete: false`). Needs ec2:EnableImageDeregistrationProtection and
   * ec2:DisableImageDeregistrationProtection (docs/iam/save.json).
   */
  deregistrationProtection?: pulumi.Input<boolean>;
  /** How long a copy may stay `pending`; default 45 minutes. */
  timeoutMinutes?: pulumi.Input<number>;
}

/** One AMI copy in one region, tracked in state on its own (so a failure elsewhere never forgets it). */
export class RegionalAmiCopy extends CloudWorkstationResource {
  declare public readonly amiId: pulumi.Output<string>;
  declare public readonly snapshotIds: pulumi.Output<string[]>;
  declare public readonly architecture: pulumi.Output<string>;
  declare public readonly copied: pulumi.Output<boolean>;
  declare public readonly region: pulumi.Output<string>;

  constructor(name: string, args: RegionalAmiCopyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      regionalAmiCopyProvider,
      "RegionalAmiCopy",
      name,
      { ...args, amiId: undefined, snapshotIds: undefined, architecture: undefined, copied: undefined },
      opts,
    );
  }
}
