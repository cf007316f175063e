import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { RegionalAmiCopy } from "../dynamic/regional-ami-copy";
import type { SavedTemplate } from "../dynamic/saved-template";
import { SavedTemplateMappings } from "../dynamic/saved-template-mappings";
import type { SharingOptions } from "../imaging";

export interface MultiRegionAmiArgs {
  sourceAmiId: pulumi.Input<string>;
  sourceRegion: pulumi.Input<string>;
  /** Regions the AMI must exist in. The source region, if listed, maps to the source AMI without a copy. */
  regions: string[];
  /** Encrypt the copies' snapshots (with the region's default EBS key unless `kmsKeyIds` names one). */
  encrypted?: pulumi.Input<boolean>;
  /** region → KMS key id/ARN for that region's copy. */
  kmsKeyIds?: Record<string, pulumi.Input<string>>;
  /** Name of the copies; defaults to the source image's name. */
  name?: pulumi.Input<string>;
  /** Added to every copy and its snapshots (the source image's tags are copied too). */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Launch permissions applied to every regional AMI once it is available. `public` only when explicitly true. */
  sharing?: SharingOptions;
  /** Default true: destroying keeps the copies. */
  retainOnDelete?: pulumi.Input<boolean>;
  /** Default true: each copy gets AWS's deregistration protection (see RegionalAmiCopy); off before a removing delete. */
  deregistrationProtection?: pulumi.Input<boolean>;
  /** How long a copy may stay pending before it is abandoned (and cleaned up); default 45. */
  copyTimeoutMinutes?: pulumi.Input<number>;
  /**
   * The SavedTemplate whose image `sourceAmiId` is: once the copies exist, its template (and its file, if it wrote
   * one) is rewritten so that `ami_mappings` names the image in every region here (`templateYaml`).
   */
  savedTemplate?: SavedTemplate;
}

/** Regions in a stable order, without duplicates. Internal. Exported for testing. */
export function planRegions(regions: string[]): string[] {
  if (regions.length === 0) throw new Error("regions must list at least one region");
  return [...new Set(regions)].sort();
}

/** The ready-to-paste `ami_mappings:` block for a template. Internal. Exported for testing. */
export function renderAmiMappings(entries: { region: string; architecture: string; amiId: string }[]): string {
  const mappings: Record<string, Record<string, string>> = {};
  for (const entry of [...entries].sort((a, b) => a.region.localeCompare(b.region))) {
    mappings[entry.region] = {
      ...(mappings[entry.region] ?? {}),
      [entry.architecture === "arm64" ? "arm64" : "x86_64"]: entry.amiId,
    };
  }
  return stringify({ ami_mappings: mappings }, { lineWidth: 0 });
}

/**
 * Makes one AMI available in several regions: one tracked RegionalAmiCopy per region, so a copy that failed in one
 * region never orphans (or forgets) the copies made in others, and a re-run only retries what is missing.
 */
export class MultiRegionAmi extends pulumi.ComponentResource {
  /** region → AMI id. */
  public readonly amiIds: pulumi.Output<Record<string, string>>;
  /** `ami_mappings:` YAML, ready to paste into a template's `ami_config`. */
  public readonly amiMappings: pulumi.Output<string>;
  public readonly copies: Record<string, RegionalAmiCopy>;
  /** With `savedTemplate`: its template with an ami_mappings entry for every region (else null). */
  public readonly templateYaml: pulumi.Output<string | null>;

  constructor(name: string, args: MultiRegionAmiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cloudworkstation:index:MultiRegionAmi", name, {}, opts);
    let regions: string[];
    try {
      regions = planRegions(args.regions);
    } catch (error) {
      throw new pulumi.ResourceError((error as Error).message, this);
    }
    if (args.sharing?.public === true) {
      pulumi.log.warn(
        "MultiRegionAmi sharing.public is true: ANYONE with an AWS account can launch these images and read everything on their disks " +
          "(home directories, credentials, datasets). Make sure nothing private was left on the instance.",
        this,
      );
    }
    const sharing: SharingOptions = { ...(args.sharing ?? {}), public: args.sharing?.public === true };
    this.copies = {};
    for (const region of regions) {
      this.copies[region] = new RegionalAmiCopy(
        `${name}-${region}`,
        {
          sourceAmiId: args.sourceAmiId,
          sourceRegion: args.sourceRegion,
          region,
          name: args.name,
          encrypted: args.encrypted,
          kmsKeyId: args.kmsKeyIds?.[region],
          tags: args.tags,
          sharing,
          retainOnDelete: args.retainOnDelete,
          deregistrationProtection: args.deregistrationProtection,
          timeoutMinutes: args.copyTimeoutMinutes,
        },
        { parent: this },
      );
    }
    const entries = pulumi.all(
      regions.map((region) =>
        pulumi
          .all([this.copies[region].amiId, this.copies[region].architecture])
          .apply(([amiId, architecture]) => ({ region, amiId, architecture })),
      ),
    );
    this.amiIds = entries.apply((list) => Object.fromEntries(list.map((e) => [e.region, e.amiId])));
    this.amiMappings = entries.apply(renderAmiMappings);
    const saved = args.savedTemplate;
    this.templateYaml = saved
      ? new SavedTemplateMappings(
          `${name}-template`,
          {
            savedTemplateYaml: saved.templateYaml,
            amiIds: this.amiIds,
            architecture: saved.architecture,
            templateFile: saved.templateFile,
          },
          { parent: this },
        ).templateYaml
      : pulumi.output(null);
    this.registerOutputs({ amiIds: this.amiIds, amiMappings: this.amiMappings, templateYaml: this.templateYaml });
  }
}
