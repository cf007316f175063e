import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  type EC2Client,
  type Image,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
} from "@aws-sdk/client-iam";
import {
  GetCommandInvocationCommand,
  GetParameterCommand,
  PutParameterCommand,
  SendCommandCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { baseImageSource, baseOfTemplate } from "../resolver/base-images";
import { awsErrorCode, isNotFound } from "../resolver/aws-errors";
import { resolveAmi } from "../resolver/engine";
import { ImageCache } from "../resolver/image-lookup";
import { InvalidInputError } from "../resolver/errors";
import { IMAGE_TAGS } from "../resolver/image-tags";
import type { AwsClients } from "../resolver/types";
import { READY_MARKER_PATH } from "../resolver/user-data";
import { templateHash } from "../templates/hash";
import type { Architecture, Template } from "../templates/schema";
import { captureImage, MANAGED_TAG, toTagList } from "./capture";
import { copyImage, type CopyResult } from "./copy";
import { describeAwsError, ImagingError } from "./errors";
import { realSleep, throwIfInterrupted, waitFor, type WaitOptions } from "./waiters";

/**
 * Baking a template into an AMI, the way EC2 Image Builder does it: launch the template's script path on its base
 * image once, wait until the script finished (Systems Manager Run Command checks cloud-init and the readiness
 * marker), image the stopped builder, terminate it. Every later launch then finds the image through the resolver
 * (an SSM parameter, the catalog) in about a minute instead of provisioning for 5–8.
 */

/**
 * What the Systems Manager agent on the builder needs to register and run Run Command, and nothing else (the
 * Run Command subset of AmazonSSMManagedInstanceCore, inline so the build depends on no managed policy).
 */
export const BUILDER_AGENT_POLICY = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Action: [
        "ssm:UpdateInstanceInformation",
        "ssm:ListInstanceAssociations",
        "ssm:UpdateInstanceAssociationStatus",
        "ec2messages:AcknowledgeMessage",
        "ec2messages:DeleteMessage",
        "ec2messages:FailMessage",
        "ec2messages:GetEndpoint",
        "ec2messages:GetMessages",
        "ec2messages:SendReply",
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
      ],
      Resource: "*",
    },
  ],
};
const BUILDER_POLICY_NAME = "cloudworkstation-builder-agent";

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
  publishedParameter?: string;
  /** The image per region: the build region and every copy. */
  amiIds: Record<string, string>;
  snapshotIds: string[];
  /** What the build did to AWS, in order (for the CLI and the closing report). */
  steps: string[];
}

/**
 * What a build of `template` in a region would start from: the same base image and user data the script path
 * resolves (the distribution's public parameter, owner-checked), and the template hash. Makes no changes.
 */
export async function planBuild(
  template: Template,
  options: Pick<BuildOptions, "region" | "architecture" | "instanceType" | "signal">,
  clients: AwsClients,
): Promise<BuildPlan> {
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
 * The Run Command script that decides whether provisioning finished: wait for cloud-init, then require the
 * readiness marker the user data writes last. On failure it prints the tail of cloud-init's output.
 */
export function provisioningCheckScript(): string {
  return [
    "set -u",
    "status=0",
    "if command -v cloud-init >/dev/null 2>&1; then cloud-init status --wait >/dev/null 2>&1 || status=$?; fi",
    `if [ -f ${READY_MARKER_PATH} ]; then echo "cloudworkstation: provisioning finished"; cat ${READY_MARKER_PATH}; exit 0; fi`,
    'echo "cloudworkstation: provisioning did not finish (cloud-init exit $status); last lines of its output:" >&2',
    "tail -n 40 /var/log/cloud-init-output.log >&2 2>/dev/null || true",
    "exit 1",
  ].join("\n");
}

/** The last lines of a command's output, for an error message. */
export function tailLines(text: string | undefined, lines = 15): string {
  const all = (text ?? "").trimEnd().split("\n");
  return all.slice(-lines).join("\n");
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
    await waitForProvisioning(ssm, builderId, options, waitOptions);

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
      publishedParameter,
      amiIds,
      snapshotIds,
      steps,
    };
  }
}

function defaultIamClient(): IAMClient {
  // IAM is global; the SDK signs for us-east-1. AWS_ENDPOINT_URL (the emulator) is honoured like the other clients.
  return new IAMClient({ region: "us-east-1", endpoint: process.env.AWS_ENDPOINT_URL || undefined });
}

const EC2_TRUST_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

async function createBuilderProfile(iam: IAMClient, name: string): Promise<void> {
  const tags = [
    { Key: MANAGED_TAG, Value: "true" },
    { Key: IMAGE_TAGS.builder, Value: "true" },
  ];
  await iam.send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: EC2_TRUST_POLICY,
      Description: "CloudWorkstation image builder: Systems Manager only; removed after the build",
      Tags: tags,
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: name,
      PolicyName: BUILDER_POLICY_NAME,
      PolicyDocument: JSON.stringify(BUILDER_AGENT_POLICY),
    }),
  );
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Tags: tags }));
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }));
}

async function launchBuilder(
  ec2: EC2Client,
  plan: BuildPlan,
  template: Template,
  profileName: string,
  options: BuildOptions,
  sleep: (ms: number) => Promise<void>,
): Promise<string> {
  const { Images = [] } = await ec2.send(new DescribeImagesCommand({ ImageIds: [plan.baseAmiId] }));
  const rootDevice = Images[0]?.RootDeviceName ?? "/dev/sda1";
  const baseSize = Images[0]?.BlockDeviceMappings?.find((m) => m.DeviceName === rootDevice)?.Ebs?.VolumeSize ?? 8;
  const size = Math.max(baseSize, template.instance_defaults?.root_volume_gb ?? 0, 8);
  const tags = toTagList({
    Name: `cws-builder-${plan.template}`,
    [IMAGE_TAGS.builder]: "true",
    [IMAGE_TAGS.template]: plan.template,
    [IMAGE_TAGS.templateHash]: plan.templateHash,
    [MANAGED_TAG]: "true",
  });
  const command = new RunInstancesCommand({
    ImageId: plan.baseAmiId,
    InstanceType: plan.instanceType as RunInstancesCommand["input"]["InstanceType"],
    MinCount: 1,
    MaxCount: 1,
    UserData: Buffer.from(plan.userData, "utf8").toString("base64"),
    IamInstanceProfile: { Name: profileName },
    MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled" },
    BlockDeviceMappings: [
      {
        DeviceName: rootDevice,
        Ebs: { Encrypted: true, VolumeType: "gp3", VolumeSize: size, DeleteOnTermination: true },
      },
    ],
    InstanceInitiatedShutdownBehavior: "stop",
    ...(options.subnetId ? { SubnetId: options.subnetId } : {}),
    TagSpecifications: [
      { ResourceType: "instance", Tags: tags },
      { ResourceType: "volume", Tags: tags },
    ],
  });
  // A new instance profile takes a few seconds to be usable by EC2 (IAM is eventually consistent): retry that only.
  for (let attempt = 1; ; attempt++) {
    try {
      const { Instances = [] } = await ec2.send(command, { abortSignal: options.signal });
      const id = Instances[0]?.InstanceId;
      if (!id) throw new Error("RunInstances returned no instance id");
      return id;
    } catch (error) {
      const text = describeAwsError(error);
      if (attempt < 12 && /InvalidParameterValue/.test(text) && /iam|instance profile/i.test(text)) {
        await sleep(5_000);
        continue;
      }
      throw error;
    }
  }
}

async function instanceState(ec2: EC2Client, instanceId: string): Promise<string | undefined> {
  const { Reservations = [] } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  return Reservations.flatMap((r) => r.Instances ?? [])[0]?.State?.Name;
}

const FINISHED_FAILED = new Set(["Failed", "Cancelled", "TimedOut", "Cancelling"]);

/** Sends the provisioning check and waits for its verdict; the agent may need a while to register first. */
async function waitForProvisioning(
  ssm: SSMClient,
  instanceId: string,
  options: BuildOptions,
  waitOptions: Omit<WaitOptions, "timeoutMs" | "intervalMs">,
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60 * 60_000;
  const intervalMs = options.intervalMs ?? 15_000;
  let commandId: string | undefined;
  let last: { status?: string; output?: string; error?: string } = {};
  try {
    await waitFor(
      `wait for provisioning on ${instanceId}`,
      async () => {
        if (!commandId) {
          try {
            const sent = await ssm.send(
              new SendCommandCommand({
                DocumentName: "AWS-RunShellScript",
                InstanceIds: [instanceId],
                Comment: "CloudWorkstation: wait for template provisioning",
                Parameters: {
                  commands: [provisioningCheckScript()],
                  executionTimeout: [String(Math.max(60, Math.min(172_800, Math.ceil(timeoutMs / 1000))))],
                },
              }),
            );
            commandId = sent.Command?.CommandId;
            if (!commandId) return { done: false, state: "Run Command sent, no id yet" };
          } catch (error) {
            // Until the Systems Manager agent has registered, the instance is not a valid target.
            if ((error as { name?: string }).name === "InvalidInstanceId") {
              return { done: false, state: "waiting for the Systems Manager agent to register" };
            }
            throw error;
          }
        }
        let invocation;
        try {
          invocation = await ssm.send(
            new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
          );
        } catch (error) {
          if ((error as { name?: string }).name === "InvocationDoesNotExist") return { done: false, state: "Pending" };
          throw error;
        }
        last = {
          status: invocation.Status,
          output: invocation.StandardOutputContent,
          error: invocation.StandardErrorContent,
        };
        if (invocation.Status === "Success") return { done: true, value: undefined };
        if (invocation.Status && FINISHED_FAILED.has(invocation.Status)) {
          const tail = tailLines(`${last.output ?? ""}\n${last.error ?? ""}`);
          return { done: false, failed: `provisioning script ${invocation.Status}: ${tail || "(no output)"}` };
        }
        return { done: false, state: `provisioning ${invocation.Status ?? "Pending"}` };
      },
      { ...waitOptions, intervalMs, timeoutMs },
    );
  } catch (error) {
    if ((error as Error).name === "WaitTimeoutError") {
      const what = commandId
        ? `Run Command ${commandId} was still ${last.status ?? "Pending"} (cloud-init or the template's scripts still running)` +
          (last.output ? `; last output: ${tailLines(last.output, 5)}` : "")
        : "the Systems Manager agent never registered (check the instance profile and outbound network to Systems Manager)";
      throw new Error(`provisioning did not finish within ${Math.round(timeoutMs / 60_000)} min: ${what}`);
    }
    throw error;
  }
}

function snapshotsOfImage(image: Image): string[] {
  return (image.BlockDeviceMappings ?? []).flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : []));
}

/** Terminates the builder and removes the instance profile made for it; reports each part. Never throws. */
async function undoBuild(
  ec2: EC2Client,
  iam: IAMClient,
  builderId: string | undefined,
  profile: { name: string; roleName: string; madeByUs: boolean } | undefined,
): Promise<{ undone: string[]; notUndone: string[] }> {
  const undone: string[] = [];
  const notUndone: string[] = [];
  if (builderId) {
    try {
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [builderId] }));
      undone.push(`builder ${builderId} terminated`);
    } catch (error) {
      notUndone.push(
        `builder ${builderId} could not be terminated (${describeAwsError(error)}): ` +
          `terminate it with aws ec2 terminate-instances --instance-ids ${builderId}`,
      );
    }
  }
  if (profile?.madeByUs) {
    const steps: [string, () => Promise<unknown>][] = [
      [
        "remove role from profile",
        () =>
          iam.send(
            new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: profile.name, RoleName: profile.roleName }),
          ),
      ],
      [
        "delete instance profile",
        () => iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: profile.name })),
      ],
      [
        "delete role policy",
        () => iam.send(new DeleteRolePolicyCommand({ RoleName: profile.roleName, PolicyName: BUILDER_POLICY_NAME })),
      ],
      ["delete role", () => iam.send(new DeleteRoleCommand({ RoleName: profile.roleName }))],
    ];
    const failed: string[] = [];
    for (const [what, run] of steps) {
      try {
        await run();
      } catch (error) {
        // NoSuchEntity: already gone (IAM's own "not found").
        if (!isNotFound(error) && !/^NoSuchEntity/.test(awsErrorCode(error))) {
          failed.push(`${what} (${describeAwsError(error)})`);
        }
      }
    }
    if (failed.length) {
      notUndone.push(
        `instance profile and role ${profile.name} not fully removed: ${failed.join(", ")}; ` +
          `remove them with aws iam delete-instance-profile / delete-role`,
      );
    } else {
      undone.push(`instance profile and role ${profile.name} removed`);
    }
  }
  return { undone, notUndone };
}
