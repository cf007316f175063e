import type { Filter, Image } from "@aws-sdk/client-ec2";
import type { AmiSearch, Architecture } from "../../templates/schema";
import type { ImageSearch } from "../../core/image-cache";
import { firstAcceptable, imageLabel, newestFirst, summariseRejections, type Tier, type TierResult } from "./tier";

/**
 * The DescribeImages query of `ami_search`: its owners, `name`, `tag:<key>` per required tag, `tag:Version`, and —
 * when resolving for one architecture — `architecture` and `state=available`. `cws ami list` calls this without an
 * architecture (so refused images show too); both always ask the same owners and filters, so they cannot disagree.
 */
export function amiSearchQuery(search: AmiSearch, architecture?: Architecture): ImageSearch {
  const filters: Filter[] = architecture
    ? [
        { Name: "architecture", Values: [architecture] },
        { Name: "state", Values: ["available"] },
      ]
    : search.architecture
      ? [{ Name: "architecture", Values: [...search.architecture] }]
      : [];
  if (search.name_pattern) filters.push({ Name: "name", Values: [search.name_pattern] });
  for (const [key, value] of Object.entries(search.required_tags ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    filters.push({ Name: `tag:${key}`, Values: [value] });
  }
  if (search.version_tag) filters.push({ Name: "tag:Version", Values: [search.version_tag] });
  return { owners: search.owners, filters };
}

/** `min_creation_date`, applied client side (DescribeImages has no date filter). */
export function createdSinceMinimum(search: AmiSearch, image: Image): boolean {
  if (!search.min_creation_date) return true;
  return (Date.parse(image.CreationDate ?? "") || 0) >= Date.parse(search.min_creation_date);
}

/** "owners [099720109477] architecture=x86_64 name=ubuntu/…" — the query in words, for the chain and `ami list`. */
export function describeSearchQuery(query: ImageSearch): string {
  const parts = query.filters.map((filter) => `${filter.Name}=${(filter.Values ?? []).join("|")}`);
  return `owners [${query.owners.join(", ")}] ${parts.join(" ")}`;
}

/**
 * `ami_search`: DescribeImages by owners (always; the schema requires them and this tier refuses to search without),
 * name pattern, architecture, `tag:<key>` for required_tags and `tag:Version` = version_tag, state=available.
 * `min_creation_date` is applied here, client side. The newest image wins; two images created in the same second
 * are ordered by ImageId descending so the choice never flips between runs.
 * Follows the newest image: a newly published match replaces the workstation on the next `pulumi up`.
 */
export const dynamicSearchTier: Tier = {
  name: "dynamic_search",
  kind: "image",
  async run(context): Promise<TierResult> {
    const search = context.config?.ami_search;
    if (!search) return { outcome: "not_configured", detail: "no ami_search in ami_config" };
    if (!search.owners || search.owners.length === 0) {
      return {
        outcome: "error",
        detail: "ami_search has no owners: refusing to pick an image by name alone (name-squatting)",
      };
    }
    if (search.architecture && !search.architecture.includes(context.architecture)) {
      return {
        outcome: "not_found",
        detail: `ami_search.architecture [${search.architecture.join(", ")}] excludes ${context.architecture} (needed by ${context.instanceType})`,
      };
    }
    const query = amiSearchQuery(search, context.architecture);
    const found = await context.cache.searchImages(context.clients.ec2(context.region), query, context.signal);
    const fresh = found.filter((image) => createdSinceMinimum(search, image));
    const describedQuery = describeSearchQuery(query);
    if (fresh.length === 0) {
      const tooOld = found.length - fresh.length;
      return {
        outcome: "not_found",
        detail: `no image matches ${describedQuery} in ${context.region}${tooOld ? ` (${tooOld} older than min_creation_date ${search.min_creation_date})` : ""}`,
      };
    }
    const ordered = newestFirst(fresh);
    const { selected, rejections } = await firstAcceptable(
      context,
      ordered.map((image) => ({ amiId: image.ImageId as string, image })),
      { includeDeprecated: search.include_deprecated },
    );
    if (selected) {
      const before = rejections.length ? `; ${summariseRejections(rejections)}` : "";
      return {
        outcome: "selected",
        amiId: selected.amiId,
        image: selected.image,
        detail: `selected ${selected.amiId}${imageLabel(selected.image)}, newest acceptable of ${ordered.length} matching ${describedQuery}${before}`,
      };
    }
    return {
      outcome: "rejected",
      detail: `all ${ordered.length} images matching ${describedQuery} refused: ${summariseRejections(rejections)}`,
    };
  },
};
