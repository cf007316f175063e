import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { createAwsClients, type AwsClients } from "../src/core/clients";
import { startMoto, TEST_CREDENTIALS, type MotoServer } from "./moto";

/**
 * A fault-injecting HTTP proxy on loopback in front of moto. It forwards every request, except that it fails the
 * Nth request of a given Action (EC2/IAM query actions, or the operation of a JSON-protocol service such as SSM's
 * `AmazonSSM.GetParameters`) with an error in that protocol's shape — either instead of forwarding it ("before":
 * AWS never saw it) or after forwarding it ("after": AWS did it, the caller only lost the response). moto keeps the
 * real state, so tests can check what the engine left behind.
 */
export interface FaultRule {
  /** The API action, e.g. "DescribeImages" or "GetParameters"; "*" matches every action. */
  action: string;
  /** 1-based: fail the Nth request of this action (counted from when the rule was added). */
  nth?: number;
  /** Fail every request of this action from the Nth on. */
  always?: boolean;
  /** Fail each matching request with this probability instead (drawn from the proxy's seeded `random`). */
  probability?: number;
  when?: "before" | "after";
  code?: string;
  /** HTTP status of the error answer; default 400 (503 for codes such as ServiceUnavailable is up to the test). */
  status?: number;
  /** Answer with this raw body instead of a well-formed error (garbage, truncated XML…). */
  body?: string;
}

export interface FaultProxyOptions {
  /** Random source for `probability` rules; pass a seeded one so a failing run can be replayed. */
  random?: () => number;
}

export interface FaultProxy {
  endpoint: string;
  clients(): AwsClients;
  /** Actions seen, in order. */
  actions: string[];
  /** Every request's form parameters, in order (e.g. to check CreateImage's NoReboot). */
  requests: Record<string, string>[];
  fail(rule: FaultRule): void;
  clear(): void;
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "keep-alive",
  "expect",
  "upgrade",
]);

export async function startFaultProxy(target: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const random = options.random ?? Math.random;
  let rules: (FaultRule & { seen: number })[] = [];
  const actions: string[] = [];
  const requests: Record<string, string>[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const amzTarget = request.headers["x-amz-target"];
        const json = typeof amzTarget === "string";
        const params = json ? new URLSearchParams() : new URLSearchParams(body.toString("utf8"));
        const action = json ? (amzTarget.split(".").pop() ?? "") : (params.get("Action") ?? "");
        actions.push(action);
        requests.push(
          json
            ? { Action: action, ...(JSON.parse(body.toString("utf8") || "{}") as object) }
            : Object.fromEntries(params),
        );
        let fault: FaultRule | undefined;
        for (const rule of rules) {
          if (rule.action !== action && rule.action !== "*") continue;
          rule.seen += 1;
          const nth = rule.nth ?? 1;
          if (rule.probability !== undefined) {
            if (random() < rule.probability) fault = rule;
          } else if (rule.seen === nth || (rule.always && rule.seen >= nth)) fault = rule;
        }
        if (fault && (fault.when ?? "before") === "before") return sendFault(response, fault, action, json);
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries(request.headers)) {
          if (typeof value === "string" && !HOP_BY_HOP.has(key)) headers[key] = value;
        }
        const upstream = await fetch(`${target}${request.url ?? "/"}`, {
          method: request.method,
          headers,
          body: request.method === "GET" ? undefined : body,
        });
        const text = Buffer.from(await upstream.arrayBuffer());
        if (fault) return sendFault(response, fault, action, json);
        response.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "text/xml" });
        response.end(text);
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
    requests,
    clients: () => createAwsClients({ endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 }),
    fail: (rule) => rules.push({ ...rule, seen: 0 }),
    clear: () => {
      rules = [];
      actions.length = 0;
      requests.length = 0;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function sendFault(response: http.ServerResponse, rule: FaultRule, action: string, json: boolean): void {
  const code = rule.code ?? "InjectedFault";
  const message = `injected failure of ${action} (${rule.when ?? "before"})`;
  const status = rule.status ?? 400;
  if (rule.body !== undefined) {
    response.writeHead(status, { "content-type": json ? "application/x-amz-json-1.1" : "text/xml" });
    response.end(rule.body);
  } else if (json) {
    response.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": code });
    response.end(JSON.stringify({ __type: code, message }));
  } else {
    response.writeHead(status, { "content-type": "text/xml" });
    response.end(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code>` +
        `<Message>${message}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>`,
    );
  }
}

/** moto with a fault proxy in front of it, for the enclosing `describe`. Fields are set once its `before` has run. */
export interface MotoBehindFaultProxy {
  moto: MotoServer;
  proxy: FaultProxy;
}

/** Starts moto and a fault proxy before the enclosing describe's tests, stops both after; optionally resets both before each test. */
export function useMotoBehindFaultProxy(
  options: { resetEachTest?: boolean } & FaultProxyOptions = {},
): MotoBehindFaultProxy {
  const emulator = {} as MotoBehindFaultProxy;
  before(async () => {
    emulator.moto = await startMoto();
    emulator.proxy = await startFaultProxy(emulator.moto.endpoint, options);
  });
  after(async () => {
    await emulator.proxy?.stop();
    await emulator.moto?.stop();
  });
  if (options.resetEachTest) {
    beforeEach(async () => {
      await emulator.moto.reset();
      emulator.proxy.clear();
    });
  }
  return emulator;
}
