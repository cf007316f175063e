/**
 * The image-pipeline example: the lab's baked images as TemplateImages, each published to an SSM parameter that the
 * lab's workstation templates (templates/*-lab.yml) resolve through. `pulumi preview` says which image would be
 * rebuilt and why (a new base image from the distribution, a changed template); `pulumi up` builds it. The workflow in
 * .github/workflows/images.yml runs both: preview on pull requests, up on merge, a weekly preview for moved bases.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { TemplateImage } from "cloudworkstation";

const config = new pulumi.Config();
const region = config.get("region") ?? "us-east-1";
const parameterPrefix = config.get("parameterPrefix") ?? "/smith-lab/images";
const copyToRegions = config.getObject<string[]>("copyToRegions") ?? [];
// Our own templates first (a lab may override a shipped one), then the templates shipped with CloudWorkstation.
const templatesDirs = [path.join(__dirname, "templates")];

/** The images to bake: the template each is built from. Its parameter is <prefix>/<template>/x86_64. */
const BAKED = ["python-ml", "r-research"] as const;

const images = Object.fromEntries(
  BAKED.map((template) => [
    template,
    new TemplateImage(template, {
      template,
      templatesDirs,
      region,
      architecture: "x86_64",
      publish: { ssmParameter: `${parameterPrefix}/${template}/x86_64` },
      copyToRegions,
      // Defaults, spelled out: a rebuilt or removed image is kept (templates may still launch it) and protected.
      retainOnDelete: true,
      deregistrationProtection: true,
    }),
  ]),
);

/** template → { amiId, amiIds, baseAmiId, publishedParameter, buildReason }. */
export const bakedImages = pulumi.output(
  Object.fromEntries(
    Object.entries(images).map(([template, image]) => [
      template,
      {
        amiId: image.amiId,
        amiIds: image.amiIds,
        baseAmiId: image.baseAmiId,
        publishedParameter: image.publishedParameter,
        buildReason: image.buildReason,
      },
    ]),
  ),
);
