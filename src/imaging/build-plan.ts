import { DescribeImagesCommand, type EC2Client, type Image } from "@aws-sdk/client-ec2";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { checkAccountRegions } from "../core/account-regions";
import { isNotFound } from "../core/aws-errors";
import type { AwsClients } from "../core/clients";
import { InvalidInputError } from "../core/errors";
import { ImageCache } from "../core/image-cache";
import { IMAGE_TAGS } from "../core/image-tags";
import { baseImageSource, baseOfTemplate } from "../resolver/base-images";
import { resolveAmi } from "../resolver/engine";
import { templateHash } from "../templates/hash";
import type { Architecture, Template } from "../templates/schema";
import type { WaitOptions } from "./waiters";

/**
 * What a template build starts from, decided before anything is made: the options, the plan (base image, user data,
 * template hash) and an earlier build of the same plan. Makes no changes; the build itself is build.ts.
 */

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

/**
 * What a build of `template` in a region would start from: the same base image and user data the script path
 * resolves (the distribution's public parameter, owner-checked), and the template hash. Makes no changes.
 */
export async function planBuild(
  template: Template,
  options: Pick<BuildOptions, "region" | "architecture" | "instanceType" | "copyToRegions" | "signal">,
  clients: AwsClients,
): Promise<BuildPlan> {
  // A copy region AWS does not have (or has not enabled) must stop the build before the builder is launched.
  await checkAccountRegions(clients, options.region, options.copyToRegions ?? [], "copyToRegions", options.signal);
  // Only the script path: a build starts from the distribution's image, never from an image an AMI tier would pick.
  const scriptOnly: Template = {
    ...template,
    ami_config: {
      strategy: "ami_preferred",
      ...(template.ami_config?.trusted_owners ? { trusted_owners: template.ami_config.trusted_owners } : {}),
      ...(template.ami_config?.preferred_architecture
        ? { preferred_architecture: template.ami_config.preferred_architecture }
        : {}),
      ...(template.ami_config?.instance_family_preference
        ? { instance_family_preference: template.ami_config.instance_family_preference }
        : {}),
    } as Template["ami_config"],
  };
  const resolution = await resolveAmi(
    scriptOnly,
    {
      region: options.region,
      architecture: options.architecture,
      instanceType: options.instanceType,
      allowCrossRegionCopy: false,
    },
    clients,
    // A build decides what to bake: never from a cached answer that may predate the distribution's newest image.
    { cache: new ImageCache() },
  );
  const step = resolution.fallbackChain.find((entry) => entry.tier === "fallback_script");
  if (resolution.method !== "fallback_script" || !resolution.amiId || !resolution.userData) {
    throw new InvalidInputError(
      `no ${baseOfTemplate(template)} ${resolution.architecture} base image to build ${template.name} on in ` +
        `${options.region}: ${step?.detail ?? "the script path found nothing"}`,
      "base",
    );
  }
  const parameter = baseImageSource(baseOfTemplate(template), resolution.architecture).ssmParameter;
  let baseParameter: string | undefined;
  if (parameter) {
    const value = await clients
      .ssm(options.region)
      .send(new GetParameterCommand({ Name: parameter }), { abortSignal: options.signal })
      .then((answer) => answer.Parameter?.Value?.trim())
      .catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
    if (value === resolution.amiId) baseParameter = parameter;
  }
  return {
    template: template.name,
    region: options.region,
    architecture: resolution.architecture,
    instanceType: resolution.instanceType,
    baseAmiId: resolution.amiId,
    baseParameter,
    templateHash: templateHash(template),
    userData: resolution.userData,
    baseDetail: step?.detail ?? "",
  };
}

/** An image this account built earlier from the same template hash on the same base, if one is available. */
export async function findPreviousBuild(
  ec2: EC2Client,
  plan: BuildPlan,
  signal?: AbortSignal,
): Promise<Image | undefined> {
  const { Images = [] } = await ec2.send(
    new DescribeImagesCommand({
      Owners: ["self"],
      Filters: [
        { Name: `tag:${IMAGE_TAGS.templateHash}`, Values: [plan.templateHash] },
        { Name: `tag:${IMAGE_TAGS.baseAmi}`, Values: [plan.baseAmiId] },
        { Name: "architecture", Values: [plan.architecture] },
        { Name: "state", Values: ["available"] },
      ],
    }),
    { abortSignal: signal },
  );
  return [...Images].sort((a, b) => (b.CreationDate ?? "").localeCompare(a.CreationDate ?? ""))[0];
}
