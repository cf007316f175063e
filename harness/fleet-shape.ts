import type { AwsClients } from "../src/core/clients";
import { createImageFromInstance, FIXTURE_BASE_IMAGES, publishPublicParameter, TEST_ACCOUNT_ID } from "./seed";

/**
 * The lab-fleet shape the fleet benchmark and the fleet e2e test both preview: four regions and six templates — four
 * shipped ones on Canonical's public parameters, and two of the lab's own images: one found by an owner-scoped
 * search, one published to the lab's own SSM parameter. `publishNewerLabBuilds` is the "newer images appear" step:
 * the lab publishes a newer build of both (the search then returns the pinned build too; the parameter no longer
 * names it).
 */
export const FLEET_REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"];

/** Where the lab publishes its own workstation image (ssm_parameter of the lab-ssm template). */
export const LAB_PARAMETER = "/cloudworkstation/lab/workstation";

/** The lab's own image, by an owner-scoped search. */
const LAB_SEARCH_TEMPLATE = {
  name: "lab-r",
  base: "ubuntu-24.04",
  ami_config: { ami_search: { owners: ["self"], name_pattern: "cws-r-research-x86_64-*" } },
};
/** The lab's own image, by its own parameter (the lab's account trusted by id, as a lab would). */
const LAB_PARAMETER_TEMPLATE = {
  name: "lab-ssm",
  base: "ubuntu-24.04",
  ami_config: { ssm_parameter: LAB_PARAMETER, trusted_owners: [TEST_ACCOUNT_ID] },
};
export const FLEET_TEMPLATES: (string | Record<string, unknown>)[] = [
  "ubuntu-24.04-base",
  "ubuntu-22.04-base",
  "python-ml",
  "r-research",
  LAB_SEARCH_TEMPLATE,
  LAB_PARAMETER_TEMPLATE,
];

/** The older Ubuntu 24.04 amd64 fixture image: the one the demo landscape keeps in every region. */
const OLDER_NOBLE_AMD64 = "ami-00c41000000000001";

/** A build of the lab's parameter image in each region, with LAB_PARAMETER pointing at it; the ids by region. */
export async function publishLabParameterBuild(
  clients: AwsClients,
  regions: readonly string[],
  build: string,
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const region of regions) {
    const imageId = await createImageFromInstance(clients.ec2(region), {
      sourceAmiId: OLDER_NOBLE_AMD64,
      name: `cws-lab-workstation-x86_64-${build}`,
      tags: { Project: "cloudworkstation", Template: "lab-ssm" },
    });
    await publishPublicParameter(clients.ssm(region), LAB_PARAMETER, imageId);
    ids[region] = imageId;
  }
  return ids;
}

/** What the fleet needs beyond the demo landscape (seedDemoLandscape): the lab's parameter image everywhere. */
export async function seedFleetLab(clients: AwsClients, regions: readonly string[] = FLEET_REGIONS): Promise<void> {
  await publishLabParameterBuild(clients, regions, "20261101");
}

/** Newer builds of both lab images in `regions` (by default the first two of the fleet's). */
export async function publishNewerLabBuilds(
  clients: AwsClients,
  regions: readonly string[] = FLEET_REGIONS.slice(0, 2),
): Promise<void> {
  for (const region of regions) {
    await createImageFromInstance(clients.ec2(region), {
      sourceAmiId: FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64,
      name: "cws-r-research-x86_64-20261201",
      description: "CloudWorkstation r-research image",
      tags: { Project: "cloudworkstation", Template: "r-research", Version: "1.1.0" },
    });
  }
  await publishLabParameterBuild(clients, regions, "20261201");
}
