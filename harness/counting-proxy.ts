import * as http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A proxy on loopback in front of moto that counts requests per region (read from the SigV4 credential scope, so
 * every service counts) and can add latency to each, as a far AWS endpoint would. For call-count bounds in tests and
 * the fleet benchmark; the fault proxy (fault-proxy.ts) is the one that injects failures.
 */
export interface CountingProxy {
  endpoint: string;
  /** Milliseconds added to every request from now on (0: none). */
  setLatency(ms: number): void;
  /** Requests per region since the last take, and their total. */
  take(): { perRegion: Record<string, number>; total: number };
  stop(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const counts = new Map<string, number>();
  let latencyMs = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      void (async () => {
        const scope = /Credential=[^/]+\/\d+\/([^/]+)\//.exec(String(request.headers.authorization ?? ""));
        const region = scope?.[1] ?? "?";
        counts.set(region, (counts.get(region) ?? 0) + 1);
        if (latencyMs) await new Promise((resolve) => setTimeout(resolve, latencyMs));
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries(request.headers))
          if (typeof value === "string" && !["host", "connection", "content-length"].includes(key))
            headers[key] = value;
        const upstream = await fetch(`${target}${request.url ?? "/"}`, {
          method: request.method,
          headers,
          body: request.method === "GET" ? undefined : Buffer.concat(chunks),
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
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setLatency: (ms: number) => (latencyMs = ms),
    take(): { perRegion: Record<string, number>; total: number } {
      const perRegion = Object.fromEntries([...counts].sort());
      counts.clear();
      return { perRegion, total: Object.values(perRegion).reduce((a, b) => a + b, 0) };
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
