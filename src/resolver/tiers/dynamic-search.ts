import type { Filter } from "@aws-sdk/client-ec2";
import { describeImage, firstAcceptable, newestFirst, summariseRejections, type Tier, type TierResult } from "./tier";

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
    const filters: Filter[] = [
      { Name: "architecture", Values: [context.architecture] },
      { Name: "state", Values: ["available"] },
    ];
    if (search.name_pattern) filters.push({ Name: "name", Values: [search.name_pattern] });
    for (const [key, value] of Object.entries(search.required_tags ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
      filters.push({ Name: `tag:${key}`, Values: [value] });
    }
    if (search.version_tag) filters.push({ Name: "tag:Version", Values: [search.version_tag] });

    const found = await context.cache.searchImages(
      context.clients.ec2(context.region),
      { owners: search.owners, filters },
      context.signal,
    );
    const minDate = search.min_creation_date ? Date.parse(search.min_creation_date) : undefined;
    const fresh =
      minDate === undefined ? found : found.filter((image) => (Date.parse(image.CreationDate ?? "") || 0) >= minDate);
    const query = describeQuery(search.owners, filters);
    if (fresh.length === 0) {
      const tooOld = found.length - fresh.length;
      return {
        outcome: "not_found",
        detail: `no image matches ${query} in ${context.region}${tooOld ? ` (${tooOld} older than min_creation_date ${search.min_creation_date})` : ""}`,
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
        detail: `selected ${selected.amiId}${describeImage(selected.image)}, newest acceptable of ${ordered.length} matching ${query}${before}`,
      };
    }
    return {
      outcome: "rejected",
      detail: `all ${ordered.length} images matching ${query} refused: ${summariseRejections(rejections)}`,
    };
  },
};

function describeQuery(owners: string[], filters: Filter[]): string {
  const parts = filters.map((filter) => `${filter.Name}=${(filter.Values ?? []).join("|")}`);
  return `owners [${owners.join(", ")}] ${parts.join(" ")}`;
}
