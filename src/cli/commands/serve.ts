import { randomBytes } from "node:crypto";
import { regionFallbacks } from "../../resolver/regions-fallback";
import {
  buildServer,
  DEFAULT_MAX_JOBS_PER_CLIENT,
  isLoopbackAddress,
  ServerConfigError,
  type CwsServer,
} from "../../server/app";
import { parseCommandArgs, parseRegionList, UsageError } from "../args";
import { packageVersion } from "../package-version";
import { EXIT, type CliCommand } from "../command";
import { formatTable } from "../format";

const OPTIONS = {
  host: { type: "string" },
  port: { type: "string" },
  catalog: { type: "string" },
  regions: { type: "string" },
  "max-jobs-per-client": { type: "string" },
  backend: { type: "string" },
} as const;

/** Resolves when the process gets SIGINT or SIGTERM (the listeners are removed again). Replaceable in tests. */
export function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.removeListener("SIGINT", on);
      process.removeListener("SIGTERM", on);
      resolve(signal);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

export const serveCommand: CliCommand = {
  path: ["serve"],
  summary: "Serve the AMI REST API and the web dashboard (loopback by default)",
  usage:
    "cws serve [--host 127.0.0.1] [--port 8080] [--templates-dir DIR]… [--regions a,b] [--max-jobs-per-client N] [--catalog SRC] [--backend URL]",
  help: [
    "Options:",
    formatTable(
      [
        ["--host H", "address to bind (default 127.0.0.1); any non-loopback address needs CWS_API_TOKEN"],
        ["--port P", "port (default 8080; 0 picks a free one)"],
        ["--regions a,b", "regions the dashboard's matrix shows (default: the default region and its fallbacks)"],
        ["--max-jobs-per-client N", `long jobs running at once per client (default ${DEFAULT_MAX_JOBS_PER_CLIENT})`],
        [
          "--catalog SRC",
          "a lab catalog (directory or git+…[#ref]) for GET /api/v1/catalog and the dashboard; re-read every minute",
        ],
        [
          "--backend URL",
          "where the workstations' stacks live, as for cws launch (default: PULUMI_BACKEND_URL, else local)",
        ],
      ],
      "  ",
    ),
    "",
    "Mutating endpoints (create, copy-region, share, launching or destroying a workstation, cancelling a job) need",
    "Authorization: Bearer <token>: the token is CWS_API_TOKEN, else one generated now and printed once. Prints",
    "`listening on http://HOST:PORT` when ready;",
    "SIGINT/SIGTERM let requests in flight finish and cancel running jobs, which undo their work before exit.",
    "API, security model and jobs: docs/server.md.",
  ].join("\n"),
  async run(argv, context) {
    const { values } = parseCommandArgs(argv, OPTIONS, { min: 0, max: 0, names: "" });
    const host = values.host ?? "127.0.0.1";
    const port = values.port === undefined ? 8080 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port ${values.port} is not a port number (0-65535)`);
    const maxJobs = values["max-jobs-per-client"] === undefined ? undefined : Number(values["max-jobs-per-client"]);
    if (maxJobs !== undefined && !(Number.isInteger(maxJobs) && maxJobs >= 1))
      throw new UsageError(
        `--max-jobs-per-client ${values["max-jobs-per-client"]} must be a whole number of at least 1`,
      );
    const loopback = isLoopbackAddress(host);
    const configuredToken = context.env.CWS_API_TOKEN || undefined;
    if (!loopback && !configuredToken) {
      context.stderr.write(
        `cws serve: refusing to listen on ${host} without CWS_API_TOKEN: anyone who can reach it could read your ` +
          "images; set CWS_API_TOKEN to a long random secret (e.g. openssl rand -hex 24), or bind 127.0.0.1\n",
      );
      return EXIT.invalidInput;
    }
    const anchor = context.defaultRegion ?? "us-east-1";
    const dashboardRegions = values.regions ? parseRegionList(values.regions) : [anchor, ...regionFallbacks(anchor)];
    const token = configuredToken ?? randomBytes(24).toString("base64url");

    let server: CwsServer;
    try {
      server = await buildServer({
        clients: context.clients,
        templatesDirs: context.templatesDirs,
        token,
        defaultRegion: context.defaultRegion,
        dashboardRegions,
        maxJobsPerClient: maxJobs,
        loopbackOnly: loopback,
        catalog: values.catalog,
        workstations: { env: context.env, backend: values.backend },
        version: packageVersion(),
      });
    } catch (error) {
      if (error instanceof ServerConfigError) {
        context.stderr.write(`cws serve: ${error.message}\n`);
        return EXIT.invalidInput;
      }
      throw error;
    }
    const signal = waitForSignal();
    const address = await server.app.listen({ host, port });
    if (!configuredToken)
      context.stdout.write(`API token (send as Authorization: Bearer <token>; shown once): ${token}\n`);
    const url = new URL(address);
    context.stdout.write(`listening on http://${host.includes(":") ? `[${host}]` : host}:${url.port}\n`);
    const received = await signal;
    const running = server.jobs.list().filter((j) => j.status === "running").length;
    context.stderr.write(
      `cws serve: ${received}: finishing requests in flight${running ? `, cancelling ${running} job(s) and undoing their work` : ""}…\n`,
    );
    await server.close();
    for (const job of server.jobs.list().filter((j) => j.status === "cancelled"))
      context.stderr.write(`cws serve: job ${job.id} (${job.description}) cancelled: ${job.error?.message ?? ""}\n`);
    context.stderr.write("cws serve: stopped\n");
    return EXIT.ok;
  },
};
