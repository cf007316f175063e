/**
 * `npm run demo`: CloudWorkstation working end to end with no AWS account. Starts the moto AWS emulator on loopback,
 * seeds a lab's AMI landscape, runs `cws ami test` across regions (the built binary), then `pulumi preview` of
 * examples/preview-demo so the fallback chain shows in Pulumi's own output. The emulator is always stopped (also on
 * an error or Ctrl-C). Without the Pulumi CLI the demo says how to get it and still shows the cws part.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { findPulumiCli, PulumiSandbox, REPO_ROOT } from "../harness/pulumi-cli";
import { startMoto, type MotoServer } from "../harness/moto";
import {
  createImageFromInstance,
  FIXTURE_BASE_IMAGES,
  publishBaseParameters,
  publishPublicParameter,
} from "../harness/seed";
import type { AwsClients } from "../src/resolver/types";

const CWS = path.join(REPO_ROOT, "dist", "src", "cli", "main.js");
const EXAMPLE_DIR = path.join(REPO_ROOT, "examples", "preview-demo");
const EXAMPLE_MAIN = path.join(REPO_ROOT, "dist", "examples", "preview-demo", "index.js");
const TEMPLATE = "lab-python-ml";
const LAB_PARAMETER = "/smith-lab/images/python-ml/x86_64";
/** The fixture's name-squatter: an account that is not the lab's, with a newer look-alike image. */
const SQUATTER_IMAGE = "ami-00bad000000000001";
const REGIONS = ["us-east-1", "us-west-2", "us-east-2", "eu-west-1", "ap-northeast-1"];

const bold = (text: string) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${text}\x1b[0m` : text);
let step = 0;
/** Set on Ctrl-C: the children (moto, cws, pulumi) got the signal too, so their failures are not the demo's. */
let interrupted = false;
const header = (title: string) => console.log(`\n${bold(`[${++step}/4] ${title}`)}`);

/**
 * The lab's landscape, one situation per region (on top of the fixture: every public image in every region,
 * including the name-squatter's newer Ubuntu look-alike).
 */
async function seedLab(clients: AwsClients): Promise<string[]> {
  const source = FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64;
  const labImage = (region: string) =>
    createImageFromInstance(clients.ec2(region), {
      sourceAmiId: source,
      name: "cws-python-ml-x86_64-20261101",
      description: "Smith lab python-ml image",
      tags: { Project: "smith-lab", Template: TEMPLATE },
    });
  // Canonical's public Ubuntu parameters everywhere: the base for script provisioning.
  for (const region of REGIONS) await publishBaseParameters(clients.ssm(region), ["ubuntu-24.04"]);
  const east = await labImage("us-east-1");
  await publishPublicParameter(clients.ssm("us-east-1"), LAB_PARAMETER, east);
  const west = await labImage("us-west-2");
  await publishPublicParameter(clients.ssm("eu-west-1"), LAB_PARAMETER, SQUATTER_IMAGE);
  return [
    `us-east-1       the lab's image ${east}, named by the lab's SSM parameter`,
    `us-west-2       the lab's image ${west}, no parameter (found by name, owner-scoped search)`,
    "us-east-2       nothing: its neighbour us-east-1 has the image (a copy, with the template's consent)",
    `eu-west-1       the lab's parameter points at ${SQUATTER_IMAGE}, a newer look-alike from another account (210987654321)`,
    "ap-northeast-1  nothing here or nearby: script provisioning on stock Ubuntu",
  ];
}

/** Runs a command with the terminal as its output; resolves with its exit code. */
function run(command: string, args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv }): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env,
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.once("error", reject);
    child.once("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function main(): Promise<number> {
  const started = Date.now();
  for (const [file, what] of [
    [CWS, "the cws binary"],
    [EXAMPLE_MAIN, "the compiled example"],
  ] as const) {
    if (!fs.existsSync(file))
      throw new Error(
        `${what} is missing (${path.relative(REPO_ROOT, file)}): run \`npm run build\` (npm run demo does it first)`,
      );
  }
  console.log(
    bold("CloudWorkstation demo") +
      ": everything runs on this machine against moto, a local AWS emulator. No AWS account is used.",
  );

  header("Starting the AWS emulator (moto) on loopback");
  let moto: MotoServer | undefined;
  let sandbox: PulumiSandbox | undefined;
  const cleanup = async () => {
    sandbox?.dispose();
    sandbox = undefined;
    const stopping = moto;
    moto = undefined;
    await stopping?.stop();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    console.error(`\n${signal}: stopping the emulator`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    moto = await startMoto();
    console.log(`moto is answering on ${moto.endpoint}`);

    header(`Seeding a lab's images in ${REGIONS.length} regions`);
    for (const line of await seedLab(moto.clients())) console.log(`  ${line}`);

    const cwsArgs = [
      "--templates-dir",
      path.relative(REPO_ROOT, path.join(EXAMPLE_DIR, "templates")),
      "ami",
      "test",
      TEMPLATE,
      "--regions",
      REGIONS.join(","),
    ];
    header("cws: which AMI the template launches in each region");
    console.log(`$ cws ${cwsArgs.join(" ")}`);
    const env = { ...process.env, ...moto.env() };
    const cwsStatus = await run(process.execPath, [CWS, ...cwsArgs], { env });
    if (cwsStatus !== 0) throw new Error(`cws exited with ${cwsStatus}`);

    header("pulumi preview of examples/preview-demo: the same resolution, in Pulumi's own output");
    const cli = findPulumiCli();
    if (!cli) {
      console.log(
        "The Pulumi CLI is not installed here, so this step is skipped.\n" +
          "Get it with `npm run setup` (builds the CLI version this project uses, once, into ~/.cache/cloudworkstation;\n" +
          "it needs Go and takes 10-25 minutes the first time), or install Pulumi yourself and put it on PATH. Then run\n" +
          "`npm run demo` again.",
      );
    } else {
      sandbox = PulumiSandbox.create(cli, moto.env(), "cws-demo-");
      // A project in a temporary directory running the compiled example: stack files and state stay out of the repository.
      const project = sandbox.project("cloudworkstation-preview-demo", { main: EXAMPLE_MAIN });
      const init = await project.run(["stack", "init", "demo"]);
      if (init.status !== 0) throw new Error(`pulumi stack init failed:\n${init.output}`);
      console.log(
        "$ pulumi preview   (examples/preview-demo: alice in us-east-1, bob in eu-west-1; local state, nothing is created)",
      );
      const status = await run(
        "pulumi",
        ["preview", "--non-interactive", "--suppress-progress", "--color", process.stdout.isTTY ? "auto" : "never"],
        {
          cwd: project.dir,
          env: project.env,
        },
      );
      if (status !== 0) throw new Error(`pulumi preview exited with ${status}`);
    }
  } finally {
    await cleanup();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
  console.log(
    `\nDone in ${Math.round((Date.now() - started) / 1000)} s; the emulator is stopped. On real AWS: see docs/demo.md.`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    if (interrupted) process.exit(130);
    console.error(`\nnpm run demo failed: ${error.message}`);
    process.exit(1);
  },
);
