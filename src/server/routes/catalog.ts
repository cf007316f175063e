import { browseCatalog, entryView } from "../../catalog/views";
import { InvalidInputError } from "../../resolver/errors";
import { ApiError } from "../errors";
import * as schemas from "../schemas";
import { API, type RouteContext } from "./context";

/** The catalog routes: browse and one entry with its reviews. */
export function registerCatalogRoutes(ctx: RouteContext): void {
  const { api, openCatalog } = ctx;
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
}
