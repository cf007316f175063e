/**
 * The Pulumi program `npm run demo` previews, launches and destroys (compiled to dist/harness/demo-workstations.js;
 * run with the AWS provider stand-in against moto, never against AWS): one ResearchWorkstation per demo
 * workstation, all on the lab's template lab-python-ml (examples/preview-demo/templates), in the three regions that
 * show its three ways to an AMI — the lab's image, a copy made by `pulumi up`, script provisioning on stock Ubuntu.
 */
import * as path from "node:path";
import { ResearchWorkstation } from "../src/components/research-workstation";
import { findPackageRoot } from "../src/templates";

/** name → region. */
const DEMO_WORKSTATIONS: Record<string, string> = {
  alice: "us-east-1",
  carol: "us-east-2",
  bob: "eu-west-1",
};

const templatesDir = path.join(
  findPackageRoot(__dirname) ?? path.resolve(__dirname, ".."),
  "examples",
  "preview-demo",
  "templates",
);

const launched = Object.fromEntries(
  Object.entries(DEMO_WORKSTATIONS).map(([name, region]) => [
    name,
    new ResearchWorkstation(name, {
      template: "lab-python-ml",
      templatesDirs: [templatesDir],
      region,
      size: "S",
      allowedCidrs: ["203.0.113.0/24"],
      owner: `${name}@example.org`,
      project: "smith-lab",
    }),
  ]),
);

/** Known at preview: where each workstation goes, its AMI and the chain that chose it. */
export const workstations = Object.fromEntries(
  Object.entries(launched).map(([name, workstation]) => [
    name,
    {
      region: workstation.region,
      amiId: workstation.amiId,
      method: workstation.resolutionMethod,
      fallbackChain: workstation.fallbackChain,
    },
  ]),
);

/** Known after `pulumi up`: each workstation's instance. */
export const instanceIds = Object.fromEntries(
  Object.entries(launched).map(([name, workstation]) => [name, workstation.instanceId]),
);
