import type { Filter, Image } from "@aws-sdk/client-ec2";
import semver from "semver";
import { ACCOUNT_ID_PATTERN, type Architecture } from "../../templates/schema";
import { type MarketplaceSearch } from "../../templates/schema-ami-sources";
import type { ImageSearch } from "../../core/image-cache";
import { compareNewestFirst } from "../validate-image";
import { imageLabel, firstAcceptable, summariseRejections, type Tier, type TierResult } from "./tier";

/** Real AWS Marketplace images have the owner alias "aws-marketplace". */
export const MARKETPLACE_OWNER_ALIAS = "aws-marketplace";

/**
 * The DescribeImages query of `marketplace_search`: `Owners: ["aws-marketplace", …account ids in trusted_owners]`,
 * the `product-code` filter and — when resolving for one architecture — `architecture` and `state=available`.
 * `cws ami list` calls this without an architecture; resolver and listing share it, so they cannot disagree.
 */
export function marketplaceQuery(
  search: MarketplaceSearch,
  trustedOwners: readonly string[] | undefined,
  architecture?: Architecture,
): ImageSearch {
  const sellerAccounts = (trustedOwners ?? []).filter((owner) => ACCOUNT_ID_PATTERN.test(owner));
  const filters: Filter[] = [{ Name: "product-code", Values: [search.product_code] }];
  if (architecture) {
    filters.push({ Name: "architecture", Values: [architecture] });
    filters.push({ Name: "state", Values: ["available"] });
  }
  return { owners: [MARKETPLACE_OWNER_ALIAS, ...new Set(sellerAccounts)], filters };
}

/**
 * EC2 applies the product-code filter; this re-check refuses an image that lists only other codes. An image that
 * lists none is kept, because emulators (moto) filter by product code but do not return ProductCodes.
 */
export function carriesProductCode(image: Image, productCode: string): boolean {
  const codes = image.ProductCodes ?? [];
  return codes.length === 0 || codes.some((code) => code.ProductCodeId === productCode);
}

/**
 * `marketplace_search`: images carrying the AWS Marketplace product code. Searched with
 * `Owners: ["aws-marketplace", …account ids from trusted_owners]` plus a `product-code` filter: on AWS the alias finds
 * every listing, and a seller account listed in trusted_owners finds that seller's images by account id (the only
 * way that works on emulators, which do not give marketplace images the "aws-marketplace" alias). An image listing other product codes is refused. The version is the image's `Version` tag, else a version read
 * from the name (semver.coerce); the highest version satisfying `version_constraint` wins (ties: newest, then
 * ImageId descending).
 */
export const marketplaceTier: Tier = {
  name: "marketplace",
  kind: "image",
  async run(context): Promise<TierResult> {
    const search = context.config?.marketplace_search;
    if (!search) return { outcome: "not_configured", detail: "no marketplace_search in ami_config" };
    const found = await context.cache.searchImages(
      context.clients.ec2(context.region),
      marketplaceQuery(search, context.config?.trusted_owners, context.architecture),
      context.signal,
    );
    const withCode = found.filter((image) => carriesProductCode(image, search.product_code));
    const query = `product code ${search.product_code} (${context.architecture})`;
    if (withCode.length === 0)
      return { outcome: "not_found", detail: `no marketplace image with ${query} in ${context.region}` };

    const versioned = withCode.map((image) => ({ image, version: imageVersion(image) }));
    const range = search.version_constraint;
    const satisfying = range
      ? versioned.filter((entry) => entry.version && semver.satisfies(entry.version, range))
      : versioned;
    if (satisfying.length === 0) {
      const seen = versioned.map((entry) => `${entry.image.ImageId}=${entry.version ?? "no version"}`).join(", ");
      return {
        outcome: "not_found",
        detail: `no marketplace image with ${query} satisfies version ${range} (found ${seen})`,
      };
    }
    satisfying.sort((a, b) => {
      if (a.version && b.version && a.version !== b.version) return semver.rcompare(a.version, b.version);
      if (a.version !== b.version) return a.version ? -1 : 1;
      return compareNewestFirst(a.image, b.image);
    });
    const { selected, rejections } = await firstAcceptable(
      context,
      satisfying.map((entry) => ({ amiId: entry.image.ImageId as string, image: entry.image })),
    );
    if (selected) {
      const version = imageVersion(selected.image);
      const before = rejections.length ? `; ${summariseRejections(rejections)}` : "";
      return {
        outcome: "selected",
        amiId: selected.amiId,
        image: selected.image,
        detail: `selected ${selected.amiId}${imageLabel(selected.image)} version ${version ?? "unknown"}${range ? ` (satisfies ${range})` : ""} with ${query}${before}`,
      };
    }
    return {
      outcome: "rejected",
      detail: `all ${satisfying.length} marketplace images with ${query} refused: ${summariseRejections(rejections)}`,
    };
  },
};

/** The image's version: its `Version` tag, else one read from its name ("rstudio-workbench-2.2.4-…" → 2.2.4). */
export function imageVersion(image: Image): string | undefined {
  const tag = image.Tags?.find((t) => t.Key === "Version")?.Value;
  const fromTag = tag ? (semver.valid(tag) ?? semver.coerce(tag)?.version) : undefined;
  if (fromTag) return fromTag;
  return image.Name ? semver.coerce(image.Name)?.version : undefined;
}
