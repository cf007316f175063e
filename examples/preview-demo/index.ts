/**
 * The preview-demo example: one AmiResolution per workstation, so `pulumi preview` shows which AMI each would launch
 * and the fallback chain that led there. Nothing here creates a cloud resource (an AmiResolution only makes a
 * cross-region copy at `pulumi up`, and only with the template's consent); add a ResearchWorkstation to launch one.
 *
 * Config (all optional):
 *   template      a template name or path (default: lab-python-ml from ./templates, which inherits python-ml)
 *   workstations  a list of { name, region, size? } (default: alice in us-east-1, bob in eu-west-1)
 *
 * In your own repository, import from "cloudworkstation". Inside this repository the import is relative (compiled
 * to dist/examples/preview-demo, which Pulumi.yaml runs).
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AmiResolution } from "../../src/dynamic/ami-resolution";
import { findPackageRoot } from "../../src/templates";
import type { Size } from "../../src/templates/schema";

interface WorkstationEntry {
  name: string;
  region: string;
  size?: Size;
}

const config = new pulumi.Config();
const template = config.get("template") ?? "lab-python-ml";
const entries = config.getObject<WorkstationEntry[]>("workstations") ?? [
  { name: "alice", region: "us-east-1" },
  { name: "bob", region: "eu-west-1" },
];
// The same directory from examples/preview-demo and from its compiled copy under dist/.
const templatesDir = path.join(
  findPackageRoot(__dirname) ?? path.resolve(__dirname, "..", ".."),
  "examples",
  "preview-demo",
  "templates",
);

export const workstations = Object.fromEntries(
  entries.map((entry) => {
    const ami = new AmiResolution(`${entry.name}-ami`, {
      template,
      templatesDirs: [templatesDir],
      region: entry.region,
      size: entry.size,
    });
    return [
      entry.name,
      {
        region: entry.region,
        amiId: ami.amiId,
        method: ami.method,
        instanceType: ami.instanceType,
        fallbackChain: ami.fallbackChain,
      },
    ];
  }),
);
