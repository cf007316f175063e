import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { installAwsStandin } from "./aws-standin/install";
import { startMoto, type MotoServer } from "./moto";
import { e2eGate, PulumiSandbox, REPO_ROOT } from "./pulumi-cli";
import { LAB_ML_TEMPLATE, seedDemoLandscape } from "./seed";

/** The compiled `cws` the workstation tests run (they need `npm run build`). */
export const CWS_MAIN = path.join(REPO_ROOT, "dist", "src", "cli", "main.js");

export interface CwsRun {
  code: number | null;
  out: string;
  err: string;
  seconds: number;
}

/** The compiled `cws` in a child process without a terminal (stdin closed), killed after 4 minutes. */
export function runCws(args: string[], env: NodeJS.ProcessEnv): Promise<CwsRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CWS_MAIN, ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 240_000,
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += String(chunk)));
    child.stderr.on("data", (chunk) => (err += String(chunk)));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, out, err, seconds: (Date.now() - started) / 1000 }));
  });
}

/**
 * What `cws launch` runs against in the workstation tests: moto seeded with the lab's landscape, the real Pulumi
 * engine with the AWS provider stand-in in a private PULUMI_HOME, and a researcher's defaults (no backend and no
 * passphrase set, so cws keeps its state under XDG_CONFIG_HOME), with the lab's template in `templatesDir`.
 */
export interface WorkstationLab {
  moto: MotoServer;
  sandbox: PulumiSandbox;
  env: NodeJS.ProcessEnv;
  templatesDir: string;
  /** Where the default local backend keeps a workstation's stack. */
  stackFile(name: string): string;
  dispose(): Promise<void>;
}

/** Undefined (with the reason printed) when the end-to-end tests are switched off or cannot run here. */
export async function startWorkstationLab(options: {
  what: string;
  prefix: string;
  regions: string[];
  env?: NodeJS.ProcessEnv;
}): Promise<WorkstationLab | undefined> {
  const gate = e2eGate({ distFiles: [CWS_MAIN] });
  if (!gate.run) {
    console.log(`\n  !! SKIPPING ${options.what} (CWS_SKIP_E2E=1): ${gate.reason}\n`);
    return undefined;
  }
  const moto = await startMoto({ awsManagedPolicies: true });
  try {
    await seedDemoLandscape(moto.clients(), options.regions);
    const sandbox = PulumiSandbox.create(gate.cli, moto.env(), options.prefix);
    installAwsStandin(gate.cli, sandbox.env.PULUMI_HOME as string);
    const configHome = path.join(sandbox.root, "config");
    const env: NodeJS.ProcessEnv = {
      ...sandbox.env,
      XDG_CONFIG_HOME: configHome,
      AWS_REGION: "us-east-1",
      ...options.env,
    };
    delete env.PULUMI_BACKEND_URL;
    delete env.PULUMI_CONFIG_PASSPHRASE;
    const templatesDir = path.join(sandbox.root, "templates");
    fs.mkdirSync(templatesDir);
    fs.writeFileSync(path.join(templatesDir, "smith-lab-ml.yml"), LAB_ML_TEMPLATE);
    return {
      moto,
      sandbox,
      env,
      templatesDir,
      stackFile: (name) =>
        path.join(
          configHome,
          "cloudworkstation",
          "state",
          ".pulumi",
          "stacks",
          "cloudworkstation-workstations",
          `${name}.json`,
        ),
      dispose: async () => {
        sandbox.dispose();
        await moto.stop();
      },
    };
  } catch (error) {
    await moto.stop();
    throw error;
  }
}
