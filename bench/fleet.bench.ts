/**
 * Fleet-scale preview under the REAL Pulumi engine (the CLI `npm run setup` builds, a local backend, moto behind a
 * counting proxy): a program of N AmiResolutions in the lab-fleet shape (6 templates × 4 regions = 24 distinct
 * questions) previewed first, re-previewed unchanged, and re-previewed after newer images appear. Prints AWS calls per
 * region, changes, wall-time RATIOS measured in this run (at +LATENCY ms per call), and state bytes per resource; then
 * then a 20-workstation fleet's `pulumi up` and `pulumi destroy` (bench/workstation-fleet.ts), the cross-region
 * tier's cost, `cws --help` against `node -e 0`, and template re-read CPU. Needs `npm run build`.
 *
 * Usage: tsx bench/fleet.bench.ts [sizes, default "20,200"] (CWS_BENCH_LATENCY_MS, default 100).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { startCountingProxy } from "../harness/counting-proxy";
import { findPulumiCli, PulumiSandbox, REPO_ROOT, type CommandResult, type PulumiProject } from "../harness/pulumi-cli";
import { startMoto, TEST_CREDENTIALS } from "../harness/moto";
import { seedDemoLandscape } from "../harness/seed";
import { createAwsClients } from "../src/core/clients";
import { resolveAmi } from "../src/resolver/engine";
import { ImageCache } from "../src/core/image-cache";
import { loadTemplate, loadTemplateFromObject } from "../src/templates";
import { FLEET_REGIONS, FLEET_TEMPLATES, publishNewerLabBuilds, seedFleetLab } from "../harness/fleet-shape";
import { printWorkstationFleet, workstationFleetRun } from "./workstation-fleet";

const REGIONS = FLEET_REGIONS;
const TEMPLATES = FLEET_TEMPLATES;
const LATENCY_MS = Number(process.env.CWS_BENCH_LATENCY_MS ?? 100);

function fleetProgram(size: number): string {
  const entries = Array.from({ length: size }, (_, i) => ({
    name: `ws-${String(i).padStart(3, "0")}`,
    template: TEMPLATES[i % TEMPLATES.length],
    region: REGIONS[Math.floor(i / TEMPLATES.length) % REGIONS.length],
  }));
  return `const { AmiResolution } = require(${JSON.stringify(path.join(REPO_ROOT, "dist", "src", "dynamic", "ami-resolution.js"))});
const fleet = ${JSON.stringify(entries)};
for (const entry of fleet) new AmiResolution(entry.name, {
  ...(typeof entry.template === "string" ? { template: entry.template } : { templateObject: entry.template }),
  region: entry.region,
});
`;
}

function changesOf(result: CommandResult): string {
  const summary = /Resources:\s*\n([\s\S]*?)(?:\n\n|Duration|$)/.exec(result.stdout)?.[1] ?? "";
  const changed = summary
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /to (create|update|replace|delete)/.test(line));
  return changed.length ? changed.join(", ") : "0 changes";
}

async function timed(project: PulumiProject, args: string[]): Promise<{ result: CommandResult; ms: number }> {
  const start = performance.now();
  const result = await project.run(args, { timeoutMs: 1_800_000 });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`${result.command} failed:\n${result.output.slice(-4000)}`);
  return { result, ms };
}

async function fleetRun(size: number) {
  const cli = findPulumiCli();
  if (!cli) throw new Error("the Pulumi CLI is not built: run npm run setup");
  const moto = await startMoto();
  const proxy = await startCountingProxy(moto.endpoint);
  const sandbox = PulumiSandbox.create(
    cli,
    { ...moto.env(), AWS_ENDPOINT_URL: proxy.endpoint, AWS_MAX_ATTEMPTS: "1" },
    "cws-bench-",
  );
  try {
    const clients = moto.clients();
    await seedDemoLandscape(clients, REGIONS);
    await seedFleetLab(clients, REGIONS);
    const project = sandbox.project(`fleet${size}`, { program: fleetProgram(size) });
    const init = await project.run(["stack", "init", "bench"]);
    if (init.status !== 0) throw new Error(init.output);
    proxy.take();
    proxy.setLatency(LATENCY_MS);
    const first = await timed(project, ["preview"]);
    const firstCalls = proxy.take();
    proxy.setLatency(0);
    await timed(project, ["up", "--yes", "--skip-preview"]);
    proxy.take();
    proxy.setLatency(LATENCY_MS);
    const again = await timed(project, ["preview"]);
    const againCalls = proxy.take();
    proxy.setLatency(0);
    // Newer images: the lab publishes newer builds of its own images (one found by an owner-scoped search, one named
    // by its own parameter) in two regions (moto cannot publish as Canonical, so the public parameters stay).
    await publishNewerLabBuilds(clients);
    proxy.take();
    proxy.setLatency(LATENCY_MS);
    const newer = await timed(project, ["preview"]);
    const newerCalls = proxy.take();
    proxy.setLatency(0);
    const exported = await project.run(["stack", "export"]);
    type Stored = { type: string; inputs: unknown; outputs: unknown };
    const deployment = JSON.parse(exported.stdout) as { deployment: { resources: Stored[] } };
    const resolutions = deployment.deployment.resources.filter((r) => r.type.endsWith(":AmiResolution"));
    const average = (bytes: (r: Stored) => number) =>
      resolutions.reduce((sum, r) => sum + bytes(r), 0) / resolutions.length;
    const stateBytes = average((r) => JSON.stringify(r).length);
    const ownBytes = average((r) => JSON.stringify({ inputs: r.inputs, outputs: r.outputs }).length);
    return {
      size,
      phases: [
        { phase: "first preview", calls: firstCalls, changes: changesOf(first.result), ms: first.ms },
        { phase: "re-preview (unchanged)", calls: againCalls, changes: changesOf(again.result), ms: again.ms },
        {
          phase: "re-preview (newer images)",
          calls: newerCalls,
          changes: `${changesOf(newer.result)}, ${(newer.result.output.match(/newer image available/g) ?? []).length} "newer image available" lines`,
          ms: newer.ms,
        },
      ],
      stateBytes,
      ownBytes,
    };
  } finally {
    sandbox.dispose();
    await proxy.stop();
    await moto.stop();
  }
}

/**
 * The cross-region tier: a lab image that exists only in us-east-1, resolved there (found at home) and in us-west-1
 * (whose neighbours are us-west-2, then us-east-1, then us-east-2), at +LATENCY ms per call.
 */
async function crossRegionRatio(): Promise<{ ratio: number; needs: number; home: number }> {
  const moto = await startMoto();
  const proxy = await startCountingProxy(moto.endpoint);
  try {
    await seedDemoLandscape(moto.clients(), REGIONS);
    const clients = createAwsClients({ endpoint: proxy.endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    const template = loadTemplateFromObject({
      name: "lab-only",
      base: "ubuntu-24.04",
      ami_config: {
        strategy: "ami_required",
        ami_search: { owners: ["self"], name_pattern: "cws-python-ml-*" },
        fallback_strategy: "cross_region",
      },
    }).template;
    proxy.setLatency(LATENCY_MS);
    const run = async (region: string) => {
      const start = performance.now();
      const result = await resolveAmi(template, { region, allowCrossRegionCopy: true }, clients, {
        cache: new ImageCache(),
      });
      if (result.method !== (region === REGIONS[0] ? "dynamic_search" : "cross_region"))
        throw new Error(`the cross-region case resolved by ${result.method} in ${region}`);
      return performance.now() - start;
    };
    const home = await run(REGIONS[0]);
    const needs = await run("us-west-1");
    return { ratio: needs / home, needs, home };
  } finally {
    await proxy.stop();
    await moto.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function startupRatio(): { ratio: number; cws: number; node: number } {
  const cws = path.join(REPO_ROOT, "dist", "src", "cli", "main.js");
  const time = (args: string[]) => {
    const start = performance.now();
    spawnSync(process.execPath, args, { stdio: "ignore", env: { ...process.env, NODE_OPTIONS: "" } });
    return performance.now() - start;
  };
  const node = median(Array.from({ length: 7 }, () => time(["-e", "0"])));
  const help = median(Array.from({ length: 7 }, () => time([cws, "--help"])));
  return { ratio: help / node, cws: help, node };
}

function templateRereadCpu(): { first: number; repeated: number } {
  const cpu = () => process.cpuUsage().user / 1000;
  const start = cpu();
  loadTemplate("data-science");
  const first = cpu() - start;
  const again = cpu();
  for (let i = 0; i < 200; i++) loadTemplate("data-science");
  return { first, repeated: cpu() - again };
}

async function main(): Promise<void> {
  const sizes = (process.argv[2] ?? "20,200").split(",").map(Number);
  console.log(
    `fleet bench: ${TEMPLATES.length} templates × ${REGIONS.length} regions, +${LATENCY_MS} ms per call in previews`,
  );
  for (const size of sizes) {
    const run = await fleetRun(size);
    console.log(`\n${size} AmiResolutions under the real engine:`);
    for (const phase of run.phases) {
      console.log(
        `  ${phase.phase.padEnd(27)} ${String(phase.calls.total).padStart(4)} calls ${JSON.stringify(phase.calls.perRegion)}  ${phase.changes}`,
      );
    }
    const [first, again, newer] = run.phases;
    console.log(`  re-preview ÷ first preview (wall time): ${(again.ms / first.ms).toFixed(2)}`);
    console.log(`  after-newer ÷ first preview (wall time): ${(newer.ms / first.ms).toFixed(2)}`);
    console.log(
      `  state per AmiResolution: ${(run.stateBytes / 1000).toFixed(1)} kB (inputs + outputs ${(run.ownBytes / 1000).toFixed(1)} kB; the rest is the engine's own bookkeeping)`,
    );
  }
  // Whole workstations, launched and destroyed (bench/workstation-fleet.ts).
  printWorkstationFleet(20, LATENCY_MS, await workstationFleetRun(20, LATENCY_MS));
  const cross = await crossRegionRatio();
  console.log(
    `\ncross-region tier, one region that needs it ÷ one that does not (+${LATENCY_MS} ms): ${cross.ratio.toFixed(2)}`,
  );
  const startup = startupRatio();
  console.log(`cws --help ÷ node -e 0 (median of 7): ${startup.ratio.toFixed(2)}`);
  const reread = templateRereadCpu();
  console.log(
    `template load CPU: first ${reread.first.toFixed(1)} ms, 200 re-reads of the same file ${reread.repeated.toFixed(1)} ms`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
