import type * as pulumi from "@pulumi/pulumi";
import type { RefreshMode } from "../dynamic/pin/shared-decision";
import type { Architecture, Size, Strategy } from "../templates/schema";
import type { DataVolumeType } from "./data-volume-plan";

// The component's arguments, in their own file below the component so its helpers (workstation-region.ts,
// workstation-resources.ts) can read them without importing the component back.

export interface ResearchWorkstationArgs {
  /**
   * The template: a name (looked up in `templatesDirs`, then the shipped templates), a path to a YAML file, or an
   * inline template object. A plain value, not an Output: the component reads it to decide ports, users and tags.
   */
  template: string | Record<string, unknown>;
  /** Extra directories searched for templates by name, before the shipped ones. */
  templatesDirs?: string[];
  /** Values for the template's `parameters`. */
  parameters?: Record<string, string | number | boolean>;
  /**
   * The region to launch in. Default: the explicit aws provider's region, else `aws:region` config, else AWS_REGION.
   * The AMI is resolved here and every regional resource (instance, security group, idle alarm) is created here,
   * whatever `aws:region` says. With an explicit aws provider, a different region is refused.
   */
  region?: pulumi.Input<string>;
  /** A size (XS…XL, GPU-S…GPU-L) picks an instance type for the region and architecture. Give this or instanceType. */
  size?: Size;
  /** Pins one instance type (its architecture decides the AMI's). */
  instanceType?: string;
  architecture?: Architecture;
  /** Launch into this subnet (its VPC gets the security group). Default: the default VPC's default subnet. */
  subnetId?: pulumi.Input<string>;
  /** The VPC for the security group; looked up from `subnetId` when omitted. */
  vpcId?: pulumi.Input<string>;
  /** Your own security groups. Give this or `allowedCidrs`. */
  vpcSecurityGroupIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** Makes a security group opening the template's ports and services (and SSH with a key) to these IPv4 CIDRs only. */
  allowedCidrs?: string[];
  /** An EC2 key pair for SSH. Without it, connect with Session Manager. */
  keyName?: string;
  /**
   * An existing instance profile. Default: a role with AmazonSSMManagedInstanceCore, for Session Manager (and, with
   * hibernation, ec2:StopInstances on this instance only, for the idle agent).
   */
  iamInstanceProfile?: pulumi.Input<string>;
  /**
   * Root volume (gp3, encrypted) in GiB. Default: the template's root_volume_gb, else 50. With hibernation it must
   * hold the instance's RAM plus 16 GiB.
   */
  rootVolumeGb?: number;
  /** Whether the instance gets a public IP (default: the subnet's setting). */
  associatePublicIpAddress?: boolean;
  tags?: Record<string, string>;
  owner?: string;
  project?: string;
  /** Overrides the template's `ami_config.strategy`. */
  strategy?: Strategy;
  /**
   * `pinned` (default): keep the AMI a previous run chose until the template's ami_config, the region or the
   * architecture changes, or the AMI stops being launchable. `latest`: re-resolve on every run — be aware this
   * replaces the workstation whenever a newer image wins.
   */
  refresh?: RefreshMode;
  /** Consent to copy an AMI from a neighbouring region when none exists here (the copy is made by `pulumi up`). */
  allowCrossRegionCopy?: boolean;
  /** Keep a copied AMI when the workstation is destroyed (default: the copy and its snapshots are removed). */
  retainCopyOnDelete?: boolean;
  /**
   * Upgrading on purpose (integer ≥ 0, default 0): part of the pin key, so bumping it re-resolves a pinned AMI once
   * and moves the workstation to what a fresh resolution picks now. That replaces the instance (its root volume
   * goes; a `dataVolumeGb` volume stays). `cws ami upgrade --plan` proposes the bump.
   */
  amiGeneration?: number;
  /**
   * A separate EBS data volume (GiB; encrypted) mounted at /data, formatted only when blank. It does not depend on the
   * AMI, so a new image replaces the instance and keeps the volume; it is also kept when the workstation is destroyed
   * (retainOnDelete) — delete it yourself when the data is no longer needed.
   */
  dataVolumeGb?: number;
  /** The data volume's EBS type (default gp3). */
  dataVolumeType?: DataVolumeType;
  /**
   * Where the instance and its data volume live when no `subnetId` gives it (default: the region's "a" zone). Only
   * used with `dataVolumeGb`: the volume must be in the instance's zone.
   */
  availabilityZone?: string;
}
