import { AMI_RESOLUTION_TYPE } from "../../src/dynamic/ami-resolution";

/** One AmiResolution as `pulumi stack export` records it (inputs and outputs). */
export interface ExportedResolution {
  name: string;
  amiId: string;
  template: string;
  region?: string;
  /** Recorded by the provider; what a moved project's path falls back to. */
  templateName?: string;
  /** Where the program looked: absolute dirs (every version), and relative to the Pulumi project (newer states). */
  templatesDirs?: string[];
  templatesDirsInProject?: string[];
  /** The resource's type token (default: today's). */
  type?: string;
}

/** A stack export shaped as `pulumi stack export` writes it: the stack resource, then one AmiResolution each. */
export function stackExportJson(resolutions: readonly ExportedResolution[]): string {
  return JSON.stringify({
    version: 3,
    deployment: {
      manifest: { time: "2026-11-29T00:00:00Z" },
      resources: [
        { urn: "urn:pulumi:dev::lab::pulumi:pulumi:Stack::lab-dev", type: "pulumi:pulumi:Stack" },
        ...resolutions.map((r) => {
          const type = r.type ?? AMI_RESOLUTION_TYPE;
          const region = r.region ?? "us-east-1";
          const where = {
            ...(r.templatesDirs ? { templatesDirs: r.templatesDirs } : {}),
            ...(r.templatesDirsInProject ? { templatesDirsInProject: r.templatesDirsInProject } : {}),
          };
          return {
            urn: `urn:pulumi:dev::lab::cloudworkstation:index:ResearchWorkstation$${type}::${r.name}`,
            type,
            inputs: { template: r.template, region, ...where },
            outputs: {
              template: r.template,
              ...where,
              ...(r.templateName ? { templateName: r.templateName } : {}),
              region,
              amiId: r.amiId,
              architecture: "x86_64",
            },
          };
        }),
      ],
    },
  });
}
