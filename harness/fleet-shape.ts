/**
 * The lab-fleet shape the fleet benchmark and the fleet e2e test both preview: four regions and five templates, one
 * of them the lab's own image found by an owner-scoped search (whose newer build the fleet sees appear).
 */
export const FLEET_REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"];
/** The lab's own image, by an owner-scoped search: the template whose newer build the fleet sees appear. */
const LAB_TEMPLATE = {
  name: "lab-r",
  base: "ubuntu-24.04",
  ami_config: { ami_search: { owners: ["self"], name_pattern: "cws-r-research-x86_64-*" } },
};
export const FLEET_TEMPLATES: (string | typeof LAB_TEMPLATE)[] = [
  "ubuntu-24.04-base",
  "ubuntu-22.04-base",
  "python-ml",
  "r-research",
  LAB_TEMPLATE,
];
