import * as fs from "node:fs";
import * as path from "node:path";
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { publishToCatalog } from "../../catalog/write";
import { MANIFEST_FILE } from "../../catalog/format";
import { setDeregistrationProtection, type BuildClients } from "../../imaging";
import { isUnimplementedCall, isUnknownAction } from "../../core/aws-errors";
import type { Architecture, Template } from "../../templates/schema";
import type { CatalogPublishInputs } from "./inputs";

/** What a TemplateImage does with a finished image: deregistration protection and publishing to a lab catalog. */

/**
 * An emulator (AWS_ENDPOINT_URL) that lacks the call: moto answers an HTML "500 Internal Server Error" page for
 * calls it does not implement, as it does for the deregistration-protection pair. Only there is a failure a warning;
 * against AWS every failure is an error.
 */
function emulatorLacksCall(error: unknown): boolean {
  if (!process.env.AWS_ENDPOINT_URL) return false;
  return isUnknownAction(error) || isUnimplementedCall(error);
}

export async function protect(
  clients: BuildClients,
  amiIds: Record<string, string>,
  enabled: boolean,
  warnings: string[],
): Promise<void> {
  for (const [region, amiId] of Object.entries(amiIds)) {
    try {
      await setDeregistrationProtection(clients.ec2(region), amiId, enabled);
    } catch (error) {
      if (!emulatorLacksCall(error)) throw error;
      warnings.push(
        `deregistration protection of ${amiId} in ${region} not ${enabled ? "enabled" : "disabled"}: the endpoint ` +
          `${process.env.AWS_ENDPOINT_URL} (an emulator such as moto) does not implement it; AWS does`,
      );
    }
  }
}

/** `2.1.0-build.20261129231500`: a new semver per build (a published catalog version never changes). */
export function defaultCatalogVersion(template: Template, date: Date): string {
  const stamp = date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const version = /^\d+\.\d+\.\d+$/.test(String(template.version ?? "")) ? String(template.version) : "0.0.0";
  return `${version}-build.${stamp}`;
}

export function checkCatalogDirectory(catalog: CatalogPublishInputs): void {
  if (!fs.existsSync(path.join(catalog.directory, MANIFEST_FILE)))
    throw new Error(
      `publish.catalog.directory: ${catalog.directory} has no ${MANIFEST_FILE}: give the working copy of a catalog ` +
        "(docs/catalog.md), e.g. a checkout of the lab's catalog repository",
    );
}

export async function publishCatalogEntry(
  clients: BuildClients,
  catalog: CatalogPublishInputs,
  template: Template,
  image: { region: string; amiId: string; architecture: Architecture; amiIds: Record<string, string> },
  date: Date,
): Promise<string> {
  const { Images = [] } = await clients.ec2(image.region).send(new DescribeImagesCommand({ ImageIds: [image.amiId] }));
  const owner = Images[0]?.OwnerId;
  if (!owner) throw new Error(`${image.amiId} has no owner in DescribeImages`);
  const written = await publishToCatalog(catalog.directory, {
    template: template.name,
    version: catalog.version ?? defaultCatalogVersion(template, date),
    creator: catalog.creator,
    ownerAccount: owner,
    images: Object.entries(image.amiIds).map(([region, amiId]) => ({
      region,
      amiId,
      architecture: image.architecture,
    })),
    channels: catalog.channels ?? ["beta"],
    ...(catalog.description ? { description: catalog.description } : {}),
    ...(catalog.signKey ? { signKey: catalog.signKey } : {}),
  });
  return written.file;
}
