import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import { DescribeInstancesCommand, type Instance } from "@aws-sdk/client-ec2";
import { createAwsClients, type AwsClients } from "../src/core/clients";
import { defaultImageCache } from "../src/core/image-cache";

/** The AMI landscape every emulator starts with (and returns to on reset): see harness/fixtures/amis.json. */
export const FIXTURE_AMIS_PATH = path.resolve(__dirname, "fixtures", "amis.json");
const LAUNCHER = path.resolve(__dirname, "moto_launcher.py");

export const TEST_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

export interface MotoServer {
  endpoint: string;
  port: number;
  pid: number;
  /** Fresh clients against this emulator (adaptive retry, few attempts so failures surface fast). */
  clients(): AwsClients;
  /** Environment for a child process (CLI, Pulumi) to reach this emulator with dummy credentials. */
  env(): Record<string, string>;
  /** Back to the fixture landscape: every resource made since start is gone. */
  reset(): Promise<void>;
  /**
   * IAM enforcement (moto's INITIAL_NO_AUTH_ACTION_COUNT): after `afterRequests` more requests, every request must be
   * signed by an IAM user's key and allowed by its policies. `Infinity` turns enforcement off again.
   */
  enforceIam(afterRequests: number): Promise<void>;
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** A moto AMI fixture (JSON list); defaults to the shared landscape. */
  amisPath?: string;
  python?: string;
  /** moto's INITIAL_NO_AUTH_ACTION_COUNT: requests served before IAM is enforced. Default: never enforced. */
  initialNoAuthActionCount?: number;
  /**
   * Load AWS's managed IAM policies (arn:aws:iam::aws:policy/…), as AWS has them: needed to attach
   * AmazonSSMManagedInstanceCore to a workstation's role. Off by default: loading them slows the first IAM call.
   */
  awsManagedPolicies?: boolean;
}

/** Starts moto on a free loopback port and waits until it answers. Stop it with `stop()` (by PID). */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const python = options.python ?? process.env.CWS_PYTHON ?? "python3";
  const child = spawn(python, [LAUNCHER, "--host", "127.0.0.1", "--port", "0"], {
    env: {
      ...process.env,
      MOTO_AMIS_PATH: options.amisPath ?? FIXTURE_AMIS_PATH,
      ...(options.initialNoAuthActionCount === undefined
        ? {}
        : { INITIAL_NO_AUTH_ACTION_COUNT: String(options.initialNoAuthActionCount) }),
      ...(options.awsManagedPolicies ? { MOTO_IAM_LOAD_MANAGED_POLICIES: "true" } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const port = await readPort(child);
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilAnswering(endpoint, child);
  const pid = child.pid as number;
  return {
    endpoint,
    port,
    pid,
    clients: () => createAwsClients({ endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 2 }),
    env: () => ({
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_REGION: "us-east-1",
      AWS_EC2_METADATA_DISABLED: "true",
    }),
    reset: async () => {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
      // The process-wide lookups (used by in-process providers under mocks) must forget the landscape too: an
      // answer cached before the reset ("no such parameter") would otherwise outlive it for the cache's TTL.
      defaultImageCache.clear();
    },
    enforceIam: async (afterRequests) => {
      const body = Number.isFinite(afterRequests) ? String(afterRequests) : "inf";
      const response = await fetch(`${endpoint}/moto-api/reset-auth`, { method: "POST", body });
      if (!response.ok) throw new Error(`moto reset-auth failed: HTTP ${response.status}`);
    },
    stop: () => stopProcess(child),
  };
}

function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr?.on("data", (chunk) => (stderr += String(chunk)));
    const lines = readline.createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`moto did not start within 30 s. stderr:\n${stderr}`));
    }, 30_000);
    lines.on("line", (line) => {
      const match = /^port=(\d+)$/.exec(line.trim());
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `moto exited with code ${code} before it answered. Is moto installed? ` +
            `(python3 -m pip install 'moto[server]')\n${stderr}`,
        ),
      );
    });
  });
}

async function waitUntilAnswering(endpoint: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopProcess(child);
      throw new Error(`moto on ${endpoint} did not answer within 30 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(killer);
      resolve();
    });
    process.kill(child.pid as number, "SIGTERM");
  });
}

/** The instances in `region` that are not terminated: what a launch made and a destroy removes. */
export async function liveInstances(moto: MotoServer, region: string): Promise<Instance[]> {
  const { Reservations = [] } = await moto.clients().ec2(region).send(new DescribeInstancesCommand({}));
  return Reservations.flatMap((reservation) => reservation.Instances ?? []).filter(
    (instance) => instance.State?.Name !== "terminated",
  );
}
