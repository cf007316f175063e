/**
 * `npm run demo`: CloudWorkstation working end to end with no AWS account. Starts the moto AWS emulator on loopback,
 * seeds a lab's AMI landscape, runs `cws ami test` across regions (the built binary), then, under the real Pulumi
 * engine with the AWS provider stand-in (harness/aws-standin) against moto: `pulumi preview` of three workstations so
 * the fallback chain shows in Pulumi's own output, `pulumi up` (each instance's id, region, AMI and method, checked in
 * moto), a re-preview with no changes, and `pulumi destroy`. The emulator is always stopped (also on an error or
 * Ctrl-C). Without the Pulumi CLI the demo says how to get it and still shows the cws part.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { installAwsStandin } from "../harness/aws-standin/install";
import { findPulumiCli, PulumiSandbox, REPO_ROOT, type PulumiProject } from "../harness/pulumi-cli";
import { startMoto, type MotoServer } from "../harness/moto";
import {
  createImageFromInstance,
  FIXTURE_BASE_IMAGES,
  publishBaseParameters,
  publishPublicParameter,
} from "../harness/seed";
import type { AwsClients } from "../src/core/clients";

const CWS = path.join(REPO_ROOT, "dist", "src", "cli", "main.js");
const EXAMPLE_DIR = path.join(REPO_ROOT, "examples", "preview-demo");
/** Three ResearchWorkstations on the example's lab-python-ml template (harness/demo-workstations.ts, compiled). */
const PROGRAM_MAIN = path.join(REPO_ROOT, "dist", "harness", "demo-workstations.js");
const TEMPLATE = "lab-python-ml";
const LAB_PARAMETER = "/smith-lab/images/python-ml/x86_64";
/** The fixture's name-squatter: an account that is not the lab's, with a newer look-alike image. */
const SQUATTER_IMAGE = "ami-00bad000000000001";
const REGIONS = ["us-east-1", "us-west-2", "us-east-2", "eu-west-1", "ap-northeast-1"];

const bold = (text: string) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${text}\x1b[0m` : text);
let step = 0;
/** Set on Ctrl-C: the children (moto, cws, pulumi) got the signal too, so their failures are not the demo's. */
let interrupted = false;
const STEPS = 7;
const header = (title: string) => console.log(`\n${bold(`[${++step}/${STEPS}] ${title}`)}`);

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

/**
 * Runs `pulumi <args>` and prints only its summary (from "Resources:" on): an up or destroy lists every resource
 * twice. On failure, everything it printed.
 */
async function pulumiSummary(project: PulumiProject, args: string[]): Promise<void> {
  const result = await project.run([...args, "--suppress-progress"]);
  if (result.status !== 0) throw new Error(`pulumi ${args.join(" ")} exited with ${result.status}:\n${result.output}`);
  const summary = result.stdout.indexOf("Resources:");
  // The temporary stack is removed with the sandbox: Pulumi's hint about `pulumi stack rm` does not apply.
  console.log(
    result.stdout
      .slice(summary >= 0 ? summary : 0)
      .split("\nThe resources in the stack have been deleted")[0]
      .trimEnd(),
  );
}

/** Runs `pulumi <args>` in the project with the terminal as its output; throws naming the command on failure. */
async function pulumi(project: PulumiProject, args: string[]): Promise<void> {
  const color = process.stdout.isTTY ? "auto" : "never";
  const status = await run("pulumi", [...args, "--non-interactive", "--suppress-progress", "--color", color], {
    cwd: project.dir,
    env: project.env,
  });
  if (status !== 0) throw new Error(`pulumi ${args.join(" ")} exited with ${status}`);
}

/** Each workstation's instance id, region, AMI and method from the stack, and what moto holds for that instance. */
async function printLaunched(project: PulumiProject, moto: MotoServer): Promise<void> {
  const output = await project.run(["stack", "output", "--json"]);
  if (output.status !== 0) throw new Error(`pulumi stack output failed:\n${output.output}`);
  const { workstations, instanceIds } = JSON.parse(output.stdout) as {
    workstations: Record<string, { region: string; amiId: string; method: string }>;
    instanceIds: Record<string, string>;
  };
  console.log("\n  workstation  region     instance             AMI                    method            in moto");
  for (const [name, { region, amiId, method }] of Object.entries(workstations)) {
    const instanceId = instanceIds[name];
    const { Reservations = [] } = await moto
      .clients()
      .ec2(region)
      .send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = Reservations[0]?.Instances?.[0];
    const held = instance ? `${instance.State?.Name}, ${instance.ImageId}` : "NOT FOUND";
    if (instance?.ImageId !== amiId)
      throw new Error(`${name}: moto holds ${held} in ${region}, but the stack says ${instanceId} launched ${amiId}`);
    console.log(
      `  ${name.padEnd(11)}  ${region.padEnd(9)}  ${instanceId.padEnd(19)}  ${amiId.padEnd(21)}  ${method.padEnd(16)}  ${held}`,
    );
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  for (const [file, what] of [
    [CWS, "the cws binary"],
    [PROGRAM_MAIN, "the compiled demo program"],
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
    // AWS's managed policies: each workstation's role gets AmazonSSMManagedInstanceCore.
    moto = await startMoto({ awsManagedPolicies: true });
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

    header("pulumi preview: three workstations on lab-python-ml, each AMI and its fallback chain");
    const cli = findPulumiCli();
    if (!cli) {
      console.log(
        "The Pulumi CLI is not installed here, so the Pulumi steps are skipped.\n" +
          "Get it with `npm run setup` (builds the CLI version this project uses, once, into ~/.cache/cloudworkstation;\n" +
          "it needs Go and takes 10-25 minutes the first time), or install Pulumi yourself and put it on PATH. Then run\n" +
          "`npm run demo` again.",
      );
    } else {
      sandbox = PulumiSandbox.create(cli, moto.env(), "cws-demo-");
      // The AWS provider stand-in serves the workstations' aws:* resources from moto (harness/aws-standin).
      installAwsStandin(cli, sandbox.env.PULUMI_HOME as string);
      // A project in a temporary directory running the compiled program: stack files and state stay out of the repository.
      const project = sandbox.project("cloudworkstation-demo", { main: PROGRAM_MAIN });
      const init = await project.run(["stack", "init", "demo"]);
      if (init.status !== 0) throw new Error(`pulumi stack init failed:\n${init.output}`);
      console.log("$ pulumi preview   (alice in us-east-1, carol in us-east-2, bob in eu-west-1; local state)");
      await pulumi(project, ["preview"]);

      header("pulumi up: the instances appear in moto");
      console.log("$ pulumi up --yes");
      await pulumiSummary(project, ["up", "--yes", "--skip-preview", "--suppress-outputs"]);
      await printLaunched(project, moto);

      header("pulumi preview again: nothing to change");
      console.log("$ pulumi preview --expect-no-changes");
      await pulumi(project, ["preview", "--expect-no-changes", "--suppress-outputs"]);

      header("pulumi destroy: everything launched is gone again");
      console.log("$ pulumi destroy --yes");
      await pulumiSummary(project, ["destroy", "--yes", "--skip-preview"]);
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
