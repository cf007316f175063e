import { timingSafeEqual } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import fastifySwagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { CatalogSourceError, parseCatalogSource } from "../catalog/source";
import { CatalogStore, defaultCatalogStore } from "../catalog/store";
import { DEFAULT_COPY_SNAPSHOT_GB, PRICE_SNAPSHOT } from "../resolver/cost";
import type { ResolveOptions } from "../resolver/types";
import { findPackageRoot } from "../templates/loader";
import { ApiError, errorBody, toApiError } from "./errors";
import { JobManager } from "./jobs";
import { registerAmiRoutes } from "./routes/ami";
import { registerCatalogRoutes } from "./routes/catalog";
import { API, type RouteContext, type ServerOptions } from "./routes/context";
import { registerJobRoutes } from "./routes/jobs";
import { registerTemplateRoutes } from "./routes/templates";
import { registerWorkstationRoutes } from "./routes/workstations";
import { TemplateStore } from "./templates";

// The options live beside the route context that carries them (routes/context.ts), so the routes never import app.ts.
export type { ServerOptions } from "./routes/context";

export const DEFAULT_BODY_LIMIT_BYTES = 256 * 1024;
export const DEFAULT_MAX_JOBS_PER_CLIENT = 2;

export interface CwsServer {
  app: FastifyInstance;
  jobs: JobManager;
  /** Stops accepting connections, lets in-flight requests finish, cancels jobs and waits for their compensation. */
  close(): Promise<void>;
}

/** Thrown before anything listens when an option cannot be honoured (the CLI maps it to exit 2). */
export class ServerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ServerConfigError";
  }
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** Changes something in AWS: needs the bearer token. */
    mutating?: boolean;
  }
}

const CATALOG_TTL_MS = 60_000;

/** Builds the API and dashboard (not listening yet). */
export async function buildServer(options: ServerOptions): Promise<CwsServer> {
  if (options.catalog !== undefined) {
    try {
      parseCatalogSource(options.catalog);
    } catch (error) {
      throw new ServerConfigError(`--catalog ${options.catalog}: ${(error as Error).message}`);
    }
  }
  // A long-running server re-reads its catalog (a revocation must reach it) but not on every request.
  const catalogStore = options.catalog !== undefined ? new CatalogStore({ ttlMs: CATALOG_TTL_MS }) : undefined;
  // Resolutions through the catalog tier share the process-wide store: re-read it too, so a revoked version is
  // never served for longer than the TTL.
  defaultCatalogStore.expireAfter(CATALOG_TTL_MS);
  const openCatalog = async () => {
    if (!catalogStore || options.catalog === undefined)
      throw new ApiError(404, "no_catalog", "this server has no catalog: start cws serve with --catalog SRC");
    try {
      return await catalogStore.open(options.catalog);
    } catch (error) {
      if (error instanceof CatalogSourceError) throw new ApiError(502, "catalog_unavailable", error.message);
      throw error;
    }
  };
  if (options.token.length < 16)
    throw new ServerConfigError("CWS_API_TOKEN is too short: use at least 16 characters (e.g. openssl rand -hex 24)");
  const templates = new TemplateStore(options.templatesDirs);
  const jobs = new JobManager({ maxRunningPerClient: options.maxJobsPerClient ?? DEFAULT_MAX_JOBS_PER_CLIENT });
  const app = Fastify({
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    logger: false,
    // Idle keep-alive sockets close at once on shutdown; requests in flight finish first.
    forceCloseConnections: "idle",
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((error, _request, reply) => {
    const apiError = toApiError(error);
    if (apiError.statusCode === 500)
      process.stderr.write(`cws serve: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    void reply.code(apiError.statusCode).headers(apiError.headers).send(errorBody(apiError));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .send(
        errorBody(new ApiError(404, "not_found", `no such endpoint: ${request.method} ${request.url.split("?")[0]}`)),
      );
  });

  // While closing, answers to requests in flight end their keep-alive connection, so close() need not wait for
  // the keep-alive timeout.
  let closing = false;
  app.addHook("onSend", async (_request, reply) => {
    if (closing) void reply.header("connection", "close");
  });

  const expected = Buffer.from(options.token);
  app.addHook("onRequest", async (request, reply) => {
    if (options.loopbackOnly && !isLoopbackHost(request.headers.host)) {
      throw new ApiError(403, "host_not_allowed", `Host "${request.headers.host ?? ""}" is not a loopback name`);
    }
    if (request.routeOptions.config?.mutating) {
      const header = request.headers.authorization ?? "";
      // RFC 7235: the auth scheme is case-insensitive ("bearer" is "Bearer"); the token itself is compared exactly.
      const match = /^Bearer +(.+)$/i.exec(header);
      const given = Buffer.from(match?.[1] ?? "");
      if (!match || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        void reply.header("www-authenticate", 'Bearer realm="cws"');
        throw new ApiError(
          401,
          "unauthorized",
          match
            ? "the bearer token is not this server's token"
            : "this endpoint changes AWS resources: send Authorization: Bearer <token> (printed by cws serve, or CWS_API_TOKEN)",
        );
      }
    }
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: "CloudWorkstation API",
        description:
          "Resolve, list, capture, copy and share workstation AMIs; launch, list and destroy workstations (docs/server.md).",
        version: options.version ?? "0.0.0",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
    transform: jsonSchemaTransform,
  });

  const api = app.withTypeProvider<ZodTypeProvider>();
  const regionOf = (region: string | undefined, field = "region") => {
    const chosen = region ?? options.defaultRegion;
    if (!chosen)
      throw new ApiError(
        400,
        "region_required",
        `pass ?${field}= (the server has no default region: start it with --region or AWS_REGION)`,
      );
    return chosen;
  };
  const resolveOptions = (query: {
    arch?: ResolveOptions["architecture"];
    instanceType?: string;
    size?: ResolveOptions["size"];
    strategy?: ResolveOptions["strategy"];
    allowCopy?: "true" | "false";
  }): Omit<ResolveOptions, "region"> => {
    if (query.size !== undefined && query.instanceType !== undefined)
      throw new ApiError(400, "invalid_input", "give size or instanceType, not both");
    return {
      ...(query.arch ? { architecture: query.arch } : {}),
      ...(query.instanceType ? { instanceType: query.instanceType } : {}),
      ...(query.size ? { size: query.size } : {}),
      ...(query.strategy ? { strategy: query.strategy } : {}),
      ...(query.allowCopy === "true" ? { allowCrossRegionCopy: true } : {}),
    };
  };
  const bearer = [{ bearer: [] }];

  const routes: RouteContext = { api, options, templates, jobs, regionOf, resolveOptions, openCatalog, bearer };
  registerAmiRoutes(routes);
  registerJobRoutes(routes);
  registerTemplateRoutes(routes);
  registerCatalogRoutes(routes);
  registerWorkstationRoutes(routes);

  api.get(
    `${API}/server`,
    { schema: { summary: "What the dashboard needs to start: version, regions, features" } },
    async () => ({
      version: options.version ?? "0.0.0",
      defaultRegion: options.defaultRegion ?? null,
      dashboardRegions: options.dashboardRegions,
      catalog: options.catalog !== undefined,
      // What the dashboard's cost view needs to price snapshot storage (estimates from the bundled price snapshot).
      prices: {
        snapshotStorageUsdPerGbMonth: PRICE_SNAPSHOT.snapshotStorageUsdPerGbMonth,
        defaultSnapshotGb: DEFAULT_COPY_SNAPSHOT_GB,
        label: PRICE_SNAPSHOT.caveat,
      },
      maxJobsPerClient: options.maxJobsPerClient ?? DEFAULT_MAX_JOBS_PER_CLIENT,
    }),
  );

  api.get(`${API}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());

  registerDashboard(app);

  return {
    app,
    jobs,
    close: async () => {
      closing = true;
      await Promise.all([app.close(), jobs.shutdown()]);
    },
  };
}

const DASHBOARD_FILES: Record<string, string> = {
  "/": "index.html",
  "/dashboard.js": "dashboard.js",
  "/panels.js": "panels.js",
  "/workstations.js": "workstations.js",
  "/dashboard.css": "dashboard.css",
};
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** The dashboard's files, from src/server/public (found from src/ under tsx and from dist/ via the package root). */
export function dashboardDir(): string {
  const beside = path.join(__dirname, "public");
  if (fs.existsSync(beside)) return beside;
  return path.join(findPackageRoot(__dirname) ?? path.resolve(__dirname, "..", "..", ".."), "src", "server", "public");
}

/** A fixed list of files: nothing from the URL is used as a path. */
function registerDashboard(app: FastifyInstance): void {
  const dir = dashboardDir();
  for (const [url, file] of Object.entries(DASHBOARD_FILES)) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) => {
      const text = await fs.promises.readFile(path.join(dir, file), "utf8");
      return reply
        .type(CONTENT_TYPES[path.extname(file)])
        .header("content-security-policy", "default-src 'self'; img-src 'self' data:; style-src 'self'")
        .header("x-content-type-options", "nosniff")
        .send(text);
    });
  }
}

export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d+$/, "");
  return name === "localhost" || name === "::1" || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/** Loopback addresses to bind without a configured token. */
export function isLoopbackAddress(address: string): boolean {
  return address === "localhost" || address === "::1" || /^127\.\d+\.\d+\.\d+$/.test(address);
}

export type { FastifyRequest };
