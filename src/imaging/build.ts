import { DescribeImagesCommand, type EC2Client, type Image, StopInstancesCommand } from "@aws-sdk/client-ec2";
import { GetParameterCommand, PutParameterCommand } from "@aws-sdk/client-ssm";
import { baseImageSource, baseOfTemplate } from "../resolver/base-images";
import { checkAccountRegions } from "../core/account-regions";
import { isNotFound } from "../core/aws-errors";
import { resolveAmi } from "../resolver/engine";
import { ImageCache } from "../core/image-cache";
import { InvalidInputError } from "../core/errors";
import { IMAGE_TAGS } from "../core/image-tags";
import type { AwsClients } from "../core/clients";
import { READY_MARKER_PATH } from "../resolver/user-data";
import { templateHash } from "../templates/hash";
import type { Architecture, Template } from "../templates/schema";
import { captureImage, MANAGED_TAG } from "./capture";
import {
  createBuilderProfile,
  defaultIamClient,
  instanceState,
  launchBuilder,
  snapshotsOfImage,
  undoBuild,
  waitForProvisioning,
} from "./build-builder";
import { type BuildClients, type BuildOptions, type BuildPlan, type BuildResult, type BuildStep } from "./build-types";
import { copyImage, type CopyResult } from "./copy";
import { ImagingError } from "./errors";
import { realSleep, throwIfInterrupted, waitFor } from "./waiters";

/**
 * Baking a template into an AMI, the way EC2 Image Builder does it: launch the template's script path on its base
 * image once, wait until the script finished (Systems Manager Run Command checks cloud-init and the readiness
 * marker), image the stopped builder, terminate it. Every later launch then finds the image through the resolver
 * (an SSM parameter, the catalog) in about a minute instead of provisioning for 5–8.
 */

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

/** `cws-python-ml-x86_64-20261129-231500`: unique per build, within AWS's 128 characters. */
export function buildImageName(template: string, architecture: Architecture, date: Date): string {
  const stamp = date.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `cws-${template}`.slice(0, 128 - architecture.length - stamp.length - 2) + `-${architecture}-${stamp}`;
}

/** The tags of a built image and its snapshots. */
export function buildTags(plan: BuildPlan, template: Template, date: Date): Record<string, string> {
  return {
    [IMAGE_TAGS.kind]: "built",
    [IMAGE_TAGS.template]: template.name,
    ...(template.version !== undefined ? { [IMAGE_TAGS.templateVersion]: String(template.version) } : {}),
    [IMAGE_TAGS.templateHash]: plan.templateHash,
    [IMAGE_TAGS.baseAmi]: plan.baseAmiId,
    ...(plan.baseParameter ? { [IMAGE_TAGS.baseParameter]: plan.baseParameter } : {}),
    [IMAGE_TAGS.built]: date.toISOString(),
    [MANAGED_TAG]: "true",
  };
}

/**
 * Builds an image from a template in one region (and copies it when asked). Idempotent: an image already built from
 * the same template hash and base AMI is reused unless `force`. On any failure or abort the builder is terminated,
 * the instance profile made for it removed and an unfinished image deregistered; the ImagingError lists what was
 * and was not undone. A finished image is kept (and reported) even when publishing or copying fails afterwards.
 */
export async function buildTemplateImage(
  template: Template,
  options: BuildOptions,
  clients: BuildClients,
): Promise<BuildResult> {
  const date = (options.date ?? (() => new Date()))();
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const started = now();
  const steps: string[] = [];
  const progress = (text: string) => {
    steps.push(text);
    options.onProgress?.(text, now() - started);
  };
  const ec2 = clients.ec2(options.region);
  const ssm = clients.ssm(options.region);
  const waitOptions = { sleep, now: options.now, onProgress: options.onProgress, signal: options.signal };

  let provisioningVerified: boolean | undefined;
  let step: BuildStep = "resolve base image";
  progress(`resolve the ${baseOfTemplate(template)} base image in ${options.region}`);
  const plan = await planBuild(template, options, clients);

  step = "find a previous build";
  if (!options.force) {
    const previous = await findPreviousBuild(ec2, plan, options.signal);
    if (previous?.ImageId) {
      progress(
        `reuse ${previous.ImageId}: built from the same template (hash ${plan.templateHash.slice(0, 12)}) on ${plan.baseAmiId}`,
      );
      return finish(previous.ImageId, previous.Name, snapshotsOfImage(previous), true);
    }
  }

  let profile: { name: string; roleName: string; madeByUs: boolean } | undefined;
  let builderId: string | undefined;
  let image: { amiId: string; imageName: string; snapshotIds: string[] } | undefined;
  const iam = clients.iam?.() ?? defaultIamClient();
  try {
    step = "create builder instance profile";
    throwIfInterrupted(options.signal, step);
    if (options.instanceProfileName) {
      profile = { name: options.instanceProfileName, roleName: "", madeByUs: false };
    } else {
      const name = `cws-builder-${plan.template}`.slice(0, 48) + `-${date.getTime().toString(36)}`;
      progress(`create instance profile ${name} (Systems Manager only, removed after the build)`);
      profile = { name, roleName: name, madeByUs: true };
      await createBuilderProfile(iam, name);
    }

    step = "launch builder";
    throwIfInterrupted(options.signal, step);
    progress(`launch builder ${plan.instanceType} from ${plan.baseAmiId}`);
    builderId = await launchBuilder(ec2, plan, template, profile.name, options, sleep);
    progress(`builder ${builderId} launched`);

    step = "wait for builder running";
    await waitFor(
      `wait for builder ${builderId} running`,
      async () => {
        const state = await instanceState(ec2, builderId as string);
        if (state === "running") return { done: true, value: undefined };
        if (state === "terminated" || state === "shutting-down" || state === "stopped") {
          return { done: false, failed: `builder is ${state}` };
        }
        return { done: false, state };
      },
      { ...waitOptions, intervalMs: options.intervalMs ?? 10_000, timeoutMs: 15 * 60_000 },
    );

    step = "wait for provisioning";
    progress(`wait for provisioning (Run Command AWS-RunShellScript: cloud-init and ${READY_MARKER_PATH})`);
    provisioningVerified = (await waitForProvisioning(ssm, builderId, options, waitOptions)).verified;

    step = "stop builder";
    throwIfInterrupted(options.signal, step);
    progress(`stop builder ${builderId}`);
    await ec2.send(new StopInstancesCommand({ InstanceIds: [builderId] }));
    await waitFor(
      `wait for builder ${builderId} stopped`,
      async () => {
        const state = await instanceState(ec2, builderId as string);
        return state === "stopped" ? { done: true, value: undefined } : { done: false, state };
      },
      { ...waitOptions, intervalMs: options.intervalMs ?? 5_000, timeoutMs: 10 * 60_000 },
    );

    step = "create image";
    const imageName = buildImageName(plan.template, plan.architecture, date);
    // captureImage images the stopped builder and removes its own unfinished image on failure.
    const captured = await captureImage(ec2, {
      instanceId: builderId,
      region: options.region,
      templateName: plan.template,
      imageName,
      description: `CloudWorkstation ${plan.template} built on ${plan.baseAmiId}`,
      mode: "stop",
      tags: buildTags(plan, template, date),
      imageTimeoutMs: options.imageTimeoutMs,
      date: () => date,
      ...waitOptions,
      intervalMs: options.intervalMs,
    });
    image = { amiId: captured.amiId, imageName, snapshotIds: captured.snapshotIds };
    progress(`image ${captured.amiId} available`);
  } catch (error) {
    if (error instanceof InvalidInputError) {
      await undoBuild(ec2, iam, builderId, profile).catch(() => undefined);
      throw error;
    }
    const { undone, notUndone } = await undoBuild(ec2, iam, builderId, profile);
    if (error instanceof ImagingError) {
      // The capture step already undid its own image; add what the build undid.
      throw new ImagingError(
        `${step}: ${error.step}`,
        error.cause,
        [...error.undone, ...undone],
        [...error.notUndone, ...notUndone],
      );
    }
    throw new ImagingError(step, error, undone, notUndone);
  }

  // The image is good from here on: cleaning up the builder or publishing can fail without losing it.
  step = "terminate builder";
  progress(`terminate builder ${builderId}`);
  const cleanup = await undoBuild(ec2, iam, builderId, profile);
  if (cleanup.notUndone.length) {
    throw new ImagingError(step, new Error("cleanup after a successful build failed"), cleanup.undone, [
      `image ${image.amiId} in ${options.region} is built and kept`,
      ...cleanup.notUndone,
    ]);
  }
  return finish(image.amiId, image.imageName, image.snapshotIds, false);

  async function finish(
    amiId: string,
    imageName: string | undefined,
    snapshotIds: string[],
    reused: boolean,
  ): Promise<BuildResult> {
    const amiIds: Record<string, string> = { [options.region]: amiId };
    const kept = `image ${amiId} in ${options.region} is built and kept`;
    let publishedParameter: string | undefined;
    if (options.publishSsmParameter) {
      step = "publish";
      progress(`publish ${amiId} as SSM parameter ${options.publishSsmParameter}`);
      try {
        await ssm.send(
          new PutParameterCommand({
            Name: options.publishSsmParameter,
            Value: amiId,
            Type: "String",
            DataType: "aws:ec2:image",
            Overwrite: true,
            Description: `CloudWorkstation ${plan.template} (template hash ${plan.templateHash.slice(0, 12)})`,
          }),
        );
      } catch (error) {
        throw new ImagingError(
          step,
          error,
          [],
          [
            `${kept}; publish it with aws ssm put-parameter --region ${options.region} --name ${options.publishSsmParameter} ` +
              `--type String --data-type aws:ec2:image --overwrite --value ${amiId}`,
          ],
        );
      }
      publishedParameter = options.publishSsmParameter;
    }
    for (const target of options.copyToRegions ?? []) {
      if (target === options.region) continue;
      step = "copy to regions";
      progress(`copy ${amiId} to ${target}`);
      let copy: CopyResult;
      try {
        copy = await copyImage(clients, {
          sourceAmiId: amiId,
          sourceRegion: options.region,
          targetRegion: target,
          ...waitOptions,
          intervalMs: options.intervalMs,
        });
      } catch (error) {
        const copied = Object.entries(amiIds)
          .filter(([region]) => region !== options.region)
          .map(([region, id]) => `copy ${id} in ${region} is kept`);
        throw new ImagingError(`${step} (${target})`, error, [], [kept, ...copied]);
      }
      amiIds[target] = copy.amiId;
    }
    return {
      amiId,
      region: options.region,
      architecture: plan.architecture,
      instanceType: plan.instanceType,
      baseAmiId: plan.baseAmiId,
      baseParameter: plan.baseParameter,
      templateHash: plan.templateHash,
      imageName,
      reused,
      ...(provisioningVerified === undefined ? {} : { provisioningVerified }),
      publishedParameter,
      amiIds,
      snapshotIds,
      steps,
    };
  }
}
