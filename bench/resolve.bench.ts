/**
 * Resolves every shipped template (or an inline set while the loader has not landed) in 4 regions against moto's
 * seeded demo landscape, and prints EC2/SSM call counts cold vs warm and batched vs unbatched, plus wall-time RATIOS
 * measured in this run (absolute times depend on the machine and are not reported as results).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { resolveAmi } from "../src/resolver/engine";
import { ImageCache } from "../src/resolver/image-lookup";
import type { AwsClients, Template } from "../src/resolver/types";
import { templateSchema } from "../src/templates/schema";
import { startMoto } from "../harness/moto";
import { seedDemoLandscape } from "../harness/seed";
import { countCalls } from "../harness/call-counter";

const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"];

function loadTemplates(): { source: string; templates: Template[] } {
  const loaderPath = path.resolve(__dirname, "..", "src", "templates", "index.ts");
  const templatesDir = path.resolve(__dirname, "..", "templates");
  const hasFiles = fs.existsSync(templatesDir) && fs.readdirSync(templatesDir).some((f) => /\.ya?ml$/.test(f));
  if (fs.existsSync(loaderPath) && hasFiles) {
    const loader = require(loaderPath) as {
      listTemplates(o?: object): ({ name: string } | string)[];
      loadTemplate(n: string, o?: object): { template: Template };
    };
    const names = loader.listTemplates({}).map((e) => (typeof e === "string" ? e : e.name));
    return { source: "shipped templates", templates: names.map((name) => loader.loadTemplate(name, {}).template) };
  }
  const inline = [
    {
      name: "ubuntu-24.04-base",
      base: "ubuntu-24.04",
      ami_config: {
        ssm_parameter: { x86_64: "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id" },
      },
    },
    {
      name: "python-ml",
      base: "ubuntu-24.04",
      ami_config: {
        ami_search: { owners: ["self"], name_pattern: "cws-python-ml-*" },
        fallback_strategy: "cross_region",
      },
    },
    {
      name: "r-research",
      base: "ubuntu-24.04",
      ami_config: { ami_search: { owners: ["self"], name_pattern: "cws-r-research-*" } },
    },
    {
      name: "amazon-linux-2023",
      base: "amazonlinux-2023",
      ami_config: { ssm_parameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" },
    },
    {
      name: "deep-learning-gpu",
      base: "ubuntu-22.04",
      ami_config: {
        ami_search: {
          owners: ["898082745236"],
          name_pattern: "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) *",
        },
      },
    },
    {
      name: "rstudio-server",
      base: "ubuntu-24.04",
      ami_config: {
        marketplace_search: { product_code: "4xsv6kuy9rz3wrj0k7s8wfjxa", version_constraint: ">=2" },
        trusted_owners: ["679593333241", "099720109477"],
      },
    },
    {
      name: "bioinformatics",
      base: "ubuntu-24.04",
      ami_config: { ami_mappings: { "us-east-1": "ami-00c41000000000002", "eu-west-1": "ami-00c41000000000002" } },
    },
  ];
  return {
    source: "inline set (loader or templates/ not landed)",
    templates: inline.map((t) => templateSchema.parse(t)),
  };
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
