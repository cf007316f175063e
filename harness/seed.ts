import {
  CreateImageCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { baseImageSource } from "../src/resolver/base-images";
import type { AwsClients } from "../src/core/clients";
import { BASES, type Architecture, type Base } from "../src/templates/schema";

/**
 * Seeding helpers for tests and the demo, against moto (harness/moto.ts). Images made here are owned by the
 * test account (123456789012, "self"); moto's RegisterImage drops the architecture, so images are made the way a
 * lab makes them: RunInstances from an image of the wanted architecture, CreateImage, terminate.
 */

/** The fixture's stock image of each base OS and architecture (see harness/fixtures/amis.json). */
export const FIXTURE_BASE_IMAGES: Readonly<Record<Base, Readonly<Record<Architecture, string>>>> = {
  "ubuntu-24.04": { x86_64: "ami-00c41000000000002", arm64: "ami-00c41000000000003" },
  "ubuntu-22.04": { x86_64: "ami-00c22000000000001", arm64: "ami-00c22000000000002" },
  "amazonlinux-2023": { x86_64: "ami-00a23000000000001", arm64: "ami-00a23000000000002" },
  "debian-12": { x86_64: "ami-00de1000000000001", arm64: "ami-00de1000000000002" },
  "rocky-9": { x86_64: "ami-00d09000000000001", arm64: "ami-00d09000000000002" },
};

export const TEST_ACCOUNT_ID = "123456789012";

/** Makes an image owned by the test account from a running instance of `sourceAmiId`; returns its id. */
export async function createImageFromInstance(
  ec2: EC2Client,
  input: { sourceAmiId: string; name: string; tags?: Record<string, string>; description?: string },
): Promise<string> {
  const { Images = [] } = await ec2.send(new DescribeImagesCommand({ ImageIds: [input.sourceAmiId] }));
  const architecture = Images[0]?.Architecture;
  if (!architecture) throw new Error(`createImageFromInstance: source ${input.sourceAmiId} not found in this region`);
  const instanceType = architecture === "arm64" ? "t4g.micro" : "t3.micro";
  const { Instances = [] } = await ec2.send(
    new RunInstancesCommand({ ImageId: input.sourceAmiId, InstanceType: instanceType, MinCount: 1, MaxCount: 1 }),
  );
  const instanceId = Instances[0]?.InstanceId as string;
  try {
    const tags = Object.entries(input.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    const { ImageId } = await ec2.send(
      new CreateImageCommand({
        InstanceId: instanceId,
        Name: input.name,
        Description: input.description,
        ...(tags.length ? { TagSpecifications: [{ ResourceType: "image", Tags: tags }] } : {}),
      }),
    );
    return ImageId as string;
  } finally {
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
  }
}

/** Deregisters an image in each region (fixture images exist everywhere under the same id): makes regional gaps. */
export async function deregisterInRegions(
  clients: AwsClients,
  amiId: string,
  regions: readonly string[],
): Promise<void> {
  for (const region of regions) await clients.ec2(region).send(new DeregisterImageCommand({ ImageId: amiId }));
}

/** Publishes (or overwrites) a parameter such as /aws/service/canonical/... pointing at an AMI. */
export async function publishPublicParameter(ssm: SSMClient, name: string, amiId: string): Promise<void> {
  await ssm.send(
    new PutParameterCommand({ Name: name, Value: amiId, Type: "String", DataType: "aws:ec2:image", Overwrite: true }),
  );
}

/** Publishes every base OS's public parameter (both architectures) in a region, pointing at the fixture images. */
export async function publishBaseParameters(ssm: SSMClient, bases: readonly Base[] = BASES): Promise<string[]> {
  const published: string[] = [];
  for (const base of bases) {
    for (const architecture of ["x86_64", "arm64"] as const) {
      const name = baseImageSource(base, architecture).ssmParameter;
      if (!name) continue;
      await publishPublicParameter(ssm, name, FIXTURE_BASE_IMAGES[base][architecture]);
      published.push(name);
    }
  }
  return published;
}

/** PyTorch releases whose Deep Learning AMI public parameters the demo landscape publishes (deep-learning-gpu's default). */
export const DEMO_DLAMI_PYTORCH_VERSIONS = ["2.11"];

/** AWS's Deep Learning AMI parameter name for a PyTorch release (as the deep-learning-gpu template spells it). */
export function dlamiParameterName(architecture: Architecture, pytorchVersion: string): string {
  return `/aws/service/deeplearning/ami/${architecture}/oss-nvidia-driver-gpu-pytorch-${pytorchVersion}-ubuntu-24.04/latest/ami-id`;
}

/** The fixture Deep Learning AMIs (owner 898082745236) the DLAMI public parameters point at. */
export const FIXTURE_DLAMI_IMAGES: Readonly<Record<Architecture, string>> = {
  x86_64: "ami-00d1a000000000001",
  arm64: "ami-00d1a000000000002",
};

/** Publishes the Deep Learning AMI public parameters (both architectures) for each PyTorch release; their names. */
export async function publishDlamiParameters(
  ssm: SSMClient,
  pytorchVersions: readonly string[] = DEMO_DLAMI_PYTORCH_VERSIONS,
): Promise<string[]> {
  const published: string[] = [];
  for (const version of pytorchVersions) {
    for (const architecture of ["x86_64", "arm64"] as const) {
      const name = dlamiParameterName(architecture, version);
      await publishPublicParameter(ssm, name, FIXTURE_DLAMI_IMAGES[architecture]);
      published.push(name);
    }
  }
  return published;
}

export interface DemoLandscape {
  regions: string[];
  /** The lab's own images (owned by the test account), region → { name → id }. */
  labImages: Record<string, Record<string, string>>;
  /** region → parameter names published there. */
  publishedParameters: Record<string, string[]>;
  /** What the landscape is meant to show, one sentence each. */
  notes: string[];
}

/**
 * A lab's own template whose image seedDemoLandscape builds in the first region only (`cws-python-ml-x86_64-*`,
 * found by an owner-scoped search): a workstation in another region needs a consented copy, or, under a strategy that
 * allows it, falls back to script provisioning. Written as `smith-lab-ml.yml`.
 */
export const LAB_ML_TEMPLATE = `name: smith-lab-ml
version: 1.0.0
description: The lab's machine-learning image
base: ubuntu-24.04
ami_config:
  strategy: ami_required
  ami_search:
    owners: ["self"]
    name_pattern: "cws-python-ml-x86_64-*"
`;

/**
 * A realistic landscape over (typically four) regions:
 * - every fixture image everywhere, including the name-squatter's newer "ubuntu-noble" image (210987654321);
 * - base OS public parameters in every region except the last, where only the Ubuntu ones exist (the moto-provided
 *   Amazon Linux parameters there point at images that do not exist: a stale-parameter gap);
 * - the Deep Learning AMI public parameters (PyTorch DEMO_DLAMI_PYTORCH_VERSIONS) in every region, pointing at the
 *   fixture DLAMIs (owner 898082745236) — the squatter's fake DLAMI is never pointed at;
 * - the lab's own images (owned by the test account, tagged Project=cloudworkstation) — "cws-python-ml-*" in the
 *   first region only (so neighbours need a cross-region copy and far regions script provisioning), and
 *   "cws-r-research-*" in the first two regions, with an arm64 build in the first;
 * - the newer Ubuntu 24.04 amd64 image deregistered in the last region, whose Ubuntu parameter points at the older one.
 */
export async function seedDemoLandscape(clients: AwsClients, regions: readonly string[]): Promise<DemoLandscape> {
  if (regions.length === 0) throw new Error("seedDemoLandscape: give at least one region");
  const landscape: DemoLandscape = { regions: [...regions], labImages: {}, publishedParameters: {}, notes: [] };
  const last = regions[regions.length - 1];
  for (const region of regions) {
    const bases = region === last && regions.length > 1 ? (["ubuntu-24.04", "ubuntu-22.04"] as const) : BASES;
    landscape.publishedParameters[region] = [
      ...(await publishBaseParameters(clients.ssm(region), bases)),
      ...(await publishDlamiParameters(clients.ssm(region))),
    ];
    landscape.labImages[region] = {};
  }
  const lab = async (region: string, name: string, sourceAmiId: string, template: string) => {
    const id = await createImageFromInstance(clients.ec2(region), {
      sourceAmiId,
      name,
      description: `CloudWorkstation ${template} image`,
      tags: { Project: "cloudworkstation", Template: template, Version: "1.0.0" },
    });
    landscape.labImages[region][name] = id;
    return id;
  };
  await lab(regions[0], "cws-python-ml-x86_64-20261101", FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64, "python-ml");
  await lab(regions[0], "cws-r-research-x86_64-20261101", FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64, "r-research");
  await lab(regions[0], "cws-r-research-arm64-20261101", FIXTURE_BASE_IMAGES["ubuntu-24.04"].arm64, "r-research");
  if (regions.length > 1)
    await lab(regions[1], "cws-r-research-x86_64-20261101", FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64, "r-research");
  if (regions.length > 1) {
    await deregisterInRegions(clients, FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64, [last]);
    // The publisher's parameter there points at the previous release, as it would on AWS.
    await publishPublicParameter(
      clients.ssm(last),
      baseImageSource("ubuntu-24.04", "x86_64").ssmParameter as string,
      "ami-00c41000000000001",
    );
  }
  landscape.notes.push(
    `the squatter 210987654321 publishes a newer "ubuntu-noble-24.04-amd64" image in every region; it must never be chosen`,
    `cws-python-ml exists only in ${regions[0]}: neighbours need a cross-region copy (with consent), others script provisioning`,
    `cws-r-research exists in ${regions.slice(0, 2).join(" and ")} (arm64 only in ${regions[0]})`,
  );
  if (regions.length > 1) {
    landscape.notes.push(
      `${last} has only the Ubuntu base parameters (Amazon Linux's point at images that do not exist there)`,
      `${last} lost the newest Ubuntu 24.04 amd64 image (${FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64} deregistered; its parameter points at ami-00c41000000000001)`,
    );
  }
  return landscape;
}
