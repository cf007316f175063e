/**
 * A 20-workstation lab fleet launched and destroyed under the REAL Pulumi engine: ResearchWorkstations in the
 * lab-fleet shape (harness/fleet-shape.ts: 6 templates × 4 regions), their aws:* children served by the AWS provider
 * stand-in (harness/aws-standin), moto behind the counting proxy at +latency per call. Measures, in one run,
 * `pulumi up` and `pulumi destroy` wall time and AWS calls per region (from each request's SigV4 scope: IAM and STS
 * are signed for us-east-1). Called by bench/fleet.bench.ts (`npm run bench`); needs `npm run build`.
 */
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { installAwsStandin } from "../harness/aws-standin/install";
import { startCountingProxy } from "../harness/counting-proxy";
import { FLEET_REGIONS, FLEET_TEMPLATES, seedFleetLab } from "../harness/fleet-shape";
import { startMoto } from "../harness/moto";
import { findPulumiCli, PulumiSandbox, REPO_ROOT, type PulumiProject } from "../harness/pulumi-cli";
import { seedDemoLandscape } from "../harness/seed";

export interface WorkstationFleetPhase {
  phase: string;
  ms: number;
  calls: { perRegion: Record<string, number>; total: number };
  summary: string;
}

function program(size: number): string {
  const entries = Array.from({ length: size }, (_, i) => ({
    name: `ws-${String(i).padStart(2, "0")}`,
    template: FLEET_TEMPLATES[i % FLEET_TEMPLATES.length],
    region: FLEET_REGIONS[Math.floor(i / FLEET_TEMPLATES.length) % FLEET_REGIONS.length],
  }));
  const component = path.join(REPO_ROOT, "dist", "src", "components", "research-workstation.js");
  return `const { ResearchWorkstation } = require(${JSON.stringify(component)});
for (const entry of ${JSON.stringify(entries)}) new ResearchWorkstation(entry.name, {
  template: entry.template,
  region: entry.region,
  size: "S",
  allowedCidrs: ["203.0.113.0/24"],
  owner: "bench@example.org",
});
`;
}

/** The engine's own summary line of changes, e.g. "+ 161 created". */
const summaryOf = (stdout: string) =>
  (/Resources:\s*\n([\s\S]*?)(?:\n\n|Duration|$)/.exec(stdout)?.[1] ?? "")
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .join(", ");

export async function workstationFleetRun(size: number, latencyMs: number): Promise<WorkstationFleetPhase[]> {
  const cli = findPulumiCli();
  if (!cli) throw new Error("the Pulumi CLI is not built: run npm run setup");
  const moto = await startMoto({ awsManagedPolicies: true });
  const proxy = await startCountingProxy(moto.endpoint);
  const sandbox = PulumiSandbox.create(
    cli,
    { ...moto.env(), AWS_ENDPOINT_URL: proxy.endpoint, AWS_MAX_ATTEMPTS: "1" },
    "cws-bench-workstations-",
  );
  try {
    await seedDemoLandscape(moto.clients(), FLEET_REGIONS);
    await seedFleetLab(moto.clients(), FLEET_REGIONS);
    installAwsStandin(cli, sandbox.env.PULUMI_HOME as string);
    const project = sandbox.project(`workstations${size}`, { program: program(size) });
    const init = await project.run(["stack", "init", "bench"]);
    if (init.status !== 0) throw new Error(init.output);
    const phase = async (name: string, args: string[]): Promise<WorkstationFleetPhase> => {
      proxy.take();
      proxy.setLatency(latencyMs);
      const start = performance.now();
      const result = await (project as PulumiProject).run(args, { timeoutMs: 1_800_000 });
      const ms = performance.now() - start;
      proxy.setLatency(0);
      if (result.status !== 0) throw new Error(`${result.command} failed:\n${result.output.slice(-4000)}`);
      return { phase: name, ms, calls: proxy.take(), summary: summaryOf(result.stdout) };
    };
    return [
      await phase("pulumi up", ["up", "--yes", "--skip-preview"]),
      await phase("pulumi destroy", ["destroy", "--yes", "--skip-preview"]),
    ];
  } finally {
    sandbox.dispose();
    await proxy.stop();
    await moto.stop();
  }
}

export function printWorkstationFleet(size: number, latencyMs: number, phases: WorkstationFleetPhase[]): void {
  console.log(
    `\n${size} ResearchWorkstations (instances, groups, roles, alarms; AWS provider stand-in) under the real engine, +${latencyMs} ms per call:`,
  );
  for (const { phase, ms, calls, summary } of phases)
    console.log(
      `  ${phase.padEnd(15)} ${(ms / 1000).toFixed(1).padStart(6)} s  ${String(calls.total).padStart(5)} calls ${JSON.stringify(calls.perRegion)}  (${summary})`,
    );
}
