/**
 * Resolves every shipped template in 4 regions against moto's
 * seeded demo landscape, and prints EC2/SSM call counts cold vs warm and batched vs unbatched, plus wall-time RATIOS
 * measured in this run (absolute times depend on the machine and are not reported as results).
 */
import { performance } from "node:perf_hooks";
import { resolveAmi } from "../src/resolver/engine";
import { ImageCache } from "../src/core/image-cache";
import type { Template } from "../src/resolver/types";
import type { AwsClients } from "../src/core/clients";
import { listTemplates, loadTemplate } from "../src/templates/loader";
import { startMoto } from "../harness/moto";
import { seedDemoLandscape } from "../harness/seed";
import { countCalls } from "../harness/call-counter";

const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"];

function loadTemplates(): { source: string; templates: Template[] } {
  const templates = listTemplates().map((entry) => loadTemplate(entry.name).template);
  return { source: "shipped templates", templates };
}

async function run(label: string, templates: Template[], clients: AwsClients, cache: ImageCache) {
  const counter = countCalls(clients);
  const started = performance.now();
  const results = await Promise.all(
    templates.flatMap((t) => REGIONS.map((region) => resolveAmi(t, { region }, counter.clients, { cache }))),
  );
  const ms = performance.now() - started;
  const methods = new Map<string, number>();
  for (const r of results) methods.set(r.method, (methods.get(r.method) ?? 0) + 1);
  return {
    label,
    ms,
    ec2: counter.total("EC2"),
    describeImages: counter.count("EC2:DescribeImages"),
    ssm: counter.total("SSM"),
    resolutions: results.length,
    methods,
  };
}

async function main(): Promise<void> {
  const moto = await startMoto();
  try {
    const clients = moto.clients();
    await seedDemoLandscape(clients, REGIONS);
    const { source, templates } = loadTemplates();
    const batchedCache = new ImageCache();
    const cold = await run("cold, batched", templates, clients, batchedCache);
    const warm = await run("warm, batched", templates, clients, batchedCache);
    const unbatched = await run("cold, unbatched", templates, moto.clients(), new ImageCache({ batching: false }));
    console.log(
      `Resolving ${templates.length} ${source} in ${REGIONS.length} regions (${REGIONS.join(", ")}), all concurrently:`,
    );
    for (const r of [cold, warm, unbatched]) {
      const methods = [...r.methods].map(([m, n]) => `${m}=${n}`).join(" ");
      console.log(
        `  ${r.label.padEnd(16)} EC2 calls ${String(r.ec2).padStart(4)} (DescribeImages ${r.describeImages})  SSM calls ${String(r.ssm).padStart(4)}  [${methods}]`,
      );
    }
    const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : "n/a");
    console.log(
      `Wall-time ratios (same run): warm/cold ${ratio(warm.ms, cold.ms)}, batched/unbatched (cold) ${ratio(cold.ms, unbatched.ms)}`,
    );
  } finally {
    await moto.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
