import { browseCatalog, entryView } from "../../catalog/views";
import { InvalidInputError } from "../../core/errors";
import type { AmiMapping } from "../../templates/schema-ami-sources";
import { ApiError } from "../errors";
import * as schemas from "../schemas";
import { API, type RouteContext } from "./context";

/**
 * The catalog routes: browse and one entry with its reviews; and the original design's community registry paths,
 * served from the same catalog (its browse, and its rating, which here is a review committed to the catalog).
 */
export function registerCatalogRoutes(ctx: RouteContext): void {
  const { api, openCatalog, templates } = ctx;
  api.get(
    `${API}/catalog`,
    {
      schema: {
        summary: "The catalog's entries with signature, rating and revocation (cws catalog browse --json)",
        querystring: schemas.catalogQuery,
      },
    },
    async (request) => browseCatalog(await openCatalog(), request.query),
  );

  api.get(
    `${API}/catalog/:entry`,
    {
      schema: {
        summary: "One catalog entry (newest version, or template@version) with reviews (cws catalog show --json)",
        params: schemas.catalogEntryParams,
      },
    },
    async (request) => {
      const [template, version] = request.params.entry.split("@");
      const opened = await openCatalog();
      try {
        return (await entryView(opened, template, version)).json;
      } catch (error) {
        if (error instanceof InvalidInputError) throw new ApiError(404, "not_found", error.message);
        throw error;
      }
    },
  );

  api.get(
    `${API}/community/amis`,
    {
      schema: {
        summary:
          "The original design's community registry: the lab catalog's entries (GET /catalog's rows; cws ami browse --json)",
        querystring: schemas.communityQuery,
      },
    },
    async (request) => {
      const { category, ...filter } = request.query;
      const names =
        category === undefined
          ? undefined
          : templates
              .list()
              .filter((t) => t.category === category)
              .map((t) => t.name);
      return browseCatalog(await openCatalog(), { ...filter, templates: names });
    },
  );

  api.post(
    `${API}/community/amis/:amiId/rate`,
    {
      schema: {
        summary:
          "The original design's rating: here a review file committed to the catalog; 501 with the cws catalog review command",
        params: schemas.communityAmiParams,
        body: schemas.rateBody,
      },
    },
    async (request) => {
      const { amiId } = request.params;
      const opened = await openCatalog();
      const holding = opened.catalog.entries
        .filter((e) => e.entry && Object.values(e.entry.regions).some((mapping) => mappingHolds(mapping, amiId)))
        .map((e) => `${e.template}@${e.version}`);
      if (holding.length === 0)
        throw new ApiError(404, "not_found", `no entry of catalog ${opened.name} holds ${amiId}`, { amiId });
      const { rating, review } = request.body;
      const commands = holding.map(
        (ref) =>
          `cws catalog review ${ref} --rating ${rating} --reviewer <your-name>` +
          (review ? ` --comment ${JSON.stringify(review)}` : ""),
      );
      // A rating is a review file reviewed and committed like code; the server never writes into the catalog.
      throw new ApiError(
        501,
        "review_in_catalog",
        `ratings are reviews committed to catalog ${opened.name}; run ${commands[0]} in a clone of it and commit the file`,
        { entries: holding, commands },
      );
    },
  );
}

/** Whether a catalog entry's region mapping (an AMI id, or one per architecture) names `amiId`. */
function mappingHolds(mapping: AmiMapping, amiId: string): boolean {
  return typeof mapping === "string" ? mapping === amiId : Object.values(mapping).includes(amiId);
}
