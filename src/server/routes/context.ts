import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { ResolveOptions } from "../../resolver/types";
import type { AwsClients } from "../../core/clients";
import type { CatalogStore } from "../../catalog/store";
import type { JobManager } from "../jobs";
import type { TemplateStore } from "../templates";

/** What every route group needs from buildServer: the typed app, the options and the per-server stores. */

export const API = "/api/v1";

export type ZodApi = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface ServerOptions {
  clients: AwsClients;
  /** Searched before the bundled templates; requests can never name a file outside these. */
  templatesDirs: string[];
  /** Bearer token every mutating request must carry. */
  token: string;
  /** Region used when a request gives none (the CLI's --region / AWS_REGION). */
  defaultRegion?: string;
  /** The regions the dashboard's matrix shows first. */
  dashboardRegions: string[];
  bodyLimitBytes?: number;
  maxJobsPerClient?: number;
  /**
   * Bound to loopback: only Host headers naming loopback are served, so a web page cannot reach the API through
   * DNS rebinding.
   */
  loopbackOnly?: boolean;
  /**
   * Where the workstations' stacks live, found as the CLI finds them: `backend` (`cws serve --backend`), else
   * PULUMI_BACKEND_URL in `env`, else the local default under `env`'s config directory. Default: this process's env.
   */
  workstations?: { env: NodeJS.ProcessEnv; backend?: string };
  /** A catalog source (`--catalog`): a directory or git+…[#ref], re-read at most once a minute. */
  catalog?: string;
  version?: string;
}

export interface RouteContext {
  api: ZodApi;
  options: ServerOptions;
  templates: TemplateStore;
  jobs: JobManager;
  /** The request's region, or the server's default; 400 when neither is given. */
  regionOf: (region: string | undefined, field?: string) => string;
  resolveOptions: (query: {
    arch?: ResolveOptions["architecture"];
    instanceType?: string;
    size?: ResolveOptions["size"];
    strategy?: ResolveOptions["strategy"];
    allowCopy?: "true" | "false";
  }) => Omit<ResolveOptions, "region">;
  /** The server's catalog (404 without --catalog, 502 when it cannot be read). */
  openCatalog: () => ReturnType<CatalogStore["open"]>;
  /** The OpenAPI security requirement of a mutating route. */
  bearer: { bearer: never[] }[];
}
