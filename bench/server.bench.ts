/**
 * `cws serve` benchmark, against moto's seeded demo landscape in 6 regions. Prints, from one run:
 * - requests per second for GET /api/v1/ami/resolve/{template} with a warm cache (this machine; absolute figures
 *   depend on it), at a fixed number of concurrent keep-alive clients;
 * - the matrix (every template × 6 regions, as the dashboard loads it): AWS calls made, counted at a proxy in
 *   front of moto, by the server cold and warm, and by the CLI doing the same (`cws ami test T --regions … --json`
 *   once per template, as a shell loop would); and the wall-time ratio CLI / server measured in this run.
 * Run: npm run build && tsx bench/server.bench.ts (the CLI side runs dist/src/cli/main.js when built).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { createAwsClients } from "../src/core/clients";
import { buildServer } from "../src/server/app";
import { startFaultProxy } from "../harness/fault-proxy";
import { startMoto, TEST_CREDENTIALS } from "../harness/moto";
import { seedDemoLandscape } from "../harness/seed";

const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-south-1"];
const MATRIX_TEMPLATES = 12;
const TOKEN = "bench-token-0123456789abcdef";
const ROOT = path.resolve(__dirname, "..");
const RPS_REQUESTS = 2000;
const RPS_CONCURRENCY = 16;

/** The lab's own templates over the seeded images, added to the shipped ones to make up the matrix. */
const LAB_TEMPLATES: Record<string, string> = {
  "lab-python-ml":
    'name: lab-python-ml\nbase: ubuntu-24.04\nami_config:\n  ami_search: { owners: [self], name_pattern: "cws-python-ml-*" }\n  allow_cross_region_copy: true\n',
  "lab-r-research":
    'name: lab-r-research\nbase: ubuntu-24.04\nami_config:\n  ami_search: { owners: [self], name_pattern: "cws-r-research-*" }\n',
  "lab-gpu-required":
    'name: lab-gpu-required\nbase: ubuntu-24.04\nami_config:\n  strategy: ami_required\n  ami_search: { owners: [self], name_pattern: "cws-python-ml-*" }\n',
};

function cliCommand(): string[] {
  const compiled = path.join(ROOT, "dist", "src", "cli", "main.js");
  if (fs.existsSync(compiled)) return [compiled];
  process.stderr.write("bench: dist/ not built; running the CLI through tsx (slower start: run npm run build)\n");
  return ["--import", "tsx", path.join(ROOT, "src", "cli", "main.ts")];
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliCommand(), ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += String(c)));
    child.stderr.on("data", (c) => (err += String(c)));
    child.on("exit", (code) =>
      code === null || code > 3 ? reject(new Error(`cws ${args.join(" ")}: ${err}`)) : resolve(out),
    );
  });
}

async function main(): Promise<void> {
  const moto = await startMoto();
  const proxy = await startFaultProxy(moto.endpoint);
  const templatesDir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-bench-templates-"));
  try {
    await seedDemoLandscape(moto.clients(), REGIONS);
    for (const [name, text] of Object.entries(LAB_TEMPLATES))
      fs.writeFileSync(path.join(templatesDir, `${name}.yml`), text);
    const clients = createAwsClients({ endpoint: proxy.endpoint, credentials: TEST_CREDENTIALS });
    const server = await buildServer({
      clients,
      templatesDirs: [templatesDir],
      token: TOKEN,
      defaultRegion: REGIONS[0],
      dashboardRegions: REGIONS,
      loopbackOnly: true,
    });
    const base = await server.app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const listed = (await (await fetch(`${base}/api/v1/templates`)).json()) as { name: string }[];
      // Lab templates first (they exercise the image tiers), then shipped ones, up to 12.
      const names = [
        ...listed.filter((t) => t.name in LAB_TEMPLATES),
        ...listed.filter((t) => !(t.name in LAB_TEMPLATES)),
      ]
        .slice(0, MATRIX_TEMPLATES)
        .map((t) => t.name);
      const query = `regions=${REGIONS.join(",")}`;
      const matrix = () =>
        Promise.all(names.map(async (n) => (await fetch(`${base}/api/v1/ami/test/${n}?${query}`)).json()));

      proxy.clear();
      let started = performance.now();
      await matrix();
      const serverColdMs = performance.now() - started;
      const serverColdCalls = proxy.actions.length;
      proxy.clear();
      started = performance.now();
      await matrix();
      const serverWarmMs = performance.now() - started;
      const serverWarmCalls = proxy.actions.length;

      const env = {
        ...process.env,
        ...moto.env(),
        AWS_ENDPOINT_URL: proxy.endpoint,
        NO_COLOR: "1",
      };
      proxy.clear();
      started = performance.now();
      for (const name of names)
        await runCli(
          ["--templates-dir", templatesDir, "--json", "ami", "test", name, "--regions", REGIONS.join(",")],
          env,
        );
      const cliMs = performance.now() - started;
      const cliCalls = proxy.actions.length;

      // Requests per second, warm: the resolution of one template in one region, answered from the cache.
      const url = `${base}/api/v1/ami/resolve/${names[0]}?region=${REGIONS[0]}`;
      await fetch(url).then((r) => r.arrayBuffer());
      proxy.clear();
      let sent = 0;
      started = performance.now();
      await Promise.all(
        Array.from({ length: RPS_CONCURRENCY }, async () => {
          while (sent < RPS_REQUESTS) {
            sent++;
            const response = await fetch(url);
            await response.arrayBuffer();
            if (response.status >= 500) throw new Error(`HTTP ${response.status}`);
          }
        }),
      );
      const rpsMs = performance.now() - started;
      const rpsCalls = proxy.actions.length;

      const cells = names.length * REGIONS.length;
      const lines = [
        `cws serve benchmark (moto, demo landscape; one run; absolute times are this machine's:` +
          ` ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)} at the end)`,
        ``,
        `GET /api/v1/ami/resolve/${names[0]}?region=${REGIONS[0]} warm: ${RPS_REQUESTS} requests, ${RPS_CONCURRENCY} concurrent clients`,
        `  ${Math.round(RPS_REQUESTS / (rpsMs / 1000))} requests/s; AWS calls during the run: ${rpsCalls}`,
        ``,
        `Matrix: ${names.length} templates × ${REGIONS.length} regions = ${cells} resolutions (${names.join(", ")})`,
        `  AWS calls   server cold: ${serverColdCalls}   server warm: ${serverWarmCalls}   CLI (${names.length} processes): ${cliCalls}`,
        `  wall time   CLI / server cold = ${(cliMs / serverColdMs).toFixed(1)}×   CLI / server warm = ${(cliMs / serverWarmMs).toFixed(1)}×`,
        `  calls       CLI / server cold = ${(cliCalls / Math.max(1, serverColdCalls)).toFixed(2)}×`,
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    } finally {
      await server.close();
    }
  } finally {
    await proxy.stop();
    await moto.stop();
    fs.rmSync(templatesDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
