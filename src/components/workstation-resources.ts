import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Template } from "../templates/schema";
import { hibernateSelfPolicy, stopActionArn, type StopAlarmPlan } from "./idle-plan";
import type { ResearchWorkstationArgs } from "./research-workstation-args";
import { ingressRules } from "./workstation-plan";
import { DATA_VOLUME_DEVICE, dataVolumePlan, dataVolumeZone } from "./data-volume-plan";

/**
 * The AWS resources a ResearchWorkstation makes around its instance: security group, Session Manager role and
 * profile, data volume and its attachment, idle-stop alarm and hibernate-self policy. Each is a child of the
 * workstation (`childOpts`); the decisions they apply live in workstation-plan.ts, data-volume-plan.ts and idle-plan.ts.
 */

/** The template's ports from `allowedCidrs` (SSH too when keyed), all outbound; in the subnet's VPC when given. */
export function workstationSecurityGroup(
  parent: pulumi.Resource,
  name: string,
  args: ResearchWorkstationArgs,
  allowedCidrs: NonNullable<ResearchWorkstationArgs["allowedCidrs"]>,
  template: Template,
  region: pulumi.Input<string>,
  awsProvider: aws.Provider | undefined,
  childOpts: pulumi.CustomResourceOptions,
): aws.ec2.SecurityGroup {
  const vpcId =
    args.vpcId ??
    (args.subnetId !== undefined
      ? aws.ec2.getSubnetOutput(
          { id: args.subnetId, region },
          { parent, ...(awsProvider ? { provider: awsProvider } : {}) },
        ).vpcId
      : undefined);
  return new aws.ec2.SecurityGroup(
    `${name}-sg`,
    {
      description: `CloudWorkstation ${name} (template ${template.name}): template ports from allowed CIDRs`,
      region,
      ...(vpcId !== undefined ? { vpcId } : {}),
      ingress: ingressRules(template, allowedCidrs, { ssh: args.keyName !== undefined }),
      egress: [
        {
          protocol: "-1",
          fromPort: 0,
          toPort: 0,
          cidrBlocks: ["0.0.0.0/0"],
          ipv6CidrBlocks: ["::/0"],
          description: "all outbound",
        },
      ],
      tags: { Name: `${name}-sg`, "cloudworkstation:workstation": name, ...(args.tags ?? {}) },
    },
    childOpts,
  );
}

/** A role allowed only Session Manager (AmazonSSMManagedInstanceCore) and its instance profile. */
export function sessionManagerRole(
  name: string,
  args: ResearchWorkstationArgs,
  childOpts: pulumi.CustomResourceOptions,
): { role: aws.iam.Role; instanceProfile: pulumi.Output<string> } {
  const role = new aws.iam.Role(
    `${name}-role`,
    {
      description: `CloudWorkstation ${name}: Session Manager access`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
      tags: { "cloudworkstation:workstation": name, ...(args.tags ?? {}) },
    },
    childOpts,
  );
  new aws.iam.RolePolicyAttachment(
    `${name}-ssm`,
    { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" },
    childOpts,
  );
  const instanceProfile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name }, childOpts).name;
  return { role, instanceProfile };
}

/** The data volume in a zone that does not depend on the instance, kept on delete (see dataVolumePlan). */
export function workstationDataVolume(
  parent: pulumi.Resource,
  name: string,
  args: ResearchWorkstationArgs,
  region: pulumi.Input<string>,
  childOpts: pulumi.CustomResourceOptions,
): { volume: aws.ebs.Volume; zone: pulumi.Output<string> } {
  const subnetZone =
    args.subnetId !== undefined
      ? aws.ec2.getSubnetOutput({ id: args.subnetId, region }, { parent, provider: childOpts.provider })
          .availabilityZone
      : undefined;
  const zone = pulumi
    .all([region, subnetZone])
    .apply(([regionName, fromSubnet]) =>
      dataVolumeZone({ region: regionName, subnetZone: fromSubnet, availabilityZone: args.availabilityZone }),
    );
  const plan = zone.apply((availabilityZone) =>
    dataVolumePlan({
      name,
      availabilityZone,
      sizeGb: args.dataVolumeGb as number,
      type: args.dataVolumeType,
      tags: args.tags,
    }),
  );
  const volume = new aws.ebs.Volume(
    `${name}-data`,
    {
      region,
      availabilityZone: zone,
      size: plan.args.size,
      type: plan.args.type,
      encrypted: true,
      tags: plan.args.tags,
    },
    { ...childOpts, retainOnDelete: true },
  );
  return { volume, zone };
}

/**
 * Replacing the instance (a new AMI) replaces this attachment: detach first (stopping the old instance, so the
 * filesystem is clean), then attach the same volume to the new instance.
 */
export function dataVolumeAttachment(
  name: string,
  region: pulumi.Input<string>,
  volume: aws.ebs.Volume,
  instance: aws.ec2.Instance,
  childOpts: pulumi.CustomResourceOptions,
): aws.ec2.VolumeAttachment {
  return new aws.ec2.VolumeAttachment(
    `${name}-data-attachment`,
    {
      region,
      deviceName: DATA_VOLUME_DEVICE,
      volumeId: volume.id,
      instanceId: instance.id,
      stopInstanceBeforeDetaching: true,
    },
    { ...childOpts, deleteBeforeReplace: true },
  );
}

/** The CloudWatch alarm that stops the instance after the template's idle period of low CPU. */
export function idleStopAlarm(
  name: string,
  args: ResearchWorkstationArgs,
  template: Template,
  region: pulumi.Input<string>,
  alarm: StopAlarmPlan,
  instance: aws.ec2.Instance,
  childOpts: pulumi.CustomResourceOptions,
): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm(
    `${name}-idle-stop`,
    {
      region,
      alarmDescription:
        `CloudWorkstation ${name}: stop the instance after ${alarm.idleMinutes} minutes with average CPU below ` +
        `${alarm.cpuPercent}% (template ${template.name} idle_detection)`,
      namespace: "AWS/EC2",
      metricName: "CPUUtilization",
      dimensions: { InstanceId: instance.id },
      statistic: "Average",
      comparisonOperator: "LessThanThreshold",
      threshold: alarm.cpuPercent,
      period: alarm.period,
      evaluationPeriods: alarm.evaluationPeriods,
      datapointsToAlarm: alarm.evaluationPeriods,
      // A stopped instance sends no data: the alarm returns to OK, so it fires again after the next start.
      treatMissingData: "notBreaching",
      alarmActions: [pulumi.output(region).apply(stopActionArn)],
      tags: { "cloudworkstation:workstation": name, ...(args.tags ?? {}) },
    },
    childOpts,
  );
}

/** Lets the idle agent hibernate this instance (ec2:StopInstances on its own ARN only). */
export function hibernateSelfRolePolicy(
  name: string,
  role: aws.iam.Role,
  instance: aws.ec2.Instance,
  childOpts: pulumi.CustomResourceOptions,
): aws.iam.RolePolicy {
  return new aws.iam.RolePolicy(
    `${name}-hibernate-self`,
    { role: role.id, policy: instance.arn.apply((arn) => JSON.stringify(hibernateSelfPolicy(arn))) },
    childOpts,
  );
}
