import * as schemas from "../schemas";
import { API, type RouteContext } from "./context";

/** The job routes: list, status, cancel (token). */
export function registerJobRoutes(ctx: RouteContext): void {
  const { api, jobs, bearer } = ctx;
  api.get(`${API}/jobs`, { schema: { summary: "Every job since the server started" } }, async () => jobs.list());
  api.get(
    `${API}/jobs/:id`,
    { schema: { summary: "A job's status, steps with elapsed times, and result or error", params: schemas.jobParams } },
    async (request) => jobs.get(request.params.id),
  );
  api.delete(
    `${API}/jobs/:id`,
    {
      config: { mutating: true },
      schema: {
        summary: "Cancel a running job (its compensation runs: unfinished image removed, instance restarted)",
        params: schemas.jobParams,
        security: bearer,
      },
    },
    async (request, reply) => reply.code(202).send(jobs.cancel(request.params.id)),
  );
}
