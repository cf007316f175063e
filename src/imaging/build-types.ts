import type { IAMClient } from "@aws-sdk/client-iam";
import type { AwsClients } from "../core/clients";
import type { Architecture } from "../templates/schema";
import type { WaitOptions } from "./waiters";

/** The steps, options, plan and result of a template build (src/imaging/build.ts). */

export const BUILD_STEPS = [
  "resolve base image",
  "find a previous build",
  "create builder instance profile",
  "launch builder",
  "wait for builder running",
  "wait for provisioning",
  "stop builder",
  "create image",
  "terminate builder",
  "publish",
  "copy to regions",
] as const;
export type BuildStep = (typeof BUILD_STEPS)[number];

/** Per-region AWS clients plus IAM (global) for the builder's instance profile. */
export interface BuildClients extends AwsClients {
  iam?: () => IAMClient;
}

export interface BuildOptions extends Omit<WaitOptions, "timeoutMs"> {
  region: string;
  architecture?: Architecture;
  instanceType?: string;
  /** Launch the builder in this subnet (default VPC otherwise). */
  subnetId?: string;
  /** Use this existing instance profile (it must allow Systems Manager) instead of making one for the build. */
  instanceProfileName?: string;
  /** How long provisioning may take before the build fails; default 60 min. */
  timeoutMs?: number;
  /** How long the new image may take to become available; default 60 min. */
  imageTimeoutMs?: number;
  /** Write the new AMI id to this SSM parameter (data type aws:ec2:image), in the build's region. */
  publishSsmParameter?: string;
  /** Copy the built image to these regions too (the image stays in the build region). */
  copyToRegions?: string[];
  /** Build even when an image from the same template hash and base AMI exists. */
  force?: boolean;
  date?: () => Date;
}

export interface BuildPlan {
  template: string;
  region: string;
  architecture: Architecture;
  instanceType: string;
  baseAmiId: string;
  /** The distribution's public parameter the base came from, when it came from one. */
  baseParameter?: string;
  templateHash: string;
  userData: string;
  /** The chain line that chose the base image, for humans. */
  baseDetail: string;
}

export interface BuildResult {
  amiId: string;
  region: string;
  architecture: Architecture;
  instanceType: string;
  baseAmiId: string;
  baseParameter?: string;
  templateHash: string;
  imageName?: string;
  /** True when an image from the same template hash and base AMI already existed and was reused. */
  reused: boolean;
  /**
   * For a new build: false when Run Command reported success without the check script's readiness line, so nothing
   * shows the template's provisioning ran (an emulator such as moto runs no user data). Absent for a reused image.
   */
  provisioningVerified?: boolean;
  publishedParameter?: string;
  /** The image per region: the build region and every copy. */
  amiIds: Record<string, string>;
  snapshotIds: string[];
  /** What the build did to AWS, in order (for the CLI and the closing report). */
  steps: string[];
}
