import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AmiResolution } from "../dynamic/ami-resolution";
import { loadTemplate, loadTemplateFromObject, TemplateError } from "../templates";
import type { Architecture, Template } from "../templates/schema";
import { hibernationProblem, idleAgentSection, planIdle, withBootSection, withIdleAgent } from "./idle-plan";
import {
  amiPathBootScript,
  connectionHints,
  launchModeOf,
  rootVolumeSize,
  validateWorkstationArgs,
  workstationTags,
  type ConnectionHints,
  type LaunchMode,
} from "./workstation-plan";
import { dataVolumeBootSection } from "./data-volume-plan";
import type { ResearchWorkstationArgs } from "./research-workstation-args";
import {
  dataVolumeAttachment,
  hibernateSelfRolePolicy,
  idleStopAlarm,
  sessionManagerRole,
  workstationDataVolume,
  workstationSecurityGroup,
} from "./workstation-resources";
import { workstationRegion } from "./workstation-region";

export type { ResearchWorkstationArgs } from "./research-workstation-args";

/**
 * A research workstation: resolves its AMI at preview time (AmiResolution), then launches one EC2 instance with
 * IMDSv2 required and an encrypted gp3 root volume, reachable by Session Manager (and SSH when keyed). The
 * template's `idle_detection` adds a CloudWatch alarm that stops the idle instance and, with
 * `hibernate_threshold_minutes`, hibernation by an on-instance idle agent (see idle-plan.ts).
 */
export class ResearchWorkstation extends pulumi.ComponentResource {
  public readonly instanceId: pulumi.Output<string>;
  public readonly privateIp: pulumi.Output<string>;
  public readonly publicIp: pulumi.Output<string>;
  public readonly region: pulumi.Output<string>;
  public readonly amiId: pulumi.Output<string>;
  /** The tier that produced the AMI (fallback_script on the script path). */
  public readonly resolutionMethod: pulumi.Output<string>;
  /** One readable line per tier; what `pulumi preview` shows. */
  public readonly fallbackChain: pulumi.Output<string[]>;
  /** `ami`: boots a ready image; `script`: provisioned by user data at boot (5–8 min). */
  public readonly launchMode: pulumi.Output<LaunchMode>;
  public readonly instanceType: pulumi.Output<string>;
  public readonly architecture: pulumi.Output<Architecture>;
  /** Estimate, not a measurement: seconds until the workstation is usable. */
  public readonly estimatedLaunchSeconds: pulumi.Output<number>;
  /** Estimate, not a measurement: on-demand USD per hour from a bundled price snapshot (undefined without a price). */
  public readonly estimatedCostPerHour: pulumi.Output<number | undefined>;
  /** Says that the cost and time figures are estimates, and where the prices come from. */
  public readonly costLabel: pulumi.Output<string>;
  /** SSH command (with keyName), Session Manager command, and a URL per service. */
  public readonly connection: pulumi.Output<ConnectionHints>;
  public readonly securityGroupId?: pulumi.Output<string>;
  /** The data volume (with `dataVolumeGb`): survives instance replacement and `pulumi destroy`. */
  public readonly dataVolumeId?: pulumi.Output<string>;
  /** Whether the instance was launched able to hibernate (template `idle_detection.hibernate_threshold_minutes`). */
  public readonly hibernation: pulumi.Output<boolean>;
  public readonly templateName: string;
  public readonly templateVersion: string | undefined;

  constructor(name: string, args: ResearchWorkstationArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("cloudworkstation:index:ResearchWorkstation", name, {}, opts);

    const template = this.loadTemplate(args);
    this.templateName = template.name;
    this.templateVersion = template.version;
    const argErrors = validateWorkstationArgs(args);
    if (argErrors.length > 0) throw new WorkstationArgumentsError(name, argErrors, this);

    const idle = planIdle(template.idle_detection);
    if (idle.errors.length > 0) {
      throw new pulumi.ResourceError(
        `workstation "${name}", template "${template.name}": ${idle.errors.join("; ")}`,
        this,
      );
    }

    const awsProvider = this.awsProvider();
    const region = workstationRegion(this, name, args, template, awsProvider);
    const childOpts = { parent: this, ...(awsProvider ? { provider: awsProvider } : {}) };
    // Every regional child gets `region` explicitly: the default provider's region (aws:region) may be another one.

    // Dynamic resources never inherit the aws provider: the region is passed explicitly instead.
    const resolution = new AmiResolution(
      `${name}-ami`,
      {
        ...(typeof args.template === "string" ? { template: args.template } : { templateObject: args.template }),
        templatesDirs: args.templatesDirs,
        parameters: args.parameters,
        region,
        architecture: args.architecture,
        instanceType: args.instanceType,
        size: args.size,
        strategy: args.strategy,
        refresh: args.refresh,
        allowCrossRegionCopy: args.allowCrossRegionCopy,
        retainCopyOnDelete: args.retainCopyOnDelete,
        ...(args.amiGeneration !== undefined ? { generation: args.amiGeneration } : {}),
        // What this component loaded above: the program renders the user data from it, without a second load.
        loadedTemplate: template,
      },
      { parent: this },
    );

    let securityGroupIds: pulumi.Input<pulumi.Input<string>[]> | undefined = args.vpcSecurityGroupIds;
    if (args.allowedCidrs) {
      const group = workstationSecurityGroup(
        this,
        name,
        args,
        args.allowedCidrs,
        template,
        region,
        awsProvider,
        childOpts,
      );
      securityGroupIds = [group.id];
      this.securityGroupId = group.id;
    }

    let instanceProfile: pulumi.Input<string> | undefined = args.iamInstanceProfile;
    let role: aws.iam.Role | undefined;
    if (instanceProfile === undefined) {
      const made = sessionManagerRole(name, args, childOpts);
      role = made.role;
      instanceProfile = made.instanceProfile;
    }

    const dataVolume =
      args.dataVolumeGb !== undefined ? workstationDataVolume(this, name, args, region, childOpts) : undefined;
    const bootScript = amiPathBootScript(template);
    const launchMode = resolution.method.apply(launchModeOf);
    const idleAgent = idle.hibernation ? idleAgentSection(idle.hibernation) : undefined;
    const userData = pulumi
      .all([resolution.method, resolution.userData, dataVolume?.volume.id])
      .apply(([method, script, volumeId]) => {
        const base = launchModeOf(method) === "script" ? (script ?? undefined) : bootScript;
        const withVolume = volumeId ? withBootSection(base, dataVolumeBootSection(volumeId)) : base;
        return idleAgent ? withIdleAgent(withVolume, idleAgent) : withVolume;
      });
    const rootVolumeGb = rootVolumeSize(template, args.rootVolumeGb);
    // Hibernation is fixed at launch; a type or root volume that cannot hibernate is refused, never silently ignored.
    const hibernation = idle.hibernation
      ? resolution.instanceType.apply((instanceType) => {
          const problem = hibernationProblem({ instanceType, rootVolumeGb, encryptedRoot: true });
          if (problem)
            throw new pulumi.ResourceError(
              `workstation "${name}" (template "${template.name}" idle_detection.hibernate_threshold_minutes): ${problem}`,
              this,
            );
          return true;
        })
      : undefined;
    const tags = resolution.method.apply((method) =>
      workstationTags({
        name,
        templateName: template.name,
        templateVersion: template.version,
        resolutionMethod: method,
        launchMode: launchModeOf(method),
        owner: args.owner,
        project: args.project,
        tags: args.tags,
      }),
    );

    const instance = new aws.ec2.Instance(
      `${name}-instance`,
      {
        region,
        ami: resolution.amiId,
        instanceType: resolution.instanceType,
        ...(args.subnetId !== undefined ? { subnetId: args.subnetId } : {}),
        // The data volume's zone: the instance must be where its volume is (with a subnet, the subnet decides both).
        ...(dataVolume && args.subnetId === undefined ? { availabilityZone: dataVolume.zone } : {}),
        ...(securityGroupIds !== undefined ? { vpcSecurityGroupIds: securityGroupIds } : {}),
        ...(args.keyName !== undefined ? { keyName: args.keyName } : {}),
        ...(args.associatePublicIpAddress !== undefined
          ? { associatePublicIpAddress: args.associatePublicIpAddress }
          : {}),
        iamInstanceProfile: instanceProfile,
        userData,
        ...(hibernation ? { hibernation } : {}),
        metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 2 },
        rootBlockDevice: {
          volumeType: "gp3",
          encrypted: true,
          volumeSize: rootVolumeGb,
          deleteOnTermination: true,
        },
        tags,
        volumeTags: tags,
      },
      childOpts,
    );

    if (dataVolume) dataVolumeAttachment(name, region, dataVolume.volume, instance, childOpts);

    if (idle.stopAlarm) idleStopAlarm(name, args, template, region, idle.stopAlarm, instance, childOpts);
    if (idle.hibernation) {
      if (role) {
        hibernateSelfRolePolicy(name, role, instance, childOpts);
      } else {
        pulumi.log.warn(
          `workstation "${name}": the idle agent hibernates the instance with ec2:StopInstances; give the role of ` +
            "your iamInstanceProfile an Allow for ec2:StopInstances on this instance's ARN, or it cannot hibernate",
          this,
        );
      }
    }

    this.instanceId = instance.id;
    this.dataVolumeId = dataVolume?.volume.id;
    this.hibernation = hibernation ?? pulumi.output(false);
    this.privateIp = instance.privateIp;
    this.publicIp = instance.publicIp;
    this.region = pulumi.output(region);
    this.amiId = resolution.amiId;
    this.resolutionMethod = resolution.method;
    this.fallbackChain = resolution.fallbackChain;
    this.launchMode = launchMode;
    this.instanceType = resolution.instanceType;
    this.architecture = resolution.architecture;
    this.estimatedLaunchSeconds = resolution.estimatedLaunchSeconds;
    this.estimatedCostPerHour = resolution.estimatedCostPerHour.apply((cost) => cost ?? undefined);
    this.costLabel = resolution.costLabel;
    this.connection = pulumi
      .all([instance.id, instance.publicIp, instance.privateIp, this.region])
      .apply(([instanceId, publicIp, privateIp, regionName]) =>
        connectionHints({
          template,
          instanceId,
          region: regionName,
          host: publicIp || privateIp,
          keyName: args.keyName,
        }),
      );

    this.registerOutputs({
      instanceId: this.instanceId,
      privateIp: this.privateIp,
      publicIp: this.publicIp,
      region: this.region,
      amiId: this.amiId,
      resolutionMethod: this.resolutionMethod,
      fallbackChain: this.fallbackChain,
      launchMode: this.launchMode,
      instanceType: this.instanceType,
      architecture: this.architecture,
      estimatedLaunchSeconds: this.estimatedLaunchSeconds,
      estimatedCostPerHour: this.estimatedCostPerHour,
      costLabel: this.costLabel,
      connection: this.connection,
      securityGroupId: this.securityGroupId,
      dataVolumeId: this.dataVolumeId,
      hibernation: this.hibernation,
    });
  }

  private loadTemplate(args: ResearchWorkstationArgs): Template {
    const options = { templatesDirs: args.templatesDirs, parameters: args.parameters };
    try {
      if (typeof args.template === "string") return loadTemplate(args.template, options).template;
      if (args.template && typeof args.template === "object")
        return loadTemplateFromObject(args.template, options).template;
    } catch (error) {
      if (error instanceof TemplateError) {
        // The message lists every issue as file:line:column path: message.
        throw new pulumi.ResourceError(`template ${describeTemplateArg(args.template)}: ${error.message}`, this);
      }
      throw new pulumi.ResourceError((error as Error).message, this);
    }
    throw new pulumi.ResourceError(
      "template is required: a shipped template name (e.g. python-ml), a path to a template YAML file, or an inline template object",
      this,
    );
  }

  /** The aws provider this component was given (directly, in `providers`, or inherited from a parent). */
  private awsProvider(): aws.Provider | undefined {
    const provider = this.getProvider("aws:ec2/instance:Instance");
    return provider && aws.Provider.isInstance(provider) ? provider : undefined;
  }
}

/**
 * Every mistake in a workstation's arguments, one per property as pulumi-eks reports them
 * (`pulumi.InputPropertyErrorDetails`): `errors` for code, one line per property in the message. A ResourceError, so
 * `pulumi preview` shows it against the workstation without a stack trace.
 */
export class WorkstationArgumentsError extends pulumi.ResourceError {
  constructor(
    workstation: string,
    public readonly errors: pulumi.InputPropertyErrorDetails[],
    resource: pulumi.Resource,
  ) {
    super(
      `workstation "${workstation}": ${errors.length === 1 ? "1 argument is" : `${errors.length} arguments are`} wrong\n` +
        errors.map((error) => `  ${error.propertyPath}: ${error.reason}`).join("\n"),
      resource,
      true,
    );
    this.name = "WorkstationArgumentsError";
  }
}

function describeTemplateArg(template: unknown): string {
  if (typeof template === "string") return `"${template}"`;
  const name = template && typeof template === "object" ? (template as { name?: unknown }).name : undefined;
  return typeof name === "string" ? `"${name}" (inline object)` : "(inline object)";
}
