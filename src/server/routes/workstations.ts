import { planDestroy, runDestroy } from "../../ops/workstations/destroy";
import { engineDiagnostics, lockHolder } from "../../ops/workstations/engine-errors";
import { planLaunch, runLaunch, type LaunchRequest } from "../../ops/workstations/launch";
import { listWorkstations } from "../../ops/workstations/manage";
import { releaseWorkspace, workstationEngine, type WorkstationEngine } from "../../ops/workstations/stack";
import { AwsCallError, InvalidInputError } from "../../core/errors";
import { didYouMean } from "../../core/suggest";
import { ApiError } from "../errors";
import type { JobControl } from "../jobs";
import * as schemas from "../schemas";
import { API, type RouteContext } from "./context";

/**
 * The workstations `cws launch` makes, over HTTP: list (`cws list --json`), launch and destroy as jobs (token). The
 * use cases are the CLI's (ops/workstations); what the CLI asks on a terminal, the API asks with a 409.
 */
export function registerWorkstationRoutes(ctx: RouteContext): void {
  const { api, options, templates, jobs, regionOf, resolveOptions, bearer } = ctx;
  const where = options.workstations ?? { env: process.env };
  /** The CLI's backend resolution, once per request: a backend made or changed meanwhile is seen. */
  const engineFor = (create: boolean): WorkstationEngine => {
    try {
      return workstationEngine(where.env, where.backend, { create });
    } catch (error) {
      throw new ApiError(503, "engine_unavailable", (error as Error).message);
    }
  };

  api.get(
    `${API}/workstations`,
    { schema: { summary: "The workstations cws launch made, with EC2's state (cws list --json)" } },
    async () => listWorkstations(engineFor(false), options.clients),
  );

  api.post(
    `${API}/workstations`,
    {
      config: { mutating: true },
      schema: {
        summary:
          "Launch a workstation (cws launch --json as the job's result); 409 confirmation_required before a copy or script fallback",
        body: schemas.launchBody,
        security: bearer,
      },
    },
    async (request, reply) => {
      const body = request.body;
      const strategy = body.preferScript ? "ami_fallback" : body.strategy;
      if (body.preferScript && body.strategy !== undefined && body.strategy !== "ami_fallback")
        throw new ApiError(400, "invalid_input", `give preferScript or strategy ${body.strategy}, not both`);
      const launchRequest: LaunchRequest = {
        name: body.name,
        ...loadForLaunch(body.template),
        templatesDirs: templates.dirs,
        options: {
          ...resolveOptions({
            arch: body.arch,
            instanceType: body.instanceType,
            size: body.size,
            strategy,
            allowCopy: body.allowCopy ? "true" : undefined,
          }),
          region: regionOf(body.region),
        },
      };
      const plan = await planLaunch(launchRequest, options.clients);
      const preview = { dryRun: true, name: body.name, resolution: plan.resolution, consents: plan.consents };
      if (plan.resolution.method === "failed")
        throw new ApiError(
          422,
          "unresolvable",
          `${plan.resolution.template} cannot be resolved in ${plan.resolution.region} and has no fallback: nothing was launched`,
          preview,
        );
      if (body.dryRun) return preview;
      if (plan.consents.length > 0 && body.confirm !== true)
        throw new ApiError(
          409,
          "confirmation_required",
          `${plan.consents.join(" ")} To go ahead, send the same request with "confirm": true; nothing was created.`,
          { field: "confirm", consents: plan.consents },
        );
      const job = jobs.start(
        "launch",
        request.ip,
        `launch ${body.name} (${plan.resolution.template}) in ${plan.resolution.region}`,
        (control) =>
          engineJob(body.name, "launch", control, () =>
            runLaunch(engineFor(true), plan, {
              onProgress: (line) => control.step(line.trim()),
              signal: control.signal,
            }),
          ),
        `workstation:${body.name}`,
      );
      return reply.code(202).header("location", `${API}/jobs/${job.id}`).send(job);
    },
  );

  api.delete(
    `${API}/workstations/:name`,
    {
      config: { mutating: true },
      schema: {
        summary:
          "Destroy a workstation and remove its stack (a job; cws destroy --json as its result); images are kept",
        params: schemas.workstationParams,
        security: bearer,
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const plan = await planDestroy(engineFor(false), name);
      const what = plan.instanceId ? `instance ${plan.instanceId} in ${plan.region}` : "nothing launched yet";
      try {
        const job = jobs.start(
          "destroy",
          request.ip,
          `destroy ${name} (${what})`,
          (control) =>
            engineJob(name, "destroy", control, () =>
              runDestroy(plan, { onProgress: (line) => control.step(line.trim()), signal: control.signal }),
            ),
          `workstation:${name}`,
        );
        return reply.code(202).header("location", `${API}/jobs/${job.id}`).send(job);
      } catch (error) {
        releaseWorkspace(plan.stack.workspace);
        throw error;
      }
    },
  );

  /** The template the API lists by that name, as its file: the program loads exactly what was validated here. */
  function loadForLaunch(name: string): Pick<LaunchRequest, "template" | "templateRef"> {
    let loaded;
    try {
      loaded = templates.load(name);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === "template_not_found")) throw error;
      const names = templates.list().map((t) => t.name);
      throw new ApiError(
        400,
        "invalid_input",
        `template: template "${name}" not found${didYouMean(name, names)} (GET ${API}/templates lists them)`,
        { field: "template" },
      );
    }
    return { template: loaded.template, templateRef: loaded.file ?? name };
  }
}

/**
 * An engine operation as a job. Its failures say what the CLI says, for an API caller: who holds a lock (nothing
 * changed), or what the engine reported and that the stack keeps what was made (how to finish or remove it).
 */
async function engineJob<T>(
  name: string,
  operation: "launch" | "destroy",
  control: JobControl,
  run: () => Promise<T>,
): Promise<T> {
  control.step(`pulumi ${operation === "launch" ? "up" : "destroy"} on stack ${name}`);
  try {
    return await run();
  } catch (error) {
    // Our own errors already say what to do; only the engine's text needs reading.
    if (
      !(error instanceof Error) ||
      [ApiError, AwsCallError, InvalidInputError].some((known) => error instanceof known)
    )
      throw error;
    const lock = lockHolder(error.message);
    if (lock && !control.signal.aborted)
      throw new ApiError(
        409,
        "workstation_locked",
        `workstation ${name} is locked by ${lock.holder}: another operation is changing it, so this one changed ` +
          `nothing in its stack. Wait until that one ends, then send this again. If it was killed and nobody is ` +
          `changing ${name}, delete its lock (${lock.file}) first.`,
        { holder: lock.holder, lockFile: lock.file },
      );
    const what = control.signal.aborted ? "was cancelled" : `failed: ${engineDiagnostics(error.message)}`;
    throw new ApiError(
      control.signal.aborted ? 409 : 502,
      control.signal.aborted ? "cancelled" : "engine_failed",
      `the ${operation} of ${name} ${what}. Stack ${name} keeps what was made before it stopped: ` +
        `DELETE ${API}/workstations/${name} removes it all, or send the same request again to finish.`,
      { workstation: name },
    );
  }
}
