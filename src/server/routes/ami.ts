import { PUBLIC_SHARING_WARNING, validateSharing, type SharingOptions } from "../../imaging";
import { copyToRegions } from "../../ops/copy-to-regions";
import { resolveInRegions } from "../../ops/resolve-in-regions";
import { grantsAnything, shareInRegion } from "../../ops/share-image";
import { resolveAmi } from "../../resolver";
import { costsReport } from "../../ops/costs";
import { listOwnImages, listTemplateImages } from "../../ops/image-sources";
import { ApiError } from "../errors";
import { captureForTemplate, fallbacksReport } from "../reports";
import type { Architecture, Size } from "../../templates/schema";
import * as schemas from "../schemas";
import { API, type RouteContext } from "./context";

/**
 * The AMI routes: resolve, test, list, costs and the fallback map (read-only); create, copy-region and share (jobs,
 * token). The original design's paths for test (POST /ami/test) and costs (/ami/costs/{template}) answer the same.
 */
export function registerAmiRoutes(ctx: RouteContext): void {
  const { api, options, templates, jobs, regionOf, resolveOptions, bearer } = ctx;
  api.get(
    `${API}/ami/resolve/:template`,
    {
      schema: {
        summary: "Resolve which AMI a template launches in a region (cws ami resolve --json); 422 when unresolvable",
        params: schemas.templateParams,
        querystring: schemas.resolveQuery,
      },
    },
    async (request) => {
      const { template } = templates.load(request.params.template);
      const result = await resolveAmi(
        template,
        { ...resolveOptions(request.query), region: regionOf(request.query.region) },
        options.clients,
      );
      if (result.method === "failed")
        throw new ApiError(422, "unresolvable", `${template.name} cannot be resolved in ${result.region}`, result);
      return result;
    },
  );

  /** GET /ami/test/{template} and the design's POST /ami/test: one computation. */
  const testInRegions = (
    name: string,
    query: { region?: string; regions?: string[] } & Parameters<typeof resolveOptions>[0],
  ) => {
    if (query.regions && query.region) throw new ApiError(400, "invalid_input", "give region or regions, not both");
    const { template } = templates.load(name);
    const regions = query.regions ? [...new Set(query.regions)] : [regionOf(query.region)];
    return resolveInRegions(template, regions, resolveOptions(query), options.clients);
  };

  api.get(
    `${API}/ami/test/:template`,
    {
      schema: {
        summary: "Resolve a template in many regions (cws ami test --json): one result or error per region",
        params: schemas.templateParams,
        querystring: schemas.testQuery,
      },
    },
    async (request) => testInRegions(request.params.template, request.query),
  );

  api.post(
    `${API}/ami/test`,
    {
      schema: {
        summary: "The original design's path for GET /ami/test/{template}: the same answer, parameters in the body",
        body: schemas.testBody,
      },
    },
    async (request) => {
      const { template, allowCopy, ...query } = request.body;
      return testInRegions(template, {
        ...query,
        ...(allowCopy === undefined ? {} : { allowCopy: allowCopy ? "true" : "false" }),
      });
    },
  );

  api.get(
    `${API}/ami/list`,
    {
      schema: {
        summary: "Images a template's sources consider in a region, or this account's own images (cws ami list --json)",
        querystring: schemas.listQuery,
      },
    },
    async (request) => {
      const region = regionOf(request.query.region);
      if (request.query.template === undefined) return listOwnImages(region, options.clients);
      return listTemplateImages(templates.load(request.query.template).template, region, options.clients);
    },
  );

  /** GET /ami/costs?template=T and the design's GET /ami/costs/{template}: one computation. */
  const costsFor = (
    name: string,
    query: { region?: string; size?: Size; instanceType?: string; arch?: Architecture },
  ) => {
    const { template } = templates.load(name);
    if (query.size !== undefined && query.instanceType !== undefined)
      throw new ApiError(400, "invalid_input", "give size or instanceType, not both");
    return costsReport(template, {
      region: regionOf(query.region),
      size: query.size,
      instanceType: query.instanceType,
      architecture: query.arch,
    });
  };

  api.get(
    `${API}/ami/costs`,
    {
      schema: {
        summary: "AMI vs script cost estimate for a template (cws costs --json); offline, estimates only",
        querystring: schemas.costsQuery,
      },
    },
    async (request) => costsFor(request.query.template, request.query),
  );

  api.get(
    `${API}/ami/costs/:template`,
    {
      schema: {
        summary: "The original design's path for GET /ami/costs?template=T: the same estimate (cws costs --json)",
        params: schemas.templateParams,
        querystring: schemas.costsPathQuery,
      },
    },
    async (request) => costsFor(request.params.template, request.query),
  );

  api.get(
    `${API}/regions/fallbacks`,
    {
      schema: { summary: "The regional fallback map, or one region's neighbours", querystring: schemas.fallbacksQuery },
    },
    async (request) => fallbacksReport(request.query.region, request.query.maxHops),
  );

  api.post(
    `${API}/ami/create`,
    {
      config: { mutating: true },
      schema: {
        summary: "Capture an instance as an AMI (a job; cws save without writing files)",
        body: schemas.createBody,
        security: bearer,
      },
    },
    async (request, reply) => {
      const body = request.body;
      const region = regionOf(body.region);
      const job = jobs.start(
        "create",
        request.ip,
        `capture ${body.instanceId} in ${region} as ${body.templateName}`,
        ({ signal, step }) =>
          captureForTemplate(options.clients, { ...body, region, signal, onProgress: (s) => step(s) }),
        `instance:${region}:${body.instanceId}`,
      );
      return reply.code(202).header("location", `${API}/jobs/${job.id}`).send(job);
    },
  );

  api.post(
    `${API}/ami/copy-region`,
    {
      config: { mutating: true },
      schema: {
        summary: "Copy an AMI to other regions (a job; cws ami copy --json as its result)",
        body: schemas.copyBody,
        security: bearer,
      },
    },
    async (request, reply) => {
      const body = request.body;
      const sourceRegion = regionOf(body.sourceRegion, "sourceRegion");
      const targetRegions = [...new Set(body.targetRegions)].filter((r) => r !== sourceRegion);
      if (targetRegions.length === 0)
        throw new ApiError(
          400,
          "invalid_input",
          "targetRegions: name at least one region other than the source region",
        );
      const job = jobs.start(
        "copy-region",
        request.ip,
        `copy ${body.amiId} from ${sourceRegion} to ${targetRegions.join(", ")}`,
        ({ signal, step }) =>
          copyToRegions(options.clients, {
            sourceAmiId: body.amiId,
            sourceRegion,
            targetRegions,
            name: body.name,
            encrypted: body.encrypted,
            timeoutMs: body.timeoutMinutes === undefined ? undefined : body.timeoutMinutes * 60_000,
            signal,
            onProgress: (s) => step(s),
          }),
      );
      return reply.code(202).header("location", `${API}/jobs/${job.id}`).send(job);
    },
  );

  api.post(
    `${API}/ami/share`,
    {
      config: { mutating: true },
      schema: {
        summary: "Grant (or remove) launch permissions on an AMI (a job; cws ami share --json as its result)",
        body: schemas.shareBody,
        security: bearer,
      },
    },
    async (request, reply) => {
      const body = request.body;
      const region = regionOf(body.region);
      const sharing: SharingOptions = {
        accountIds: body.accounts ?? [],
        organizationArns: body.organizationArns ?? [],
        organizationalUnitArns: body.ouArns ?? [],
        public: body.public === true,
      };
      validateSharing(sharing);
      if (body.confirmPublic && !(sharing.public && !body.remove))
        throw new ApiError(400, "invalid_input", 'confirmPublic only goes with "public": true (and without "remove")');
      // The token says who may change AWS; making an image public needs the caller's consent for this one request.
      if (sharing.public && !body.remove && !body.confirmPublic)
        throw new ApiError(
          400,
          "confirmation_required",
          `"public": true makes ${body.amiId} in ${region} launchable by every AWS account (${PUBLIC_SHARING_WARNING}); ` +
            'to do that, add "confirmPublic": true to the request body',
          { field: "confirmPublic" },
        );
      if (!grantsAnything(sharing))
        throw new ApiError(
          400,
          "invalid_input",
          "nothing to share with: give accounts, organizationArns, ouArns or public",
        );
      const job = jobs.start(
        "share",
        request.ip,
        `${body.remove ? "unshare" : "share"} ${body.amiId} in ${region}`,
        async ({ step }) => {
          step(`${body.remove ? "remove" : "add"} launch permissions on ${body.amiId}`);
          const result = await shareInRegion(options.clients, {
            amiId: body.amiId,
            region,
            sharing,
            operation: body.remove ? "remove" : "add",
          });
          return sharing.public && !body.remove ? { ...result, warnings: [PUBLIC_SHARING_WARNING] } : result;
        },
        `image:${region}:${body.amiId}`,
      );
      return reply.code(202).header("location", `${API}/jobs/${job.id}`).send(job);
    },
  );
}
