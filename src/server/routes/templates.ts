import * as schemas from "../schemas";
import { API, type RouteContext } from "./context";

/** The template routes: list, show, validate (read-only, no token). */
export function registerTemplateRoutes(ctx: RouteContext): void {
  const { api, templates } = ctx;
  api.get(`${API}/templates`, { schema: { summary: "Templates found (cws template list --json)" } }, async () =>
    templates.list(),
  );
  api.get(
    `${API}/templates/:name`,
    {
      schema: {
        summary: "A template after inheritance and defaults (cws template show --json)",
        params: schemas.nameParams,
      },
    },
    async (request) => templates.load(request.params.name).template,
  );
  api.post(
    `${API}/templates/validate`,
    {
      schema: {
        summary: "Validate templates by name, or YAML text (cws template validate --json); read-only, no token",
        body: schemas.validateBody,
      },
    },
    async (request) => {
      const { names, content, file } = request.body;
      if (content !== undefined) return [templates.validateContent(content, file ?? "submitted.yml")];
      return (names ?? []).map((name) => templates.validateNamed(name));
    },
  );
}
