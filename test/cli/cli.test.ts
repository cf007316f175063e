import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import { CreateImageCommand, DeregisterImageCommand, RunInstancesCommand } from "@aws-sdk/client-ec2";
import YAML from "yaml";
import { TIER_ORDER, type ResolutionResult } from "../../src/resolver/types";
import { MotoServer, startMoto } from "../../harness/moto";

/**
 * The built `cws` binary (dist/src/cli/main.js) against moto. The binary is (re)built with `tsc -p .` when missing or
 * older than the sources; tsc emits even when other in-progress files have type errors.
 */
const ROOT = path.resolve(__dirname, "..", "..");
const MAIN = path.join(ROOT, "dist", "src", "cli", "main.js");
const NOBLE_PARAM = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id";
const LAB_PARAM = "/cws-test/lab/ami-id";
const CANONICAL = "099720109477";
const SQUATTER = "210987654321";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function ensureBuilt(): void {
  const sources = Math.max(newestMtime(path.join(ROOT, "src")), fs.statSync(path.join(ROOT, "package.json")).mtimeMs);
  if (fs.existsSync(MAIN) && fs.statSync(MAIN).mtimeMs >= sources) return;
  spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", ROOT], {
    stdio: "ignore",
  });
  assert.ok(fs.existsSync(MAIN), `tsc did not emit ${MAIN}`);
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe("the cws binary (built, against moto)", function () {
  this.timeout(120_000);
  let moto: MotoServer;
  let dir: string;
  let home: string;

  /** Runs `node dist/src/cli/main.js …` with moto's environment (AWS_REGION=us-east-1) unless overridden. */
  function cws(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
    const base: Record<string, string | undefined> = {
      PATH: process.env.PATH,
      HOME: home,
      AWS_CONFIG_FILE: path.join(home, "no-config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, "no-credentials"),
      ...moto.env(),
      ...env,
    };
    const clean = Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<string, string>;
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [MAIN, ...args], {
        env: clean,
        cwd: home,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c) => (stdout += String(c)));
      child.stderr.on("data", (c) => (stderr += String(c)));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  }

  function writeTemplate(name: string, body: object | string): string {
    const file = path.join(dir, `${name}.yml`);
    fs.writeFileSync(file, typeof body === "string" ? body : YAML.stringify({ name, ...body }));
    return file;
  }

  async function publishNobleParameter(
    region: string,
    value = "ami-00c41000000000002",
    name = NOBLE_PARAM,
  ): Promise<void> {
    await moto
      .clients()
      .ssm(region)
      .send(new PutParameterCommand({ Name: name, Value: value, Type: "String", Overwrite: true }));
  }

  before(async function () {
    this.timeout(300_000);
    ensureBuilt();
    moto = await startMoto();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-cli-"));
    home = fs.mkdtempSync(path.join(os.tmpdir(), "cws-home-"));
    // ✗ then ✓: the mapped image is the name-squatter's (untrusted), the Canonical search finds the real one.
    writeTemplate("squatted", {
      description: "mapping to a squatter image, Canonical search behind it",
      base: "ubuntu-24.04",
      ami_config: {
        ami_mappings: { "us-east-1": "ami-00bad000000000001" },
        ami_search: {
          owners: [CANONICAL, SQUATTER],
          name_pattern: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*",
        },
        trusted_owners: [CANONICAL],
      },
    });
    writeTemplate("pinned-required", {
      ami_config: {
        strategy: "ami_required",
        ami_mappings: { "us-east-1": "ami-0123456789abcdef0", "eu-west-1": "ami-0123456789abcdef0" },
      },
    });
    writeTemplate("ssm-lab", {
      base: "ubuntu-24.04",
      ami_config: { ssm_parameter: LAB_PARAM, trusted_owners: [CANONICAL] },
    });
    writeTemplate("ssm-noble", {
      base: "ubuntu-24.04",
      ami_config: { ssm_parameter: NOBLE_PARAM, trusted_owners: [CANONICAL] },
    });
    writeTemplate("east2-only", {
      base: "ubuntu-24.04",
      ami_config: {
        ami_mappings: { "us-east-2": { x86_64: "ami-00c41000000000002", arm64: "ami-00c41000000000003" } },
        trusted_owners: [CANONICAL],
      },
    });
    writeTemplate("lab-parent", {
      description: "parent",
      base: "ubuntu-24.04",
      packages: { system: ["git", "htop"], pip: ["numpy"] },
      tags: { Lab: "genomics" },
    });
    writeTemplate("lab-child", {
      inherits: "lab-parent",
      packages: { pip: ["pandas"] },
      instance_defaults: { size: "L" },
    });
  });

  after(async () => {
    await moto?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await moto.reset();
  });

  it("resolve shows the fallback chain with ✗ for the refused mapping, ✓ for the search, and labels estimates", async () => {
    const run = await cws(["ami", "resolve", "squatted", "--templates-dir", dir]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Result +AMI ami-00c41000000000002 \(via dynamic_search\)/);
    assert.match(run.stdout, /✗ +direct_mapping +rejected +.*210987654321/);
    assert.match(run.stdout, /✓ +dynamic_search +selected +selected ami-00c41000000000002/);
    assert.match(run.stdout, /– +marketplace +skipped +an earlier tier selected/);
    assert.match(run.stdout, /until usable \(estimate\)/);
    assert.match(run.stdout, /Cost \(estimate\):/);
    assert.ok(!run.stdout.includes("\x1b["), "no colours when stdout is not a TTY");
    assert.equal(run.stderr.replace(/\s/g, ""), "", "no progress output when stderr is not a TTY");
  });

  it("resolve --json prints exactly one ResolutionResult on stdout and nothing else", async () => {
    await publishNobleParameter("us-east-1");
    const run = await cws(["ami", "resolve", "ssm-noble", "--json", "--templates-dir", dir]);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as ResolutionResult;
    assert.equal(run.stdout, `${JSON.stringify(result, null, 2)}\n`, "stdout is the JSON document and nothing more");
    assert.equal(result.template, "ssm-noble");
    assert.equal(result.region, "us-east-1");
    assert.equal(result.method, "ssm_parameter");
    assert.equal(result.amiId, "ami-00c41000000000002");
    assert.deepEqual(
      result.fallbackChain.map((s) => s.tier),
      [...TIER_ORDER],
    );
    for (const key of ["strategy", "architecture", "instanceType", "warnings", "estimatedLaunchSeconds", "cost"])
      assert.ok(key in result, key);
    assert.match(result.cost.label, /estimate/i);
  });

  it("a global --json before the command and --region after it are both honoured", async () => {
    await publishNobleParameter("eu-west-1", "ami-00c41000000000001");
    const run = await cws(["--json", "ami", "resolve", "ssm-noble", "--region", "eu-west-1", "--templates-dir", dir]);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as ResolutionResult;
    assert.equal(result.region, "eu-west-1");
    assert.equal(result.amiId, "ami-00c41000000000001");
  });

  it("--allow-copy is wired: the copy plan appears only with consent, labelled with estimated time and cost", async () => {
    const run = await cws([
      "ami",
      "resolve",
      "east2-only",
      "--allow-copy",
      "--strategy",
      "ami_required",
      "--templates-dir",
      dir,
    ]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /Result +copy needed: ami-00c41000000000002 in us-east-2 → us-east-1/);
    assert.match(
      run.stdout,
      /Copy plan +ami-00c41000000000002 \(us-east-2\) → us-east-1, ~\d+ min and \$[\d.]+ \(estimate\), consented/,
    );
    assert.match(run.stdout, /✓ +cross_region +selected +\[us-east-2\]|✓ +cross_region +selected/);
    const without = await cws([
      "ami",
      "resolve",
      "east2-only",
      "--strategy",
      "ami_required",
      "--json",
      "--templates-dir",
      dir,
    ]);
    assert.equal(without.code, 3);
    assert.equal((JSON.parse(without.stdout) as ResolutionResult).copyPlan, undefined);
  });

  it("--arch, --size and --instance-type are wired into the resolution", async () => {
    const arm = JSON.parse(
      (
        await cws([
          "ami",
          "resolve",
          "east2-only",
          "--region",
          "us-east-2",
          "--arch",
          "arm64",
          "--size",
          "L",
          "--json",
          "--templates-dir",
          dir,
        ])
      ).stdout,
    ) as ResolutionResult;
    assert.equal(arm.architecture, "arm64");
    assert.equal(arm.amiId, "ami-00c41000000000003");
    assert.match(arm.instanceType, /^m\d+g\.2xlarge$/);
    const pinned = JSON.parse(
      (
        await cws([
          "ami",
          "resolve",
          "east2-only",
          "--region",
          "us-east-2",
          "--instance-type",
          "m6i.large",
          "--json",
          "--templates-dir",
          dir,
        ])
      ).stdout,
    ) as ResolutionResult;
    assert.equal(pinned.instanceType, "m6i.large");
    assert.equal(pinned.amiId, "ami-00c41000000000002");
    const contradiction = await cws([
      "ami",
      "resolve",
      "east2-only",
      "--region",
      "us-east-2",
      "--instance-type",
      "m6i.large",
      "--arch",
      "arm64",
      "--templates-dir",
      dir,
    ]);
    assert.equal(contradiction.code, 2, "an InvalidInputError from the engine is exit 2");
    assert.match(contradiction.stderr, /m6i\.large/);
  });

  it("ami_required with no usable AMI exits 3 and still lists the chain", async () => {
    const run = await cws(["ami", "resolve", "pinned-required", "--templates-dir", dir]);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stdout, /Result +unresolvable/);
    assert.match(run.stdout, /✗ +direct_mapping +rejected +.*ami-0123456789abcdef0/);
    assert.match(run.stdout, /– +fallback_script +skipped +strategy ami_required/);
    const json = await cws(["ami", "resolve", "pinned-required", "--json", "--templates-dir", dir]);
    assert.equal(json.code, 3);
    assert.equal((JSON.parse(json.stdout) as ResolutionResult).method, "failed");
  });

  it("test --regions a,b,c --json gives one result per region, in order, and exits 3 when one is unresolvable", async () => {
    await publishNobleParameter("us-east-1", "ami-00c41000000000002", LAB_PARAM);
    await publishNobleParameter("eu-west-1", "ami-00c41000000000001", LAB_PARAM);
    const run = await cws([
      "ami",
      "test",
      "ssm-lab",
      "--regions",
      "us-east-1,eu-west-1,ap-south-1",
      "--strategy",
      "ami_required",
      "--json",
      "--templates-dir",
      dir,
    ]);
    const results = JSON.parse(run.stdout) as ResolutionResult[];
    assert.deepEqual(
      results.map((r) => r.region),
      ["us-east-1", "eu-west-1", "ap-south-1"],
    );
    assert.deepEqual(
      results.map((r) => r.method),
      ["ssm_parameter", "ssm_parameter", "failed"],
    );
    assert.deepEqual(
      results.map((r) => r.amiId),
      ["ami-00c41000000000002", "ami-00c41000000000001", undefined],
    );
    assert.equal(run.code, 3);
  });

  it("test prints one row per region and a summary line (script fallback counts as resolved)", async () => {
    await publishNobleParameter("us-east-1", "ami-00c41000000000002", LAB_PARAM);
    // eu-west-1 has no lab image, only the stock Ubuntu base for the script path.
    await publishNobleParameter("eu-west-1", "ami-00c41000000000001");
    const run = await cws(["ami", "test", "ssm-lab", "--regions", "us-east-1,eu-west-1", "--templates-dir", dir]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /✓ +us-east-1 +ami-00c41000000000002 +ssm_parameter/);
    assert.match(run.stdout, /~ +eu-west-1 +script +~\d+ min setup \(estimate\)/);
    assert.match(run.stdout, /2 regions: 1 AMI, 1 script fallback, 0 copy needed, 0 failed/);
  });

  it("test --regions warns with a did-you-mean for a region CloudWorkstation does not know, and still asks AWS there", async () => {
    const run = await cws(["ami", "test", "ssm-lab", "--regions", "us-east-1,eu-west-9", "--templates-dir", dir]);
    assert.match(
      run.stderr,
      /warning: --regions: region "eu-west-9" is not one of the AWS regions .*did you mean "eu-west-1"/,
    );
    assert.match(run.stdout, /eu-west-9/);
  });

  it("test --all-regions covers every region of the fallback map (at least the 17 originals)", async () => {
    const run = await cws(["ami", "test", "squatted", "--all-regions", "--json", "--templates-dir", dir]);
    const results = JSON.parse(run.stdout) as ResolutionResult[];
    assert.ok(results.length >= 17, `only ${results.length} regions`);
    for (const region of ["us-east-1", "eu-north-1", "ap-northeast-3", "sa-east-1"])
      assert.ok(
        results.some((r) => r.region === region),
        region,
      );
    assert.equal(run.code, 0, run.stderr);
  });

  it("an unknown flag is exit 2 with the usage line, not ignored", async () => {
    const run = await cws(["ami", "resolve", "squatted", "--fast", "--templates-dir", dir]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /unknown option --fast/);
    assert.match(run.stderr, /usage: cws ami resolve <template>/);
  });

  it("bad flag values and contradictory flags are exit 2", async () => {
    for (const args of [
      ["--size", "HUGE"],
      ["--arch", "sparc"],
      ["--strategy", "yolo"],
      ["--size", "M", "--instance-type", "m7i.large"],
      ["--region", "us-east1"],
    ]) {
      const run = await cws(["ami", "resolve", "squatted", ...args, "--templates-dir", dir]);
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    }
  });

  it("an unknown template is exit 2 and names the directories searched", async () => {
    const run = await cws(["ami", "resolve", "no-such-template", "--templates-dir", dir]);
    assert.equal(run.code, 2);
    assert.ok(run.stderr.includes(dir), run.stderr);
  });

  it("--templates-dir is honoured: a template only in that directory is found with it and not without it", async () => {
    const withDir = await cws(["costs", "lab-child", "--templates-dir", dir]);
    assert.equal(withDir.code, 0, withDir.stderr);
    const without = await cws(["costs", "lab-child"]);
    assert.equal(without.code, 2);
    const missing = await cws(["costs", "lab-child", "--templates-dir", path.join(dir, "nope")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--templates-dir .*nope does not exist; create it first \(mkdir -p .*nope\)/);
  });

  it("no region anywhere is exit 2 with a message saying how to set one", async () => {
    const run = await cws(["ami", "resolve", "squatted", "--templates-dir", dir], {
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
    });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no AWS region: pass --region .* AWS_REGION/);
  });

  it("AWS_DEFAULT_REGION is used when AWS_REGION is not set", async () => {
    const run = await cws(["costs", "lab-child", "--json", "--templates-dir", dir], {
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: "eu-west-1",
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).region, "eu-west-1");
  });

  it("the region of the AWS_PROFILE's section in the config file is used when nothing else gives one", async () => {
    const config = path.join(home, "aws-config");
    fs.writeFileSync(config, "[default]\nregion = us-west-2\n\n[profile lab]\nregion = eu-west-2\n");
    const run = await cws(["costs", "lab-child", "--json", "--templates-dir", dir], {
      AWS_REGION: undefined,
      AWS_CONFIG_FILE: config,
      AWS_PROFILE: "lab",
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).region, "eu-west-2");
  });

  it("template validate reports every error of every file as file:line:col and exits 2", async () => {
    const broken = writeTemplate(
      "broken",
      [
        "name: broken",
        "base: ubuntu-24.04",
        "ami_config:",
        "  ami_search:",
        "    name_pattern: ubuntu-*",
        "  strategy: sometimes",
        "",
      ].join("\n"),
    );
    const good = writeTemplate("good", { base: "debian-12" });
    const run = await cws(["template", "validate", broken, good, "--templates-dir", dir]);
    assert.equal(run.code, 2);
    assert.match(run.stdout, /broken\.yml:[45]:\d+ ami_config\.ami_search: owners is required/);
    assert.match(run.stdout, /broken\.yml:6:13 ami_config\.strategy: .*sometimes/);
    assert.match(run.stdout, /good\.yml: ✓ valid/);
    const ok = await cws(["template", "validate", good]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  });

  it("template show prints the merged template as YAML that parses back, with the parent's fields", async () => {
    const run = await cws(["template", "show", "lab-child", "--templates-dir", dir]);
    assert.equal(run.code, 0, run.stderr);
    const shown = YAML.parse(run.stdout) as {
      name: string;
      base: string;
      tags: Record<string, string>;
      packages: { pip: string[] };
      instance_defaults: { size: string };
    };
    assert.equal(shown.name, "lab-child");
    assert.equal(shown.base, "ubuntu-24.04");
    assert.deepEqual(shown.tags, { Lab: "genomics" });
    assert.ok(shown.packages.pip.includes("pandas"));
    assert.equal(shown.instance_defaults.size, "L");
    const json = await cws(["template", "show", "lab-child", "--json", "--templates-dir", dir]);
    assert.deepEqual(JSON.parse(json.stdout), shown);
  });

  it("costs prints the AMI vs script comparison labelled as an estimate with the price snapshot", async () => {
    const run = await cws(["costs", "lab-child", "--region", "eu-west-1", "--templates-dir", dir]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Cost estimate for lab-child in eu-west-1 \(estimate, not a measurement\)/);
    assert.match(run.stdout, /AMI +~45 s/);
    assert.match(run.stdout, /script +~\d+ min/);
    assert.match(run.stdout, /Estimates, not measurements/);
    assert.match(run.stdout, /price snapshot \d{4}-\d{2}/);
    const json = JSON.parse(
      (await cws(["costs", "lab-child", "--instance-type", "m7g.large", "--json", "--templates-dir", dir])).stdout,
    );
    assert.equal(json.instanceType, "m7g.large");
    assert.equal(json.architecture, "arm64");
    assert.ok(json.script.cost.setupCostUsd > 0);
    assert.equal(json.ami.cost.setupCostUsd, 0);
  });

  it("ami info describes a fixture AMI, and a deregistered one is exit 2", async () => {
    const run = await cws(["ami", "info", "ami-00c41000000000003"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Owner +099720109477/);
    assert.match(run.stdout, /Architecture +arm64/);
    assert.match(run.stdout, /Name +ubuntu\/images\/hvm-ssd-gp3\/ubuntu-noble-24\.04-arm64-server-20261030/);
    const json = JSON.parse((await cws(["ami", "info", "ami-00c41000000000003", "--json"])).stdout);
    assert.equal(json.amiId, "ami-00c41000000000003");
    assert.equal(json.state, "available");
    await moto
      .clients()
      .ec2("us-east-1")
      .send(new DeregisterImageCommand({ ImageId: "ami-00c41000000000003" }));
    const gone = await cws(["ami", "info", "ami-00c41000000000003"]);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /not found in us-east-1/);
    assert.equal((await cws(["ami", "info", "ami-xyz"])).code, 2);
  });

  it("ami list shows what a template's sources consider, marking the squatter's image untrusted", async () => {
    const run = await cws(["ami", "list", "--template", "squatted", "--json", "--templates-dir", dir]);
    assert.equal(run.code, 0, run.stderr);
    const listing = JSON.parse(run.stdout) as {
      images: Array<{ amiId: string; source: string; trusted: boolean; ownerId: string }>;
    };
    const squatter = listing.images.filter((i) => i.amiId === "ami-00bad000000000001");
    assert.ok(squatter.length >= 1 && squatter.every((i) => !i.trusted && i.ownerId === SQUATTER));
    assert.ok(
      listing.images.some((i) => i.source === "ami_search" && i.amiId === "ami-00c41000000000002" && i.trusted),
    );
    const human = await cws(["ami", "list", "--template", "squatted", "--templates-dir", dir]);
    assert.match(human.stdout, /ami-00bad000000000001 +210987654321 +x86_64 +2026-11-20 +available +no/);
  });

  it("ami list without --template lists this account's own images (and only those)", async () => {
    const ec2 = moto.clients().ec2("us-east-1");
    const { Instances = [] } = await ec2.send(
      new RunInstancesCommand({
        ImageId: "ami-00c41000000000001",
        MinCount: 1,
        MaxCount: 1,
        InstanceType: "m7i.large",
      }),
    );
    const { ImageId } = await ec2.send(
      new CreateImageCommand({
        InstanceId: Instances[0].InstanceId,
        Name: "cws-saved-lab",
        TagSpecifications: [{ ResourceType: "image", Tags: [{ Key: "Lab", Value: "genomics" }] }],
      }),
    );
    const run = await cws(["ami", "list", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const listing = JSON.parse(run.stdout) as { images: Array<{ amiId: string; ownerId: string; source: string }> };
    assert.deepEqual(
      listing.images.map((i) => [i.amiId, i.ownerId, i.source]),
      [[ImageId, "123456789012", "self"]],
    );
    const human = await cws(["ami", "list"]);
    assert.match(human.stdout, new RegExp(`${ImageId} +123456789012 +x86_64 .*cws-saved-lab`));
  });

  it("the shipped templates are listed, validate cleanly and resolve", async () => {
    const list = await cws(["template", "list", "--json"]);
    assert.equal(list.code, 0, list.stderr);
    const names = (JSON.parse(list.stdout) as Array<{ name: string }>).map((t) => t.name);
    for (const name of ["python-ml", "ubuntu-24.04-base"]) assert.ok(names.includes(name), `${name} not in ${names}`);
    const files = fs
      .readdirSync(path.join(ROOT, "templates"))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => path.join(ROOT, "templates", f));
    const validate = await cws(["template", "validate", ...files]);
    assert.equal(validate.code, 0, validate.stdout + validate.stderr);
    const resolve = await cws(["ami", "resolve", "python-ml", "--json"]);
    assert.ok(resolve.code === 0 || resolve.code === 3, resolve.stderr);
    assert.equal((JSON.parse(resolve.stdout) as ResolutionResult).template, "python-ml");
  });

  it("an unexpected error (AWS unreachable) is exit 1 with the message only; CWS_DEBUG=1 adds the stack", async () => {
    const unreachable = { AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_MAX_ATTEMPTS: "1" };
    const run = await cws(["ami", "info", "ami-00c41000000000003"], unreachable);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /^cws: .*ECONNREFUSED|^cws: .+/m);
    assert.doesNotMatch(run.stderr, /^\s+at /m, "no stack trace without CWS_DEBUG");
    const debug = await cws(["ami", "info", "ami-00c41000000000003"], { ...unreachable, CWS_DEBUG: "1" });
    assert.equal(debug.code, 1);
    assert.match(debug.stderr, /^\s+at /m);
  });

  it("--help works globally and per command, --version prints the package version", async () => {
    const help = await cws(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /ami resolve/);
    const commandHelp = await cws(["ami", "test", "-h"]);
    assert.equal(commandHelp.code, 0);
    assert.match(commandHelp.stdout, /usage: cws ami test <template>/);
    assert.match(commandHelp.stdout, /--all-regions/);
    const version = await cws(["--version"]);
    assert.equal(version.stdout.trim(), JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version);
    const bare = await cws([]);
    assert.equal(bare.code, 2);
    const unknown = await cws(["amy", "resolve"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "amy"/);
  });
});
