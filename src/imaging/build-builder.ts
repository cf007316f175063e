import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  type EC2Client,
  type Image,
  RunInstancesCommand,
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
import { GetCommandInvocationCommand, SendCommandCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { awsErrorCode, isNotFound } from "../core/aws-errors";
import { IMAGE_TAGS } from "../core/image-tags";
import { READY_MARKER_PATH } from "../resolver/user-data";
import type { Template } from "../templates/schema";
import type { BuildOptions, BuildPlan } from "./build-types";
import { MANAGED_TAG, toTagList } from "./capture";
import { describeAwsError } from "./errors";
import { waitFor, type WaitOptions } from "./waiters";

/**
 * The builder instance of a template build: its least-privilege instance profile, its launch, the wait for
 * provisioning through Systems Manager Run Command, and the undo that terminates it and removes the profile.
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

/** What the check script prints once the readiness marker exists: the proof that provisioning ran. */
const PROVISIONING_FINISHED_LINE = "cloudworkstation: provisioning finished";

/**
 * The Run Command script that decides whether provisioning finished: wait for cloud-init, then require the
 * readiness marker the user data writes last. On failure it prints the tail of cloud-init's output.
 */
export function provisioningCheckScript(): string {
  return [
    "set -u",
    "status=0",
    "if command -v cloud-init >/dev/null 2>&1; then cloud-init status --wait >/dev/null 2>&1 || status=$?; fi",
    `if [ -f ${READY_MARKER_PATH} ]; then echo "${PROVISIONING_FINISHED_LINE}"; cat ${READY_MARKER_PATH}; exit 0; fi`,
    'echo "cloudworkstation: provisioning did not finish (cloud-init exit $status); last lines of its output:" >&2',
    "tail -n 40 /var/log/cloud-init-output.log >&2 2>/dev/null || true",
    "exit 1",
  ].join("\n");
}

/** How a build knows provisioning finished: `verified` when the check script printed its readiness line. */
export interface ProvisioningCheck {
  verified: boolean;
}

/** The last lines of a command's output, for an error message. */
export function tailLines(text: string | undefined, lines = 15): string {
  const all = (text ?? "").trimEnd().split("\n");
  return all.slice(-lines).join("\n");
}

export function defaultIamClient(): IAMClient {
  // IAM is global; the SDK signs for us-east-1. AWS_ENDPOINT_URL (the emulator) is honoured like the other clients.
  return new IAMClient({ region: "us-east-1", endpoint: process.env.AWS_ENDPOINT_URL || undefined });
}

const EC2_TRUST_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

export async function createBuilderProfile(iam: IAMClient, name: string): Promise<void> {
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

export async function launchBuilder(
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

export async function instanceState(ec2: EC2Client, instanceId: string): Promise<string | undefined> {
  const { Reservations = [] } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  return Reservations.flatMap((r) => r.Instances ?? [])[0]?.State?.Name;
}

const FINISHED_FAILED = new Set(["Failed", "Cancelled", "TimedOut", "Cancelling"]);

/** Sends the provisioning check and waits for its verdict; the agent may need a while to register first. */
export async function waitForProvisioning(
  ssm: SSMClient,
  instanceId: string,
  options: BuildOptions,
  waitOptions: Omit<WaitOptions, "timeoutMs" | "intervalMs">,
): Promise<ProvisioningCheck> {
  const timeoutMs = options.timeoutMs ?? 60 * 60_000;
  const intervalMs = options.intervalMs ?? 15_000;
  let commandId: string | undefined;
  let last: { status?: string; output?: string; error?: string } = {};
  try {
    return await waitFor<ProvisioningCheck>(
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
            if (awsErrorCode(error) === "InvalidInstanceId") {
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
          if (awsErrorCode(error) === "InvocationDoesNotExist") return { done: false, state: "Pending" };
          throw error;
        }
        last = {
          status: invocation.Status,
          output: invocation.StandardOutputContent,
          error: invocation.StandardErrorContent,
        };
        if (invocation.Status === "Success") {
          // An emulator's Run Command (moto) answers Success without running anything: only the line proves it ran.
          const verified = (invocation.StandardOutputContent ?? "").includes(PROVISIONING_FINISHED_LINE);
          return { done: true, value: { verified } };
        }
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
      throw new Error(`provisioning did not finish within ${Math.round(timeoutMs / 60_000)} min: ${what}`, {
        cause: error,
      });
    }
    throw error;
  }
}

export function snapshotsOfImage(image: Image): string[] {
  return (image.BlockDeviceMappings ?? []).flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : []));
}

/** Terminates the builder and removes the instance profile made for it; reports each part. Never throws. */
export async function undoBuild(
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
