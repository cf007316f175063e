import { bool, int, num, ref, str, stringMap, strings, type ResourceSpec } from "./spec";

/**
 * The components the plugin builds with `construct`. Their inputs are designed for every language: flat, no unions
 * (a template by `templateName` or by `templatePath`), enums as enums; `plain` where the component reads the value
 * while building.
 */

const plain = { plain: true };

export const RESEARCH_WORKSTATION: ResourceSpec = {
  name: "ResearchWorkstation",
  component: true,
  description:
    "A research workstation: resolves its AMI at preview time (AmiResolution), then launches one EC2 instance with " +
    "IMDSv2 required and an encrypted gp3 root volume, reachable by Session Manager (and SSH when keyed). " +
    "`pulumi preview` shows the AMI and the fallback chain that chose it.",
  inputs: {
    templateName: str(
      "A template by name: the project's `templatesDirs` first, then the templates shipped with CloudWorkstation " +
        "(e.g. `python-ml`). Give this or `templatePath`.",
      plain,
    ),
    templatePath: str(
      "A template YAML file, relative to the program's directory or absolute. Give this or `templateName`.",
      plain,
    ),
    templatesDirs: strings(
      "Extra directories (relative to the program's directory) searched for templates by name.",
      plain,
    ),
    parameters: { type: { map: "any" }, description: "Values for the template's `parameters`.", ...plain },
    region: str(
      "The region to launch in; default: the aws provider's region (`aws:region`). The AMI is resolved here and " +
        "every regional resource is created here.",
    ),
    size: ref(
      "Size",
      "A size picks an instance type for the region and architecture. Give this or instanceType.",
      plain,
    ),
    instanceType: str("Pins one instance type (its architecture decides the AMI's).", plain),
    architecture: ref(
      "Architecture",
      "The CPU architecture; default: the instance type's, else the template's.",
      plain,
    ),
    subnetId: str(
      "Launch into this subnet (its VPC gets the security group). Default: the default VPC's default subnet.",
    ),
    vpcId: str("The VPC for the security group; looked up from `subnetId` when omitted."),
    vpcSecurityGroupIds: strings("Your own security groups. Give this or `allowedCidrs`."),
    allowedCidrs: strings(
      "Makes a security group opening the template's ports and services (and SSH with a key) to these IPv4 CIDRs only.",
      plain,
    ),
    keyName: str("An EC2 key pair for SSH. Without it, connect with Session Manager.", plain),
    iamInstanceProfile: str("An existing instance profile. Default: a role with AmazonSSMManagedInstanceCore."),
    rootVolumeGb: int("Root volume (gp3, encrypted) in GiB. Default: the template's root_volume_gb, else 50.", plain),
    associatePublicIpAddress: bool("Whether the instance gets a public IP (default: the subnet's setting).", plain),
    tags: stringMap("Tags for the instance, its volumes and security group.", plain),
    owner: str("The workstation's owner (tagged).", plain),
    project: str("The workstation's project (tagged).", plain),
    strategy: ref("Strategy", "Overrides the template's `ami_config.strategy`.", plain),
    refresh: ref(
      "RefreshMode",
      "`pinned` (default): keep the AMI a previous run chose until something it depends on changes. `latest`: " +
        "re-resolve on every run; be aware this replaces the workstation whenever a newer image wins.",
      plain,
    ),
    allowCrossRegionCopy: bool(
      "Consent to copy an AMI from a neighbouring region when none exists here (the copy is made by `pulumi up`).",
      plain,
    ),
    retainCopyOnDelete: bool("Keep a copied AMI when the workstation is destroyed (default: it is removed).", plain),
    amiGeneration: int(
      "Upgrading on purpose (≥ 0, default 0): bumping it re-resolves a pinned AMI once and replaces the instance.",
      plain,
    ),
    dataVolumeGb: int(
      "A separate encrypted EBS data volume (GiB) mounted at /data; it survives the instance's replacement and " +
        "`pulumi destroy` (retainOnDelete).",
      plain,
    ),
    dataVolumeType: ref("DataVolumeType", "The data volume's EBS type (default gp3).", plain),
    availabilityZone: str("Where the instance and its data volume live when no `subnetId` gives it.", plain),
  },
  requiredInputs: [],
  outputs: {
    instanceId: str("The EC2 instance."),
    privateIp: str("The instance's private IP."),
    publicIp: str("The instance's public IP (empty without one)."),
    region: str("The region the workstation runs in."),
    amiId: str("The AMI the instance launched from."),
    resolutionMethod: str("The tier that produced the AMI (fallback_script on the script path)."),
    fallbackChain: strings("One readable line per tier; what `pulumi preview` shows."),
    launchMode: str("`ami`: boots a ready image; `script`: provisioned by user data at boot (5–8 min)."),
    instanceType: str("The instance type."),
    architecture: ref("Architecture", "The instance's architecture."),
    estimatedLaunchSeconds: num("Estimate, not a measurement: seconds until the workstation is usable."),
    estimatedCostPerHour: num("Estimate, not a measurement: on-demand USD per hour from a bundled price snapshot."),
    costLabel: str("Says that the cost and time figures are estimates, and where the prices come from."),
    connection: ref("ConnectionHints", "SSH command (with keyName), Session Manager command, and a URL per service."),
    securityGroupId: str("The security group made for `allowedCidrs`."),
    dataVolumeId: str("The data volume (with `dataVolumeGb`)."),
    hibernation: bool("Whether the instance was launched able to hibernate."),
  },
  requiredOutputs: ["instanceId", "region", "amiId", "resolutionMethod", "fallbackChain", "launchMode"],
};

export const MULTI_REGION_AMI: ResourceSpec = {
  name: "MultiRegionAmi",
  component: true,
  description:
    "Makes one AMI available in several regions: one tracked RegionalAmiCopy per region, so a copy that failed in " +
    "one region never orphans the copies made in others, and a re-run only retries what is missing.",
  inputs: {
    sourceAmiId: str("The image to copy."),
    sourceRegion: str("The source image's region."),
    regions: strings(
      "Regions the AMI must exist in. The source region, if listed, maps to the source AMI without a copy.",
      plain,
    ),
    encrypted: bool("Encrypt the copies' snapshots (with the region's default EBS key unless `kmsKeyIds` names one)."),
    kmsKeyIds: stringMap("region → KMS key id/ARN for that region's copy.", plain),
    name: str("Name of the copies; defaults to the source image's name."),
    tags: stringMap("Added to every copy and its snapshots."),
    sharing: ref("SharingOptions", "Launch permissions applied to every regional AMI once it is available.", plain),
    retainOnDelete: bool("Default true: destroying keeps the copies."),
    deregistrationProtection: bool("Default true: each copy gets AWS's deregistration protection."),
    copyTimeoutMinutes: int("How long a copy may stay pending before it is abandoned (and cleaned up); default 45."),
  },
  requiredInputs: ["sourceAmiId", "sourceRegion", "regions"],
  outputs: {
    amiIds: stringMap("region → AMI id."),
    amiMappings: str("`ami_mappings:` YAML, ready to paste into a template's `ami_config`."),
  },
  requiredOutputs: ["amiIds", "amiMappings"],
};

export const LAB_FLEET: ResourceSpec = {
  name: "LabFleet",
  component: true,
  description:
    "A lab's fleet: one ResearchWorkstation per entry of a fleet.yaml (`workstations:`), each named after its entry.",
  inputs: {
    fleetFile: str("The fleet file (relative to the program's directory or absolute).", plain),
    templatesDirs: strings(
      "Extra directories (relative to the program's directory) searched for templates by name.",
      plain,
    ),
  },
  requiredInputs: ["fleetFile"],
  outputs: {
    workstations: {
      type: { map: "any" },
      description:
        "name → {instanceId, amiId, resolutionMethod, fallbackChain, launchMode, estimatedCostPerHour, connection}.",
    },
  },
  requiredOutputs: ["workstations"],
};

/** Every component, in the order the schema lists them. */
export const COMPONENT_SPECS: readonly ResourceSpec[] = [RESEARCH_WORKSTATION, MULTI_REGION_AMI, LAB_FLEET];
