import { REFRESH_MODES } from "../../dynamic/pinning";
import { DATA_VOLUME_TYPES } from "../../components/data-volume-plan";
import { CAPTURE_MODES } from "../../imaging/capture";
import { ARCHITECTURES, SIZES, STRATEGIES } from "../../templates/schema";
import { bool, str, stringMap, strings, type EnumSpec, type ObjectSpec } from "./spec";

/** The enums the plugin's properties use: each one's values are the list the code itself validates against. */
export const ENUM_SPECS: readonly EnumSpec[] = [
  {
    name: "Size",
    description: "A workstation size; picks an instance type per region and architecture.",
    values: SIZES,
  },
  { name: "Architecture", description: "A CPU architecture.", values: ARCHITECTURES },
  {
    name: "Strategy",
    description:
      "How an AMI is found: `ami_preferred` (an AMI, else script provisioning), `ami_required` (an AMI or fail), " +
      "`ami_fallback` (script provisioning unless an AMI is mapped).",
    values: STRATEGIES,
  },
  {
    name: "RefreshMode",
    description: "`pinned` keeps the AMI an earlier run chose; `latest` re-resolves every run.",
    values: REFRESH_MODES,
  },
  { name: "DataVolumeType", description: "An EBS volume type for the data volume.", values: DATA_VOLUME_TYPES },
  {
    name: "CaptureMode",
    description: "How an instance is imaged: `stop`, `reboot` or `no-reboot`.",
    values: CAPTURE_MODES,
  },
];

export const OBJECT_SPECS: readonly ObjectSpec[] = [
  {
    name: "SharingOptions",
    description: "Launch permissions for an image (its snapshots get createVolumePermission too).",
    properties: {
      accountIds: strings("12-digit AWS account ids that may launch the image."),
      organizationArns: strings("Organizations whose accounts may launch the image."),
      organizationalUnitArns: strings("Organizational units whose accounts may launch the image."),
      public: bool("Anyone in the world may launch the image. Only when explicitly true."),
    },
    required: [],
  },
  {
    name: "CatalogPublish",
    description: "A beta catalog entry written per build to a catalog's working copy (commit and push it yourself).",
    properties: {
      directory: str("The catalog's working copy (the directory holding cloudworkstation-catalog.yml)."),
      creator: str("The creator principal (as allowed_signers lists it)."),
      version: str("Semver of the entry; default `<template version or 0.0.0>-build.<timestamp>`."),
      channels: strings('Default ["beta"]: a built image is tried by the lab before it is promoted.'),
      description: str("The entry's description."),
      signKey: str("An SSH private key to sign the entry with."),
    },
    required: ["directory", "creator"],
  },
  {
    name: "TemplateImagePublish",
    description: "Where a TemplateImage publishes each build.",
    properties: {
      ssmParameter: str(
        "Write the image id to exactly this SSM parameter (data type aws:ec2:image) in the build region.",
      ),
      catalog: {
        type: { ref: "CatalogPublish" },
        description: "Write a beta entry to a catalog working copy per build.",
      },
    },
    required: [],
  },
  {
    name: "AmiFreshness",
    description: "Whether the AMI in use is still what the template would pick.",
    properties: {
      status: str("current, newer_available, deprecated_soon, deprecated, deregistered, revoked or base_outdated."),
      candidateAmiId: str("What a fresh resolution would pick now, or the base a rebuild would use."),
      reason: str("Why, in words."),
    },
    required: ["status", "reason"],
  },
  {
    name: "ConnectionHints",
    description: "How to reach a workstation.",
    properties: {
      ssh: str("The SSH command; present when a key pair was given."),
      sessionManager: str("The Session Manager command; works without open ports or keys."),
      serviceUrls: stringMap("service name → URL, for enabled services with a port."),
    },
    required: ["sessionManager", "serviceUrls"],
  },
];
