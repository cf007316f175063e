import { execFileSync } from "node:child_process";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { runCli } from "../../src/cli/cli";
import { createAwsClients, type AwsClients } from "../../src/core/clients";
import { buildServer, type CwsServer, type ServerOptions } from "../../src/server/app";
import { TEST_CREDENTIALS } from "../../harness/moto";

export const TOKEN = "test-token-0123456789abcdef";

/** A server on a free loopback port, reached through real HTTP. */
export async function listen(
  options: Partial<ServerOptions> & { clients: AwsClients },
): Promise<CwsServer & { url: string }> {
  const server = await buildServer({
    templatesDirs: [],
    token: TOKEN,
    defaultRegion: "us-east-1",
    dashboardRegions: ["us-east-1", "us-west-2"],
    loopbackOnly: true,
    ...options,
  });
  const address = await server.app.listen({ host: "127.0.0.1", port: 0 });
  return Object.assign(server, { url: address });
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

/** fetch with JSON in and out; `token: true` sends the right bearer token. */
export async function call(
  base: string,
  method: string,
  url: string,
  options: { body?: unknown; token?: string | true; headers?: Record<string, string>; raw?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token === true ? TOKEN : options.token}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.body);
  } else if (options.raw !== undefined) headers["content-type"] ??= "application/json";
  const response = await fetch(`${base}${url}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** Polls a job until it is no longer running. */
export async function waitForJob(base: string, id: string, timeoutMs = 30_000): Promise<Reply> {
  const started = Date.now();
  for (;;) {
    const reply = await call(base, "GET", `/api/v1/jobs/${id}`);
    if (reply.body?.status !== "running") return reply;
    if (Date.now() - started > timeoutMs) throw new Error(`job ${id} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What `cws <argv> --json` prints, in-process, against the same clients. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function cliJson(argv: string[], clients: AwsClients, templatesDirs: string[] = []): Promise<any> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c) => (out += String(c)));
  stderr.on("data", (c) => (err += String(c)));
  const dirs = templatesDirs.flatMap((d) => ["--templates-dir", d]);
  await runCli([...dirs, "--json", ...argv], {
    stdout,
    stderr,
    env: { AWS_REGION: "us-east-1" },
    stdoutIsTTY: false,
    stderrIsTTY: false,
    clients,
  });
  try {
    return JSON.parse(out);
  } catch {
    throw new Error(`cws ${argv.join(" ")} printed no JSON; stderr: ${err}`);
  }
}

/**
 * A loopback proxy in front of moto that holds chosen EC2 actions for a while before forwarding them, so a test can
 * act (shut down, start a second job) while a job is inside that call. Records every action it saw.
 */
export interface DelayProxy {
  endpoint: string;
  actions: string[];
  /** Resolves once a request of this action has arrived (it is then being held). */
  seen(action: string): Promise<void>;
  clients(): AwsClients;
  stop(): Promise<void>;
}

export async function startDelayProxy(target: string, delays: Record<string, number>): Promise<DelayProxy> {
  const actions: string[] = [];
  const waiters: { action: string; resolve: () => void }[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const action = new URLSearchParams(body.toString("utf8")).get("Action") ?? "";
        actions.push(action);
        for (const w of waiters.filter((w) => w.action === action)) w.resolve();
        if (delays[action]) await new Promise((r) => setTimeout(r, delays[action]));
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries(request.headers))
          if (typeof value === "string" && !["host", "connection", "content-length"].includes(key))
            headers[key] = value;
        const upstream = await fetch(`${target}${request.url ?? "/"}`, {
          method: request.method,
          headers,
          body: request.method === "GET" ? undefined : body,
        });
        response.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "text/xml" });
        response.end(Buffer.from(await upstream.arrayBuffer()));
      })().catch((error: unknown) => {
        response.writeHead(502);
        response.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    actions,
    seen: (action) =>
      actions.includes(action) ? Promise.resolve() : new Promise((resolve) => waiters.push({ action, resolve })),
    clients: () => createAwsClients({ endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 }),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Debian's chromium (scripts/install-chromium.sh), or CWS_CHROMIUM. */
export function chromiumPath(): string {
  if (process.env.CWS_CHROMIUM) return process.env.CWS_CHROMIUM;
  try {
    return execFileSync("which", ["chromium"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("no chromium on PATH: run scripts/install-chromium.sh (or set CWS_CHROMIUM=/path/to/chromium)");
  }
}
