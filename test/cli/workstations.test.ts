import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { liveInstances, type MotoServer } from "../../harness/moto";
import type { PulumiSandbox } from "../../harness/pulumi-cli";
import { CWS_MAIN, runCws, startWorkstationLab, type WorkstationLab } from "../../harness/workstation-lab";

/**
 * `cws launch` / `cws destroy` as a researcher runs them: the compiled `cws` in a child process (no terminal), the
 * real Pulumi engine through the Automation API, the AWS provider stand-in in a private PULUMI_HOME, moto as AWS,
 * and the default state backend under a temporary XDG_CONFIG_HOME. The `it`s are consecutive steps on one
 * workstation; what is checked is what moto and the state directory hold afterwards.
 */

const REGION = "us-west-2";
/** us-east-1 holds the lab's images (seedDemoLandscape); us-west-2 only the public ones. */
const REGIONS = ["us-east-1", REGION];

describe("cws launch, list, stop, start, ami create and destroy under the real Pulumi engine (Automation API, AWS provider stand-in, moto)", function () {
  this.timeout(600_000);
  let moto: MotoServer | undefined;
  let sandbox: PulumiSandbox | undefined;
  let env: NodeJS.ProcessEnv;
  let configHome: string;
  const stateDir = () => path.join(configHome, "cloudworkstation", "state");
  const cws = (...args: string[]) => runCws(args, env);

  let lab: WorkstationLab | undefined;

  before(async function () {
    lab = await startWorkstationLab({
      what: "cws launch under the real engine",
      prefix: "cws-launch-",
      regions: REGIONS,
    });
    if (!lab) return this.skip();
    ({ moto, sandbox, env } = lab);
    configHome = path.join(sandbox.root, "config");
  });

  const labCws = (...args: string[]) => runCws(["--templates-dir", templatesDir(), ...args], env);
  const templatesDir = () => lab!.templatesDir;

  after(async () => {
    await lab?.dispose();
  });

  it("--dry-run --show-ami-resolution shows the chain and the estimates and creates nothing: no instance, no stack", async () => {
    const run = await cws(
      "launch",
      "python-ml",
      "my-research",
      "--region",
      REGION,
      "--dry-run",
      "--show-ami-resolution",
    );
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /Fallback chain:/);
    assert.match(run.out, /until usable \(estimate\)/);
    assert.match(run.out, /Dry run: nothing was created \(no stack "my-research", no instance\)/);
    assert.deepEqual(await liveInstances(moto!, REGION), []);
    assert.equal(fs.existsSync(path.join(stateDir(), ".pulumi", "stacks")), false);
  });

  let instanceId: string;

  it("cws launch python-ml my-research --region us-west-2 runs an instance with the AMI the preview showed, in a local backend", async () => {
    const preview = await cws("launch", "python-ml", "my-research", "--region", REGION, "--dry-run", "--json");
    const planned = (JSON.parse(preview.out) as { resolution: { amiId: string; method: string } }).resolution;

    const run = await cws("launch", "python-ml", "my-research", "--region", REGION);
    assert.equal(run.code, 0, `${run.out}\n${run.err}`);
    instanceId = /Instance\s+(i-[0-9a-f]+)/.exec(run.out)?.[1] as string;
    assert.ok(instanceId, run.out);
    const [instance] = await liveInstances(moto!, REGION);
    assert.equal(instance.InstanceId, instanceId);
    assert.equal(instance.ImageId, planned.amiId);
    assert.match(run.out, new RegExp(`AMI\\s+${planned.amiId} \\(${planned.method}`));
    assert.match(run.out, new RegExp(`aws ssm start-session --target ${instanceId} --region ${REGION}`));
    assert.match(run.out, /pulumi up took \d+s \(measured\); usable after .* \(estimate\)/);
    // Progress came from the engine's events, as it happened.
    assert.match(run.err, /create aws:ec2\/instance:Instance my-research/);
    // The default state: a file backend and a generated passphrase only the user can read.
    const passphrase = path.join(stateDir(), "passphrase");
    assert.equal(fs.statSync(passphrase).mode & 0o777, 0o600);
    assert.ok(
      fs.existsSync(path.join(stateDir(), ".pulumi", "stacks", "cloudworkstation-workstations", "my-research.json")),
    );
  });

  it("cws list shows the workstation from its stack's outputs and EC2's state: template, region, AMI, method, age, $/h", async () => {
    const run = await cws("list", "--json");
    assert.equal(run.code, 0, run.err);
    const [row, ...others] = JSON.parse(run.out) as Record<string, unknown>[];
    assert.deepEqual(others, []);
    assert.equal(row.name, "my-research");
    assert.equal(row.template, "python-ml");
    assert.equal(row.region, REGION);
    assert.equal(row.instanceId, instanceId);
    assert.equal(row.state, "running");
    assert.equal(typeof row.estimatedCostPerHour, "number");
    assert.ok(Date.now() - Date.parse(row.launchTime as string) < 600_000, String(row.launchTime));
    const table = await cws("list");
    assert.match(table.out, /NAME\s+TEMPLATE\s+REGION\s+AMI\s+METHOD\s+STATE\s+AGE/);
    assert.match(
      table.out,
      new RegExp(
        `my-research\\s+python-ml\\s+${REGION}\\s+${row.amiId}\\s+${row.method}\\s+running\\s+\\d+[smh]\\s+\\$`,
      ),
    );
  });

  it("cws stop stops the instance in EC2 and cws start starts it again; list follows", async () => {
    const stopped = await cws("stop", "my-research");
    assert.equal(stopped.code, 0, stopped.err);
    assert.match(
      stopped.out,
      new RegExp(`Stopped workstation my-research: instance ${instanceId} in ${REGION} is stopp(ed|ing)`),
    );
    assert.match((await liveInstances(moto!, REGION))[0].State?.Name ?? "", /stopp(ed|ing)/);
    assert.match((await cws("list")).out, /my-research\s+.*\s+stopp(ed|ing)\s/);
    const started = await cws("start", "my-research", "--json");
    assert.equal(started.code, 0, started.err);
    assert.match((JSON.parse(started.out) as { state: string }).state, /pending|running/);
    assert.match((await liveInstances(moto!, REGION))[0].State?.Name ?? "", /pending|running/);
  });

  let savedImageId: string;

  it("cws ami create <template> <workstation> images the workstation's instance by its name, in the workstation's region", async () => {
    const run = await labCws("ami", "create", "my-env", "my-research", "--mode", "no-reboot", "--yes", "--json");
    assert.equal(run.code, 0, `${run.out}\n${run.err}`);
    const { Images = [] } = await moto!
      .clients()
      .ec2(REGION)
      .send(new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "name", Values: ["*my-env*"] }] }));
    assert.equal(Images.length, 1, JSON.stringify(Images.map((image) => image.Name)));
    savedImageId = Images[0].ImageId as string;
    assert.ok(run.out.includes(savedImageId), run.out);
    assert.ok(fs.existsSync(path.join(templatesDir(), "my-env.yml")));
  });

  it("cws destroy without a terminal and without --yes refuses (exit 2) and keeps the workstation", async () => {
    const run = await cws("destroy", "my-research");
    assert.equal(run.code, 2, run.err);
    assert.match(run.err, /not a terminal, so not asking: pass --yes to proceed/);
    assert.equal((await liveInstances(moto!, REGION)).length, 1);
  });

  it("cws destroy my-research --yes terminates the instance and removes its stack", async () => {
    const run = await cws("destroy", "my-research", "--yes");
    assert.equal(run.code, 0, `${run.out}\n${run.err}`);
    assert.match(run.out, new RegExp(`Destroyed workstation my-research \\(instance ${instanceId} in ${REGION}\\)`));
    assert.deepEqual(await liveInstances(moto!, REGION), []);
    assert.equal(
      fs.existsSync(path.join(stateDir(), ".pulumi", "stacks", "cloudworkstation-workstations", "my-research.json")),
      false,
    );
    // The image saved from it is kept.
    const { Images = [] } = await moto!
      .clients()
      .ec2(REGION)
      .send(new DescribeImagesCommand({ ImageIds: [savedImageId] }));
    assert.equal(Images[0]?.State, "available");
    const again = await cws("destroy", "my-research", "--yes");
    assert.equal(again.code, 2);
    assert.match(again.err, /no workstation "my-research" in file:\/\//);
  });

  it("a launch that needs a cross-region copy asks first: without a terminal and without --yes it exits 2 and creates nothing", async () => {
    const run = await labCws("launch", "smith-lab-ml", "lab-copy", "--region", REGION, "--allow-copy");
    assert.equal(run.code, 2, `${run.out}\n${run.err}`);
    assert.match(run.err, /cws launch: This copies ami-\S+ from us-east-1 to us-west-2 \(about \d+ min/);
    assert.match(run.err, /not a terminal, so not asking: pass --yes to proceed/);
    assert.deepEqual(await liveInstances(moto!, REGION), []);
    assert.equal(
      fs.existsSync(path.join(stateDir(), ".pulumi", "stacks", "cloudworkstation-workstations", "lab-copy.json")),
      false,
    );
  });

  it("a script fallback where the template expected an AMI goes ahead with --yes and launches in script mode", async () => {
    const refused = await labCws(
      "launch",
      "smith-lab-ml",
      "lab-script",
      "--region",
      REGION,
      "--strategy",
      "ami_preferred",
    );
    assert.equal(refused.code, 2, refused.err);
    assert.match(refused.err, /provisioned by script at boot/);
    assert.deepEqual(await liveInstances(moto!, REGION), []);

    const run = await labCws(
      "launch",
      "smith-lab-ml",
      "lab-script",
      "--region",
      REGION,
      "--strategy",
      "ami_preferred",
      "--yes",
    );
    assert.equal(run.code, 0, `${run.out}\n${run.err}`);
    assert.match(run.out, /AMI\s+ami-\S+ \(fallback_script, launch mode script\)/);
    assert.equal((await liveInstances(moto!, REGION)).length, 1);
    const destroyed = await cws("destroy", "lab-script", "--yes");
    assert.equal(destroyed.code, 0, destroyed.err);
    assert.deepEqual(await liveInstances(moto!, REGION), []);
  });

  it("Ctrl-C during cws launch cancels the engine's update, exits 130 and says how to finish; cws destroy then cleans up", async () => {
    const child = spawn(process.execPath, [CWS_MAIN, "launch", "python-ml", "interrupted", "--region", REGION], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    const closed = new Promise<number | null>((resolve) => child.once("close", resolve));
    const started = new Promise<void>((resolve) =>
      child.stderr.on("data", (chunk) => {
        err += String(chunk);
        if (err.includes("create cloudworkstation:index:ResearchWorkstation interrupted …")) resolve();
      }),
    );
    await started;
    child.kill("SIGINT");
    const code = await closed;
    assert.equal(code, 130, err);
    assert.match(err, /cws: cancelling the operation on interrupted/);
    assert.match(err, /cws: the operation on interrupted was cancelled/);
    assert.match(err, /remove it all with `cws destroy interrupted`, or run the same command again to finish/);
    const listed = JSON.parse((await cws("list", "--json")).out) as { name: string }[];
    assert.ok(
      listed.some((row) => row.name === "interrupted"),
      JSON.stringify(listed),
    );
    const destroyed = await cws("destroy", "interrupted", "--yes");
    assert.equal(destroyed.code, 0, destroyed.err);
    assert.deepEqual(await liveInstances(moto!, REGION), []);
  });

  describe("a lab's team backend: Pulumi's S3 backend on moto's S3 (bucket and lock object made with boto3)", () => {
    const BUCKET = "lab-state";
    let backend: string;
    /** Two researchers on two laptops: their own config directories, the lab's backend and shared passphrase. */
    const as = (user: string, ...args: string[]) =>
      runCws([...args, "--backend", backend], {
        ...env,
        XDG_CONFIG_HOME: path.join(sandbox!.root, `${user}-config`),
        PULUMI_CONFIG_PASSPHRASE: "the lab's shared passphrase",
      });
    const LOCK_KEY =
      ".pulumi/locks/organization/cloudworkstation-workstations/team-alice/0b5c3b4e-6a57-4d0e-9d55-4f3c7a4f2f10.json";
    /** One S3 call on moto through boto3 (moto's own dependency; the project has no S3 client of its own). */
    const s3 = (call: string, args: Record<string, string>) => {
      const python = spawnSync(
        process.env.CWS_PYTHON ?? "python3",
        [
          "-c",
          "import boto3, json, sys; s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1'); " +
            "getattr(s3, sys.argv[2])(**json.loads(sys.argv[3]))",
          moto!.endpoint,
          call,
          JSON.stringify(args),
        ],
        { encoding: "utf8", env: { ...process.env, ...moto!.env() } },
      );
      assert.equal(python.status, 0, `boto3 s3.${call}: ${python.stderr}`);
    };

    before(async () => {
      s3("create_bucket", { Bucket: BUCKET });
      const host = new URL(moto!.endpoint).host;
      backend = `s3://${BUCKET}?endpoint=${host}&disableSSL=true&s3ForcePathStyle=true&region=us-east-1`;
    });

    it("two users launching different workstations at the same time both succeed, and each sees both", async () => {
      const [alice, bob] = await Promise.all([
        as("alice", "launch", "python-ml", "team-alice", "--region", REGION),
        as("bob", "launch", "python-ml", "team-bob", "--region", REGION),
      ]);
      assert.equal(alice.code, 0, alice.err);
      assert.equal(bob.code, 0, bob.err);
      assert.equal((await liveInstances(moto!, REGION)).length, 2);
      const listed = JSON.parse((await as("bob", "list", "--json")).out) as { name: string; state: string }[];
      assert.deepEqual(listed.map((row) => [row.name, row.state]).sort(), [
        ["team-alice", "running"],
        ["team-bob", "running"],
      ]);
    });

    it("destroying a workstation another user is changing fails with who holds the lock, and changes nothing", async () => {
      // alice's operation in progress, as Pulumi records it: a lock object beside the stack's state.
      s3("put_object", {
        Bucket: BUCKET,
        Key: LOCK_KEY,
        Body: JSON.stringify({
          pid: 4242,
          username: "alice",
          hostname: "alice-laptop",
          timestamp: "2026-12-07T05:00:00Z",
        }),
      });
      const run = await as("bob", "destroy", "team-alice", "--yes");
      assert.equal(run.code, 1, run.err);
      assert.match(
        run.err,
        /workstation team-alice is locked by alice@alice-laptop \(pid 4242, since 2026-12-07T05:00:00Z\)/,
      );
      assert.match(run.err, /changed nothing in its stack/);
      assert.equal((await liveInstances(moto!, REGION)).length, 2);

      s3("delete_object", { Bucket: BUCKET, Key: LOCK_KEY });
      for (const name of ["team-alice", "team-bob"]) {
        const destroyed = await as("bob", "destroy", name, "--yes");
        assert.equal(destroyed.code, 0, destroyed.err);
      }
      assert.deepEqual(await liveInstances(moto!, REGION), []);
    });
  });
});
