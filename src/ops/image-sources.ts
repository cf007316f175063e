import { DescribeImagesCommand, type Image } from "@aws-sdk/client-ec2";
import { throwAwsCallError } from "../core/aws-errors";
import { ImageCache } from "../core/image-cache";
import {
  amiSearchQuery,
  carriesProductCode,
  createdSinceMinimum,
  describeSearchQuery,
  marketplaceQuery,
} from "../resolver/tiers";
import type { Architecture } from "../resolver/types";
import type { AwsClients } from "../core/clients";
import { isDeprecated, ownerIsTrusted } from "../resolver/validate-image";
import { ARCHITECTURES, type Template } from "../templates/schema";
import { isAmiId } from "../core/aws-ids";

/** Where `cws ami list` found an image id. */
export type ImageSourceKind = "ami_mappings" | "ssm_parameter" | "ami_search" | "marketplace_search" | "self";

/** One row of `cws ami list` (also its --json element). */
export interface ImageRow {
  source: ImageSourceKind;
  /** Which entry: `ami_mappings.us-east-1.x86_64`, the parameter name, the search query… */
  via: string;
  amiId: string;
  /** False when the id is configured (mapping, parameter value) but DescribeImages does not know it in the region. */
  exists: boolean;
  name?: string;
  ownerId?: string;
  ownerAlias?: string;
  architecture?: string;
  creationDate?: string;
  state?: string;
  deprecationTime?: string;
  deprecated: boolean;
  /** Whether the owner passes the template's trust rules (trusted_owners, or the source's own owners). */
  trusted: boolean;
  /** Why `trusted` is what it is, in words. */
  trust: string;
}

export interface ImageListing {
  template?: string;
  region: string;
  images: ImageRow[];
  /** Sources that could not be read (missing parameter…), one sentence each. */
  notes: string[];
}

/**
 * The images a template's AMI sources would consider in `region`: mapped ids, SSM parameter values, ami_search
 * results and marketplace images, for both architectures, WITHOUT choosing (that is `cws ami resolve`). Searches
 * are built by the tiers themselves (amiSearchQuery, marketplaceQuery) minus the architecture/state filters, so
 * refused images are visible too and the two commands cannot disagree about what exists.
 */
export async function listTemplateImages(
  template: Template,
  region: string,
  clients: AwsClients,
  now = new Date(),
): Promise<ImageListing> {
  const config = template.ami_config;
  const cache = new ImageCache({ ttlMs: 0 });
  const ec2 = clients.ec2(region);
  const notes: string[] = [];
  const pending: Array<{ source: ImageSourceKind; via: string; amiId: string }> = [];
  const searched: Array<{ source: ImageSourceKind; via: string; image: Image }> = [];

  if (!config) notes.push(`template ${template.name} has no ami_config: it always uses script provisioning`);
  for (const [mappedRegion, entry] of Object.entries(config?.ami_mappings ?? {})) {
    if (mappedRegion !== region) continue;
    if (typeof entry === "string")
      pending.push({ source: "ami_mappings", via: `ami_mappings.${region}`, amiId: entry });
    else
      for (const arch of ARCHITECTURES)
        if (entry[arch])
          pending.push({ source: "ami_mappings", via: `ami_mappings.${region}.${arch}`, amiId: entry[arch]! });
  }
  if (config?.ami_mappings && !(region in config.ami_mappings)) notes.push(`ami_mappings has no entry for ${region}`);

  const parameter = config?.ssm_parameter;
  const parameterNames =
    parameter === undefined
      ? []
      : typeof parameter === "string"
        ? [parameter]
        : ARCHITECTURES.map((a) => parameter[a]).filter((n): n is string => !!n);
  for (const name of parameterNames) {
    const value = await cache.getParameter(clients.ssm(region), name);
    if (value === undefined) notes.push(`ssm_parameter ${name} not found in ${region}`);
    else pending.push({ source: "ssm_parameter", via: name, amiId: value.trim() });
  }

  // The tiers' own queries, without an architecture (both architectures, refused images too): `ami list` shows a
  // superset of what `ami resolve` considers, never a different set.
  const search = config?.ami_search;
  if (search) {
    const query = amiSearchQuery(search);
    const via = describeSearchQuery(query);
    for (const image of await cache.searchImages(ec2, query)) {
      if (createdSinceMinimum(search, image)) searched.push({ source: "ami_search", via, image });
    }
  }

  const market = config?.marketplace_search;
  if (market) {
    const found = await cache.searchImages(ec2, marketplaceQuery(market, config?.trusted_owners));
    for (const image of found) {
      if (carriesProductCode(image, market.product_code)) {
        searched.push({ source: "marketplace_search", via: `product code ${market.product_code}`, image });
      }
    }
  }

  const rows: ImageRow[] = [];
  for (const entry of pending) {
    const image = isAmiId(entry.amiId) ? await cache.getImage(ec2, entry.amiId) : undefined;
    rows.push(await toRow(entry.source, entry.via, entry.amiId, image, template, cache, clients, region, now));
  }
  for (const entry of searched) {
    rows.push(
      await toRow(
        entry.source,
        entry.via,
        entry.image.ImageId ?? "?",
        entry.image,
        template,
        cache,
        clients,
        region,
        now,
      ),
    );
  }
  return { template: template.name, region, images: rows, notes };
}

/** Images owned by the caller's account in the region (what `cws save` makes), newest first. */
export async function listOwnImages(region: string, clients: AwsClients, now = new Date()): Promise<ImageListing> {
  const images: Image[] = [];
  let token: string | undefined;
  do {
    const page = await clients
      .ec2(region)
      .send(new DescribeImagesCommand({ Owners: ["self"], NextToken: token }))
      .catch((error: unknown) => throwAwsCallError(error, { service: "EC2", operation: "DescribeImages", region }));
    images.push(...(page.Images ?? []));
    token = page.NextToken;
  } while (token);
  images.sort(
    (a, b) =>
      (b.CreationDate ?? "").localeCompare(a.CreationDate ?? "") || (b.ImageId ?? "").localeCompare(a.ImageId ?? ""),
  );
  return {
    region,
    images: images.map((image) => ({
      ...imageFields(image, now),
      source: "self",
      via: "Owners=self",
      amiId: image.ImageId ?? "?",
      exists: true,
      trusted: true,
      trust: "owned by this account",
    })),
    notes: [],
  };
}

async function toRow(
  source: ImageSourceKind,
  via: string,
  amiId: string,
  image: Image | undefined,
  template: Template,
  cache: ImageCache,
  clients: AwsClients,
  region: string,
  now: Date,
): Promise<ImageRow> {
  if (!image)
    return {
      source,
      via,
      amiId,
      exists: false,
      deprecated: false,
      trusted: false,
      trust: `does not exist in ${region}`,
    };
  const trustedOwners = template.ami_config?.trusted_owners;
  let trusted: boolean;
  let trust: string;
  if (trustedOwners && trustedOwners.length > 0) {
    const ownedBySelf = trustedOwners.includes("self")
      ? await cache.isOwnedBySelf(clients.ec2(region), amiId)
      : undefined;
    trusted = ownerIsTrusted(image, trustedOwners, ownedBySelf);
    trust = `owner ${image.OwnerId ?? "?"} ${trusted ? "in" : "not in"} trusted_owners [${trustedOwners.join(", ")}]`;
  } else {
    trusted = true;
    trust =
      source === "ami_search"
        ? `owner in ami_search.owners (no trusted_owners)`
        : source === "marketplace_search"
          ? "carries the product code (no trusted_owners)"
          : `named by the template's ${source} (no trusted_owners)`;
  }
  return { ...imageFields(image, now), source, via, amiId, exists: true, trusted, trust };
}

function imageFields(image: Image, now: Date) {
  return {
    name: image.Name,
    ownerId: image.OwnerId,
    ownerAlias: image.ImageOwnerAlias,
    architecture: image.Architecture as Architecture | undefined,
    creationDate: image.CreationDate,
    state: image.State,
    deprecationTime: image.DeprecationTime,
    deprecated: isDeprecated(image, now),
  };
}
