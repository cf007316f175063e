import { bool, int, num, ref, str, stringMap, strings, type ResourceSpec } from "./spec";

/**
 * The custom resources the plugin serves: what each one is, its inputs and its outputs. Descriptions say what a user
 * cares about; the TypeScript classes in src/dynamic carry the same words as doc comments.
 */

const AMI_SEARCH_INPUTS = {
  template: str(
    "A template name (looked up in `templatesDirs`, then the shipped templates) or a path to a template file.",
  ),
  templatesDirs: strings("Extra directories searched for templates by name, before the shipped ones."),
  templateObject: {
    type: "any",
    description: "An inline template object, validated like a file. Give this or `template`.",
  },
  parameters: { type: { map: "any" }, description: "Values for the template's `parameters`." },
} as const satisfies ResourceSpec["inputs"];

export const AMI_RESOLUTION: ResourceSpec = {
  name: "AmiResolution",
  component: false,
  description:
    "Which AMI a workstation launches, decided at preview time. `pulumi preview` already shows `amiId` and the " +
    "`fallbackChain` that led to it, and `pulumi up` launches exactly that; with the default `refresh: pinned`, an " +
    "unchanged stack previews clean even after newer images are published.",
  inputs: {
    ...AMI_SEARCH_INPUTS,
    region: str("The region the workstation launches in."),
    architecture: ref("Architecture", "The CPU architecture; default: the instance type's, else the template's."),
    instanceType: str("Pins one instance type (its architecture decides the AMI's)."),
    size: ref("Size", "A size picks an instance type for the region and architecture."),
    strategy: ref("Strategy", "Overrides the template's `ami_config.strategy`."),
    refresh: ref(
      "RefreshMode",
      "`pinned` (default): keep the AMI an earlier run chose while nothing it depends on changed. `latest`: resolve " +
        "on every run; be aware this replaces the workstation whenever a newer image wins.",
    ),
    allowCrossRegionCopy: bool(
      "Consent to copy an AMI from a neighbouring region (made by `pulumi up`, never by preview).",
    ),
    retainCopyOnDelete: bool("Keep a copy this resource made when the resource is deleted (default false)."),
    generation: int("Part of the pin key (≥ 0, default 0): bumping it re-resolves a pinned resolution once."),
    copyTimeoutSeconds: int("Bound on waiting for a copy to become available (seconds, default 3600)."),
  },
  requiredInputs: ["region"],
  outputs: {
    amiId: str("The AMI to launch in `region` (a copy's id after a cross-region copy)."),
    resolvedAmiId: str("The AMI the resolver selected (for a cross-region copy, the source image in `sourceRegion`)."),
    method: str(
      "The tier that produced the AMI: direct_mapping, catalog, ssm_parameter, dynamic_search, marketplace, cross_region or fallback_script.",
    ),
    fallbackChain: strings("One readable line per tier, e.g. `✓ dynamic_search: selected ami-… (…)`."),
    resolutionNote: str("Why the resolution changed (`↻ re-resolved: …`); null for a first resolution."),
    region: str("The region the workstation launches in."),
    architecture: ref("Architecture", "The architecture the AMI is for."),
    instanceType: str("The instance type the workstation launches as."),
    estimatedLaunchSeconds: num("Estimate, not a measurement: seconds until the workstation is usable."),
    sourceRegion: str("For a cross-region copy: the region the source AMI lives in."),
    strategy: ref("Strategy", "The strategy the resolution used."),
    templateName: str("The template's name."),
    templateVersion: str("The template's version, when it has one."),
    estimatedCostPerHour: num("Estimate, not a measurement: on-demand USD per hour from a bundled price snapshot."),
    costLabel: str("Says in words that the cost figures are estimates and where the prices come from."),
    costComparison: str("Estimate: AMI path versus script path."),
    warnings: strings("Warnings of the resolution (e.g. a deprecated image)."),
    pinKey: str("Stable hash of ami_config, region and architecture: what pinning compares."),
    templateHash: str("Hash of the template."),
    userDataHash: str("sha256 of the provisioning script on the script path (null on the AMI path)."),
    freshness: ref("AmiFreshness", "Whether the AMI in use is still what the template would pick (as of the last up)."),
    copiedImageId: str("A copy this resource made (removed on delete unless retainCopyOnDelete)."),
  },
  requiredOutputs: ["amiId", "method", "fallbackChain", "region", "architecture", "instanceType"],
};

const DEREGISTRATION_PROTECTION = bool(
  "Default true: AWS's deregistration protection is turned on for the kept image, so nothing deregisters it while " +
    "templates may launch from it; turned off just before a delete that removes the image.",
);

export const SAVED_TEMPLATE: ResourceSpec = {
  name: "SavedTemplate",
  component: false,
  description:
    "Captures a running or stopped instance as an AMI and describes it as a template that inherits `baseTemplate`. " +
    "In `stop` mode the instance is stopped for the capture and started again once the image is available.",
  inputs: {
    instanceId: str("The instance to capture. Changing it captures a new image (replacement)."),
    region: str("The instance's region."),
    templateName: str(
      "Name of the new template (lowercase letters, digits, '.', '_', '-'); also the AMI name's prefix.",
    ),
    description: str("The template's description."),
    baseTemplate: str("The template the saved one inherits (packages, services, users, instance defaults)."),
    mode: ref("CaptureMode", "`stop` (default), `reboot` or `no-reboot` (open files may be inconsistent)."),
    tags: stringMap("Tags for the image and its snapshots, besides ours."),
    retainOnDelete: bool("Default true: destroy keeps the AMI. False: deregister it and delete its snapshots."),
    deregistrationProtection: DEREGISTRATION_PROTECTION,
    templatesDir: str("Also write `<templatesDir>/<templateName>.yml`."),
  },
  requiredInputs: ["instanceId", "region", "templateName"],
  outputs: {
    amiId: str("The captured image."),
    imageName: str("The image's name."),
    snapshotIds: strings("The image's snapshots."),
    architecture: str("The image's architecture."),
    ownerId: str("The account owning the image."),
    templateYaml: str("The template, as YAML, with `ami_config.ami_mappings` naming the image."),
    templateFile: str("Where the YAML was written (null without a `templatesDir`)."),
    capturedAt: str("When the image was captured."),
    retainOnDelete: bool("Whether destroy keeps the image."),
  },
  requiredOutputs: ["amiId", "imageName", "snapshotIds", "architecture", "ownerId", "templateYaml", "capturedAt"],
};

export const REGIONAL_AMI_COPY: ResourceSpec = {
  name: "RegionalAmiCopy",
  component: false,
  description: "One AMI copy in one region, tracked in state on its own (so a failure elsewhere never forgets it).",
  inputs: {
    sourceAmiId: str("The image to copy."),
    sourceRegion: str("The source image's region."),
    region: str("Where the copy goes. When it is the source region, nothing is copied: the source AMI is only shared."),
    name: str("Name of the copy; defaults to the source image's name."),
    encrypted: bool("Encrypt the copy's snapshots."),
    kmsKeyId: str("The KMS key for the copy's snapshots."),
    tags: stringMap("Added to the copy and its snapshots."),
    sharing: ref("SharingOptions", "Launch permissions applied once the copy is available."),
    retainOnDelete: bool("Default true: destroying keeps the copy."),
    deregistrationProtection: DEREGISTRATION_PROTECTION,
    timeoutMinutes: int("How long a copy may stay `pending`; default 45 minutes."),
  },
  requiredInputs: ["sourceAmiId", "sourceRegion", "region"],
  outputs: {
    amiId: str("The image in `region`."),
    snapshotIds: strings("The copy's snapshots."),
    architecture: str("The image's architecture."),
    copied: bool("False in the source region, where the source AMI is used as is."),
    region: str("Where the copy is."),
  },
  requiredOutputs: ["amiId", "snapshotIds", "architecture", "copied", "region"],
};

export const SAVED_TEMPLATE_MAPPINGS: ResourceSpec = {
  name: "SavedTemplateMappings",
  component: false,
  description:
    "A saved template whose `ami_mappings` name the image in every region it was copied to, written over the " +
    "SavedTemplate's file once the copies exist. On delete the file gets back its own content, unless edited since.",
  inputs: {
    savedTemplateYaml: str("The SavedTemplate's `templateYaml`."),
    amiIds: stringMap("region → AMI id (e.g. MultiRegionAmi's `amiIds`)."),
    architecture: ref("Architecture", "The image's architecture."),
    templateFile: str("The SavedTemplate's `templateFile` (absent: nothing to rewrite)."),
  },
  requiredInputs: ["savedTemplateYaml", "amiIds", "architecture"],
  outputs: { templateYaml: str("The template YAML with an ami_mappings entry for every region.") },
  requiredOutputs: ["templateYaml"],
};

export const TEMPLATE_IMAGE: ResourceSpec = {
  name: "TemplateImage",
  component: false,
  description:
    "A template baked into an AMI. `pulumi preview` says whether `up` builds and why, and nothing when neither the " +
    "template nor its base image changed. A rebuild is a replacement: the new image is built before the old one goes.",
  inputs: {
    template: {
      type: "any",
      description:
        "A template name (looked up in `templatesDirs`, then the shipped templates), a path, or an inline template object.",
    },
    templatesDirs: AMI_SEARCH_INPUTS.templatesDirs,
    parameters: AMI_SEARCH_INPUTS.parameters,
    region: str("Where to build."),
    architecture: ref("Architecture", "Default: the template's preferred architecture."),
    instanceType: str(
      "The builder's instance type (default: the template's size). Changing it alone rebuilds nothing.",
    ),
    publish: ref("TemplateImagePublish", "Where to publish each build."),
    copyToRegions: strings("Copy the built image to these regions too (adding one later copies the existing image)."),
    retainOnDelete: bool("Default true: a replaced or destroyed TemplateImage keeps its image."),
    deregistrationProtection: bool("Default true: the image and its copies get AWS deregistration protection."),
    timeoutMinutes: int("How long the template's provisioning may take before the build fails (default 60)."),
    force: bool("Build even when an image of the same template hash and base exists (instead of reusing it)."),
  },
  requiredInputs: ["template", "region"],
  outputs: {
    amiId: str("The image in `region`."),
    amiIds: stringMap("region → image: `region` and every copy."),
    baseAmiId: str("The distribution image the build started from."),
    baseParameter: str("The public parameter the base came from (null when it came from a search)."),
    templateName: str("The template's name."),
    templateHash: str("Hash of the template the image was built from."),
    templateContents: { type: "any", description: "What the template installs: {packages, services}." },
    buildReason: str("Why the image was (or will be) built, or reused."),
    architecture: ref("Architecture", "The image's architecture."),
    instanceType: str("The builder's instance type."),
    snapshotIds: strings("The image's snapshots."),
    imageName: str("The image's name."),
    publishedParameter: str("The SSM parameter written, or null."),
    catalogEntry: str("The catalog entry file written, or null."),
    reused: bool("Whether an existing image of the same template and base was reused."),
    warnings: strings("Warnings of the build."),
  },
  requiredOutputs: ["amiId", "amiIds", "baseAmiId", "templateName", "templateHash", "buildReason"],
};

/** Every custom resource, in the order the schema lists them. */
export const CUSTOM_RESOURCE_SPECS: readonly ResourceSpec[] = [
  AMI_RESOLUTION,
  SAVED_TEMPLATE,
  REGIONAL_AMI_COPY,
  SAVED_TEMPLATE_MAPPINGS,
  TEMPLATE_IMAGE,
];
