import assert from "node:assert/strict";
import { AMI_RESOLUTION_TYPE } from "../../src/dynamic/ami-resolution";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import type { WorkstationSummary } from "../../src/components/lab-fleet";
import type { MotoServer } from "../../harness/moto";
import { publishBaseParameters } from "../../harness/seed";
import { TIER_ORDER } from "../../src/resolver/types";
import { MotoBackedMocks, startMotoForComponents, valueOf, type Registered } from "./moto-mocks";

/**
 * The lab-fleet program (index.ts at the repository root, and examples/lab-fleet copied into a lab's own repository)
 * run under moto-backed runtime mocks (./moto-mocks.ts): resolutions run their real check/create against moto, and
 * instances and security groups are made in moto in the region they would go to.
 * The program runs at module load, so every test loads it afresh (cleared from the require cache) after setting
 * the stack config for that test; Pulumi's runtime settings are process-wide, so each test also sets its mocks.
 */

const ROOT = path.resolve(__dirname, "..", "..");
const ROOT_PROGRAM = path.join(ROOT, "index.ts");
const EXAMPLE_DIR = path.join(ROOT, "examples", "lab-fleet");
const RUNNER = path.join(__dirname, "program-runner.ts");

function loadProgram(file: string): { workstations: pulumi.Output<Record<string, WorkstationSummary>> } {
  for (const key of Object.keys(require.cache)) {
    if (key === file || /[\\/]components[\\/]lab-fleet\.[jt]s$/.test(key)) delete require.cache[key];
  }
  return require(file);
}

describe("the lab-fleet program", () => {
  let moto: MotoServer;
  const saved: Record<string, string | undefined> = {};
  let registered: Registered[];
  let cwd: string;

  before(async () => {
    moto = await startMotoForComponents();
    for (const [key, value] of Object.entries(moto.env())) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
    cwd = process.cwd();
  });
  after(async () => {
    process.chdir(cwd);
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await moto?.stop();
  });

  async function useMocks(preview: boolean, config: Record<string, string>): Promise<MotoBackedMocks> {
    pulumi.runtime.setAllConfig(config);
    const mocks = await new MotoBackedMocks(moto, { preview }).install("cloudworkstation-lab", "dev");
    registered = mocks.registered;
    return mocks;
  }

  const stockImages = async (...regions: string[]) => {
    for (const region of regions) await publishBaseParameters(moto.clients().ssm(region), ["ubuntu-24.04"]);
  };

  it("makes one workstation per config entry and exports each one's AMI, chain, launch mode, estimate and connection", async () => {
    await moto.reset();
    await stockImages("us-east-1", "eu-west-1");
    const fleet = [
      { name: "alice", template: "python-ml", size: "M", owner: "alice", allowedCidrs: ["203.0.113.0/24"] },
      { name: "bob", template: "r-research", region: "eu-west-1", owner: "bob", tags: { grant: "R01" } },
    ];
    await useMocks(false, { "cloudworkstation:fleet": JSON.stringify(fleet), "aws:region": "us-east-1" });
    const program = loadProgram(ROOT_PROGRAM);
    const outputs = (await valueOf(program.workstations))!;
    assert.deepEqual(Object.keys(outputs).sort(), ["alice", "bob"]);
    for (const name of ["alice", "bob"]) {
      const summary = outputs[name];
      assert.match(summary.amiId, /^ami-/);
      assert.equal(
        summary.resolutionMethod,
        "fallback_script",
        "the shipped templates provision on the stock image (ami_fallback)",
      );
      assert.equal(summary.launchMode, "script");
      assert.equal(summary.fallbackChain.length, TIER_ORDER.length);
      assert.equal(typeof summary.estimatedCostPerHour, "number");
      assert.match(summary.instanceId, /^i-[0-9a-f]+$/, "launched in moto");
      assert.equal(
        summary.connection.sessionManager,
        `aws ssm start-session --target ${summary.instanceId} --region ${name === "bob" ? "eu-west-1" : "us-east-1"}`,
      );
    }
    const instances = registered.filter((resource) => resource.type === "aws:ec2/instance:Instance");
    assert.deepEqual(instances.map((instance) => instance.name).sort(), ["alice-instance", "bob-instance"]);
    for (const instance of instances) {
      assert.match(String(instance.inputs.userData), /^#!\/bin\/bash/, "script path: the rendered provisioning script");
      assert.equal((instance.inputs.metadataOptions as Record<string, unknown>).httpTokens, "required");
    }
    const bob = instances.find((instance) => instance.name === "bob-instance")!;
    assert.equal(bob.region, "eu-west-1", "bob's entry region, not aws:region");
    assert.equal(instances.find((instance) => instance.name === "alice-instance")!.region, "us-east-1");
    assert.equal((bob.inputs.tags as Record<string, string>).grant, "R01");
    assert.equal((bob.inputs.tags as Record<string, string>)["cloudworkstation:template"], "r-research");
  });

  it("honours each entry's amiGeneration (AmiResolution's generation, so the pin key) and dataVolumeGb (a volume and its attachment)", async () => {
    await moto.reset();
    await stockImages("us-east-1");
    const fleet = [
      { name: "alice", template: "python-ml", amiGeneration: 2, dataVolumeGb: 50 },
      { name: "bob", template: "python-ml" },
    ];
    await useMocks(false, { "cloudworkstation:fleet": JSON.stringify(fleet), "aws:region": "us-east-1" });
    const program = loadProgram(ROOT_PROGRAM);
    await valueOf(program.workstations);
    const resolutions = registered.filter((resource) => resource.type === AMI_RESOLUTION_TYPE);
    const alice = resolutions.find((resource) => resource.name === "alice-ami")!;
    const bob = resolutions.find((resource) => resource.name === "bob-ami")!;
    assert.equal(alice.inputs.generation, 2);
    assert.equal(bob.inputs.generation, undefined, "generation 0 sends nothing: older stacks keep identical inputs");
    const volumes = registered.filter((resource) => resource.type === "aws:ebs/volume:Volume");
    assert.deepEqual(
      volumes.map((volume) => [volume.name, volume.inputs.size]),
      [["alice-data", 50]],
    );
    assert.ok(registered.some((resource) => resource.name === "alice-data-attachment"));
  });

  it("runs examples/lab-fleet copied into a lab's own repository: the lab's templates are found by name and each workstation lands in its entry's region", async () => {
    await moto.reset();
    await stockImages("us-east-1", "eu-west-1");
    const lab = copyExampleIntoLabRepository();
    try {
      const result = runProgramAsPulumiWould(lab, moto.endpoint);
      const outputs = result.workstations;
      const registered = result.registered;
      assert.ok(
        result.distModules.some((key) => key.startsWith(path.join(ROOT, "dist", "src"))),
        "the copied program ran the built package",
      );
      assert.deepEqual(Object.keys(outputs).sort(), ["alice", "bob", "carol-gpu", "dana", "erin"]);

      const instances = registered.filter((resource) => resource.type === "aws:ec2/instance:Instance");
      const byName = (name: string) => instances.find((instance) => instance.name === `${name}-instance`)!;
      const tags = (name: string) => byName(name).inputs.tags as Record<string, string>;
      assert.equal(tags("dana")["cloudworkstation:template"], "smith-lab-python", "the example's own template");
      assert.equal(tags("erin")["cloudworkstation:template"], "genomics-lab", "the template the lab added");
      assert.match(String(byName("erin").inputs.userData), /samtools/);
      const expectedRegions: Record<string, string> = {
        alice: "us-east-1",
        bob: "eu-west-1",
        "carol-gpu": "us-east-1",
        dana: "us-east-1",
        erin: "eu-west-1",
      };
      for (const [name, region] of Object.entries(expectedRegions)) {
        assert.equal(byName(name).region, region, `${name} launches in ${region}`);
        assert.match(outputs[name].connection.sessionManager, new RegExp(`--region ${region}$`));
      }
      assert.equal(byName("carol-gpu").inputs.instanceType, "g5.xlarge");
      assert.equal(tags("carol-gpu")["cost-centre"], "4711", "file defaults apply");
      const groups = registered.filter((resource) => resource.type === "aws:ec2/securityGroup:SecurityGroup");
      assert.equal(groups.length, 5, "allowedCidrs from the defaults: one group per workstation");

      // The workflow runs for changes to what the program reads, in the copied layout.
      const tracked = execFileSync("git", ["-C", lab, "ls-files"], { encoding: "utf8" }).trim().split("\n");
      const workflow = parseYaml(fs.readFileSync(path.join(lab, ".github", "workflows", "pulumi.yml"), "utf8")) as {
        on: { pull_request: { paths: string[] }; push: { paths: string[] } };
      };
      for (const trigger of [workflow.on.pull_request, workflow.on.push]) {
        const patterns = trigger.paths.map(githubPathPattern);
        for (const file of ["fleet.yaml", "templates/genomics-lab.yml", "index.ts", "Pulumi.yaml", "Pulumi.dev.yaml"]) {
          assert.ok(tracked.includes(file), `${file} is in the lab's repository`);
          assert.ok(
            patterns.some((pattern) => pattern.test(file)),
            `a change to ${file} triggers the workflow`,
          );
        }
        assert.ok(!patterns.some((pattern) => pattern.test("README.md")), "documentation changes do not deploy");
      }
    } finally {
      fs.rmSync(lab, { recursive: true, force: true });
    }
  });

  it("schedules an upgrade plan in the lab-fleet workflow: stack export, cws ami upgrade --plan --write, then a pull request", () => {
    const workflow = parseYaml(
      fs.readFileSync(path.join(ROOT, "examples", "lab-fleet", ".github", "workflows", "pulumi.yml"), "utf8"),
    ) as {
      on: Record<string, unknown>;
      jobs: Record<
        string,
        {
          if?: string;
          permissions?: Record<string, string>;
          steps: { run?: string; uses?: string; with?: Record<string, string> }[];
        }
      >;
    };
    const schedule = workflow.on.schedule as { cron: string }[];
    assert.ok(schedule?.[0]?.cron, "a cron schedule");
    const job = workflow.jobs["upgrade-plan"];
    assert.match(String(job.if), /github\.event_name == 'schedule'/);
    for (const other of ["preview", "up"]) assert.doesNotMatch(String(workflow.jobs[other].if), /schedule/);
    const runs = job.steps.map((step) => step.run ?? "").join("\n");
    assert.match(runs, /pulumi stack export --stack "\$STACK" --file stack\.json/);
    assert.match(runs, /cws ami upgrade --plan --write --fleet fleet\.yaml --stack-export stack\.json/);
    assert.match(runs, /"\$code" -ne 3/, "exit 3 (upgrades proposed) is not a failure");
    const pr = job.steps.find((step) => step.uses?.startsWith("peter-evans/create-pull-request@"));
    assert.equal(pr?.with?.["add-paths"], "fleet.yaml");
    assert.equal(job.permissions?.contents, "write");
    assert.equal(job.permissions?.["pull-requests"], "write");
    const engines = (
      JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }
    ).engines.node;
    const oldestNode = Number(/^>=(\d+)/.exec(engines)?.[1]);
    for (const [name, each] of Object.entries(workflow.jobs)) {
      const setup = each.steps.find((step) => step.uses?.startsWith("actions/setup-node@"));
      assert.ok(
        Number(setup?.with?.["node-version"]) >= oldestNode,
        `${name}: a Node the package supports (${engines})`,
      );
    }
  });

  it("runs the workflow's weekly upgrade commands from a checkout at another path than the deploy's: the lab's templates are found through the project-relative dirs the state records", async () => {
    await moto.reset();
    await stockImages("us-east-1", "eu-west-1");
    const laptop = copyExampleIntoLabRepository();
    const ci = fs.mkdtempSync(path.join(os.tmpdir(), "cws-ci-checkout-"));
    try {
      const deployed = runProgramAsPulumiWould(laptop, moto.endpoint);
      const resolutions = deployed.registered.filter((resource) => resource.type === AMI_RESOLUTION_TYPE);
      for (const resolution of resolutions) {
        assert.deepEqual(resolution.inputs.templatesDirs, [path.join(laptop, "templates")], "what the program gives");
        assert.deepEqual(resolution.inputs.templatesDirsInProject, ["templates"], `${resolution.name}: recorded`);
      }
      const commit = ["-c", "user.name=lab", "-c", "user.email=lab@example.org", "commit", "-qm", "lab"];
      execFileSync("git", ["-C", laptop, ...commit]);
      execFileSync("git", ["clone", "-q", laptop, ci]);
      fs.rmSync(laptop, { recursive: true, force: true }); // the laptop's checkout is not on the CI runner
      installPackage(ci);

      // The upgrade-plan job's steps, from the CI checkout: the stack export, then the workflow's own cws command line.
      fs.writeFileSync(path.join(ci, "stack.json"), stackExportOf(deployed));
      const workflow = parseYaml(fs.readFileSync(path.join(ci, ".github", "workflows", "pulumi.yml"), "utf8")) as {
        jobs: Record<string, { steps: { run?: string }[] }>;
      };
      const planLine = workflow.jobs["upgrade-plan"].steps
        .flatMap((step) => (step.run ?? "").split("\n"))
        .find((line) => line.trim().startsWith("npx cws "));
      assert.ok(planLine, "the upgrade-plan job runs `npx cws …`");
      const planArgs = planLine
        .trim()
        .replace(/^npx cws /, "")
        .replace(/\s*>.*$/, "")
        .split(/\s+/);
      const cws = (args: string[]) =>
        spawnSync(
          process.execPath,
          [path.join(ci, "node_modules", "cloudworkstation", "dist", "src", "cli", "main.js"), ...args],
          {
            cwd: ci,
            encoding: "utf8",
            env: { ...process.env, AWS_REGION: "us-east-1" },
          },
        );

      const plan = cws(planArgs);
      assert.ok(
        plan.status === 0 || plan.status === 3,
        `the job accepts exit 0 or 3, got ${plan.status}:\n${plan.stderr}`,
      );
      for (const name of ["alice", "bob", "carol-gpu", "dana", "erin"])
        assert.match(plan.stdout, new RegExp(`^${name} `, "m"));

      const outdated = cws(["ami", "outdated", "--stack-export", "stack.json", "--json"]);
      assert.ok(outdated.status === 0 || outdated.status === 3, `exit ${outdated.status}:\n${outdated.stderr}`);
      const rows = JSON.parse(outdated.stdout) as { name: string; template: string }[];
      assert.deepEqual(
        Object.fromEntries(rows.map((row) => [row.name, row.template])),
        {
          "alice-ami": "python-ml",
          "bob-ami": "r-research",
          "carol-gpu-ami": "python-ml",
          "dana-ami": "smith-lab-python",
          "erin-ami": "genomics-lab",
        },
        "the lab's own templates (dana, erin) are found in the CI checkout",
      );
    } finally {
      fs.rmSync(laptop, { recursive: true, force: true });
      fs.rmSync(ci, { recursive: true, force: true });
    }
  });

  it("stops with every fleet problem listed (entry, name, field) before creating anything", async () => {
    const fleet = [
      { name: "alice", template: "python-ml" },
      { name: "alice", template: "r-research", size: "XXL" },
    ];
    await useMocks(true, { "cloudworkstation:fleet": JSON.stringify(fleet), "aws:region": "us-east-1" });
    assert.throws(
      () => loadProgram(ROOT_PROGRAM),
      (error: unknown) => {
        assert.ok(error instanceof pulumi.RunError);
        assert.match(error.message, /cloudworkstation:fleet: 1 problem/);
        assert.match(error.message, /fleet\[1\]\.size \(alice\): /);
        return true;
      },
    );
    assert.equal(registered.length, 0);
    const duplicate = [
      { name: "alice", template: "python-ml" },
      { name: "alice", template: "r-research" },
    ];
    await useMocks(true, { "cloudworkstation:fleet": JSON.stringify(duplicate), "aws:region": "us-east-1" });
    assert.throws(() => loadProgram(ROOT_PROGRAM), /fleet\[1\]\.name \(alice\): duplicate name "alice"/);
  });

  it("says how to configure a fleet when none is set, and refuses both forms at once", async () => {
    await useMocks(true, { "aws:region": "us-east-1" });
    assert.throws(
      () => loadProgram(ROOT_PROGRAM),
      /no fleet configured: set cloudworkstation:fleet .* or cloudworkstation:fleetFile/,
    );
    await useMocks(true, { "cloudworkstation:fleet": "[]", "cloudworkstation:fleetFile": "fleet.yaml" });
    assert.throws(() => loadProgram(ROOT_PROGRAM), /not both/);
  });
});

/**
 * What a lab does: copy the example to the root of its repository, add its own template (and a workstation using
 * it), install the built package. Returns the repository's directory (a git work tree with everything added).
 */
function copyExampleIntoLabRepository(): string {
  const build = path.join(ROOT, "dist", "src", "index.js");
  assert.ok(fs.existsSync(build), `this test uses the built package (${build}); run \`npx tsc -p .\` first`);
  const lab = fs.mkdtempSync(path.join(os.tmpdir(), "cws-lab-repo-"));
  fs.cpSync(EXAMPLE_DIR, lab, { recursive: true });
  fs.writeFileSync(
    path.join(lab, "templates", "genomics-lab.yml"),
    "name: genomics-lab\nbase: ubuntu-24.04\npackages:\n  system: [samtools]\nami_config:\n  strategy: ami_fallback\n",
  );
  const fleet = fs.readFileSync(path.join(lab, "fleet.yaml"), "utf8");
  fs.writeFileSync(
    path.join(lab, "fleet.yaml"),
    `${fleet}\n  - name: erin\n    template: genomics-lab\n    region: eu-west-1\n    owner: erin@example.org\n`,
  );
  fs.writeFileSync(path.join(lab, ".gitignore"), "node_modules/\n");
  installPackage(lab);
  execFileSync("git", ["init", "-q", lab]);
  execFileSync("git", ["-C", lab, "add", "."]);
  return lab;
}

/** `npm install` of this package's build into a lab's checkout (a link: the test runs the built package). */
function installPackage(lab: string): void {
  fs.mkdirSync(path.join(lab, "node_modules"), { recursive: true });
  fs.symlinkSync(ROOT, path.join(lab, "node_modules", "cloudworkstation"), "dir");
}

interface ProgramRun {
  workstations: Record<string, WorkstationSummary>;
  registered: Registered[];
  distModules: string[];
}

/** Runs the lab's index.ts as `pulumi up` would: its own process, from the lab's directory (no tsconfig paths here). */
function runProgramAsPulumiWould(lab: string, endpoint: string): ProgramRun {
  const stdout = execFileSync(process.execPath, ["--require", require.resolve("tsx/cjs"), RUNNER], {
    cwd: lab,
    encoding: "utf8",
    env: {
      ...process.env,
      CWS_RUNNER_INPUT: JSON.stringify({
        program: "index.ts",
        endpoint,
        config: { "cloudworkstation:fleetFile": "fleet.yaml", "aws:region": "us-east-1" },
        preview: false,
      }),
    },
  });
  const resultLine = stdout.split("\n").find((line) => line.startsWith("CWS_RUNNER_RESULT "));
  assert.ok(resultLine, `the program runner printed no result:\n${stdout}`);
  return JSON.parse(resultLine.slice("CWS_RUNNER_RESULT ".length)) as ProgramRun;
}

/**
 * What `pulumi stack export` would hold for the run's AmiResolutions: the inputs the program sent, and as outputs the
 * same plus the AMI each workstation resolved to.
 */
function stackExportOf(run: ProgramRun): string {
  const resolutions = run.registered.filter((resource) => resource.type === AMI_RESOLUTION_TYPE);
  return JSON.stringify({
    version: 3,
    deployment: {
      resources: resolutions.map((resolution) => ({
        urn: `urn:pulumi:dev::lab::cloudworkstation:index:ResearchWorkstation$${resolution.type}::${resolution.name}`,
        type: resolution.type,
        inputs: resolution.inputs,
        outputs: {
          ...resolution.inputs,
          amiId: run.workstations[resolution.name.replace(/-ami$/, "")].amiId,
        },
      })),
    },
  });
}

/** A GitHub Actions `paths` filter as a regular expression: `**` crosses directories, `*` does not. */
function githubPathPattern(glob: string): RegExp {
  const body = glob
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((text) => text.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]*"),
    )
    .join(".*");
  return new RegExp(`^${body}$`);
}
