import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { DescribeImageAttributeCommand, DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { runCli } from "../../src/cli/cli";
import { EXIT } from "../../src/cli/command";
import type { AwsClients } from "../../src/core/clients";
import { loadTemplate } from "../../src/templates";
import { MotoServer, startMoto } from "../../harness/moto";
import { instanceState, noSleep, ownImages, runInstance } from "../imaging/helpers";
import { captureImage } from "../../src/imaging";
import { startFaultProxy } from "../../harness/fault-proxy";
import { createImageFromInstance, FIXTURE_BASE_IMAGES } from "../../harness/seed";

interface Run {
  code: number;
  out: string;
  err: string;
  questions: string[];
}

/**
 * `cws …` in-process through runCli (global options, the one error handler, exit codes), against moto. `isTTY` is
 * whether stderr (and so the question) is interactive; `answer` is the user's reply to any question.
 */
async function cws(
  moto: MotoServer,
  argv: string[],
  options: { isTTY?: boolean; answer?: boolean; clients?: AwsClients } = {},
): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk) => (out += String(chunk)));
  stderr.on("data", (chunk) => (err += String(chunk)));
  const questions: string[] = [];
  const code = await runCli(argv, {
    stdout,
    stderr,
    env: { AWS_REGION: "us-east-1" },
    stdoutIsTTY: false,
    stderrIsTTY: options.isTTY ?? true,
    clients: options.clients ?? moto.clients(),
    profileRegion: async () => undefined,
    confirm: async (question) => (questions.push(question), options.answer ?? false),
  });
  return { code, out, err, questions };
}

describe("cws save, cws ami copy and cws ami share (runCli in-process, moto)", () => {
  let moto: MotoServer;
  let dir: string;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-save-"));
  });

  it("asks before stopping the instance, and when refused changes nothing", async () => {
    const ec2 = moto.clients().ec2("us-east-1");
    const instanceId = await runInstance(ec2);
    const run = await cws(moto, ["save", instanceId, "my-env", "--templates-dir", dir], { answer: false });
    assert.equal(run.code, EXIT.ok);
    assert.equal(run.questions.length, 1);
    assert.match(run.questions[0], /will be STOPPED/);
    assert.match(run.err, /cancelled; nothing was changed/);
    assert.equal(await instanceState(ec2, instanceId), "running");
    assert.deepEqual(await ownImages(ec2), []);
    assert.equal(fs.existsSync(path.join(dir, "my-env.yml")), false);
  });

  it("exits 2 without a terminal or --yes, saying to pass --yes", async () => {
    const ec2 = moto.clients().ec2("us-east-1");
    const instanceId = await runInstance(ec2);
    const run = await cws(moto, ["save", instanceId, "my-env", "--templates-dir", dir], { isTTY: false });
    assert.equal(run.code, EXIT.invalidInput);
    assert.match(run.err, /pass --yes/);
    assert.equal(run.questions.length, 0);
    assert.deepEqual(await ownImages(ec2), []);
  });

  it("with --yes saves, copies, shares, writes a template that loads, and prints how to launch it", async () => {
    const ec2 = moto.clients().ec2("us-east-1");
    const instanceId = await runInstance(ec2);
    const run = await cws(
      moto,
      [
        "save",
        instanceId,
        "my-env",
        "--yes",
        "--templates-dir",
        dir,
        "--copy-to-regions",
        "eu-west-1",
        "--share-accounts",
        "210987654321",
        "--description",
        "RNA-seq env",
      ],
      { isTTY: false },
    );
    assert.equal(run.code, EXIT.ok, run.err);
    assert.equal(await instanceState(ec2, instanceId), "running");
    const file = path.join(dir, "my-env.yml");
    const { template } = loadTemplate(file);
    assert.equal(template.description, "RNA-seq env");
    const mappings = template.ami_config?.ami_mappings as Record<string, { x86_64: string }>;
    assert.deepEqual(Object.keys(mappings).sort(), ["eu-west-1", "us-east-1"]);
    assert.deepEqual(
      (await ownImages(ec2)).map((i) => i.ImageId),
      [mappings["us-east-1"].x86_64],
    );
    assert.deepEqual(
      (await ownImages(moto.clients().ec2("eu-west-1"))).map((i) => i.ImageId),
      [mappings["eu-west-1"].x86_64],
    );
    for (const region of ["us-east-1", "eu-west-1"]) {
      const { LaunchPermissions = [] } = await moto
        .clients()
        .ec2(region)
        .send(new DescribeImageAttributeCommand({ ImageId: mappings[region].x86_64, Attribute: "launchPermission" }));
      assert.deepEqual(
        LaunchPermissions.map((p) => p.UserId),
        ["210987654321"],
        region,
      );
    }
    assert.match(
      run.out,
      new RegExp(`cws ami resolve my-env --region us-east-1 --templates-dir ${dir.replace(/[/\\]/g, "\\$&")}`),
    );
    assert.match(run.out, /new ResearchWorkstation\("my-env"/);
    assert.match(run.err, /\[\s+\d+s\] stop instance i-/, "progress per step with elapsed time");
    assert.match(run.err, /\[\s+\d+s\] restart instance i-/);
  });

  it("keeps the image and writes the template with the regions that worked when one copy fails, exiting 1 (fault proxy)", async () => {
    const proxy = await startFaultProxy(moto.endpoint);
    try {
      const ec2 = moto.clients().ec2("us-east-1");
      const instanceId = await runInstance(ec2);
      proxy.fail({ action: "CopyImage", nth: 2 });
      const run = await cws(
        moto,
        ["save", instanceId, "partial", "--yes", "--templates-dir", dir, "--copy-to-regions", "eu-west-1,ap-south-1"],
        { clients: proxy.clients() },
      );
      assert.equal(run.code, EXIT.failure);
      assert.equal(await instanceState(ec2, instanceId), "running");
      const { template } = loadTemplate(path.join(dir, "partial.yml"));
      const regions = Object.keys(template.ami_config?.ami_mappings ?? {}).sort();
      assert.equal(regions.length, 2, `source + the copy that worked: ${regions.join(", ")}`);
      assert.ok(regions.includes("us-east-1"));
      const failed = ["eu-west-1", "ap-south-1"].find((r) => !regions.includes(r)) as string;
      assert.match(run.err, new RegExp(`some steps after it failed[\\s\\S]*${failed}: CopyImage`));
      assert.deepEqual(await ownImages(moto.clients().ec2(failed)), []);
    } finally {
      await proxy.stop();
    }
  });

  it("refuses to overwrite an existing template before touching the instance, unless --force", async () => {
    const ec2 = moto.clients().ec2("us-east-1");
    const instanceId = await runInstance(ec2);
    fs.writeFileSync(path.join(dir, "taken.yml"), "name: taken\n");
    const refused = await cws(moto, ["save", instanceId, "taken", "--yes", "--templates-dir", dir]);
    assert.equal(refused.code, EXIT.invalidInput);
    assert.match(refused.err, /already exists; pass --force/);
    assert.deepEqual(await ownImages(ec2), []);
    const forced = await cws(moto, [
      "save",
      instanceId,
      "taken",
      "--yes",
      "--force",
      "--mode",
      "no-reboot",
      "--templates-dir",
      dir,
    ]);
    assert.equal(forced.code, EXIT.ok, forced.err);
    assert.match(fs.readFileSync(path.join(dir, "taken.yml"), "utf8"), /ami_mappings/);
  });

  it("checks --copy-to-regions against the account's regions before stopping anything: a typo is exit 2 with a did-you-mean, a region not enabled says how to enable it", async () => {
    const ec2 = moto.clients().ec2("us-east-1");
    const instanceId = await runInstance(ec2);
    const typo = await cws(moto, [
      "save",
      instanceId,
      "typo",
      "--copy-to-regions",
      "us-west-2,eu-west-9",
      "--yes",
      "--templates-dir",
      dir,
    ]);
    assert.equal(typo.code, EXIT.invalidInput, typo.err);
    assert.match(
      typo.err,
      /--copy-to-regions: "eu-west-9" is not a region of this AWS account's partition; did you mean "eu-west-\d"\?/,
    );
    assert.doesNotMatch(typo.err, /us-west-2/, "an enabled region is not a problem");
    // moto lists ap-east-1 as an opt-in region this account has not enabled.
    const disabled = await cws(moto, [
      "save",
      instanceId,
      "typo",
      "--copy-to-regions",
      "ap-east-1",
      "--yes",
      "--templates-dir",
      dir,
    ]);
    assert.equal(disabled.code, EXIT.invalidInput, disabled.err);
    assert.match(
      disabled.err,
      /region "ap-east-1" exists but is not enabled for this account \(opt-in status not-opted-in\)/,
    );
    assert.match(disabled.err, /aws account enable-region --region-name ap-east-1/);
    assert.equal(await instanceState(ec2, instanceId), "running", "never stopped");
    assert.deepEqual(await ownImages(ec2), [], "nothing imaged");
    assert.equal(fs.existsSync(path.join(dir, "typo.yml")), false);
  });

  it("checks cws ami copy --to-regions and cws ami build --copy-to-regions the same way, before any copy or builder", async () => {
    const ec2 = moto.clients().ec2("us-east-1");
    const amiId = await createImageFromInstance(ec2, {
      sourceAmiId: FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64,
      name: "copy-source",
    });
    const copy = await cws(moto, ["ami", "copy", amiId, "--to-regions", "eu-west-1,us-west-3"]);
    assert.equal(copy.code, EXIT.invalidInput, copy.err);
    assert.match(
      copy.err,
      /--to-regions: "us-west-3" is not a region of this AWS account's partition; did you mean "us-west-\d"\?/,
    );
    assert.deepEqual(await ownImages(moto.clients().ec2("eu-west-1")), [], "no copy was started");

    fs.writeFileSync(path.join(dir, "bake.yml"), "name: bake\nbase: ubuntu-24.04\n");
    const build = await cws(moto, [
      "--templates-dir",
      dir,
      "ami",
      "build",
      "bake",
      "--copy-to-regions",
      "eu-west-9",
      "--yes",
    ]);
    assert.equal(build.code, EXIT.invalidInput, build.err);
    assert.match(
      build.err,
      /--copy-to-regions: "eu-west-9" is not a region of this AWS account's partition; did you mean/,
    );
    assert.doesNotMatch(build.err, /copyToRegions/, "named by the flag the user typed");
    const { Reservations = [] } = await ec2.send(new DescribeInstancesCommand({}));
    const launched = Reservations.flatMap((r) => r.Instances ?? []).filter((i) => i.State?.Name !== "terminated");
    assert.deepEqual(launched, [], "no builder was launched");
  });

  it("rejects unknown flags and bad modes with exit 2 and the usage line", async () => {
    const unknown = await cws(moto, ["save", "i-0123456789abcdef0", "x", "--reboot"]);
    assert.equal(unknown.code, EXIT.invalidInput);
    assert.match(unknown.err, /usage: cws save <instance-id> <template-name>/);
    const mode = await cws(moto, ["save", "i-0123456789abcdef0", "x", "--mode", "hibernate"]);
    assert.equal(mode.code, EXIT.invalidInput);
  });

  it("cws ami copy prints region → AMI as JSON, and cws ami share adds launch permissions", async () => {
    const ec2 = moto.clients().ec2("us-east-1");
    const instanceId = await runInstance(ec2);
    const source = await captureImage(ec2, {
      instanceId,
      region: "us-east-1",
      templateName: "src",
      mode: "no-reboot",
      sleep: noSleep,
    });
    const copy = await cws(moto, [
      "ami",
      "copy",
      source.amiId,
      "--source-region",
      "us-east-1",
      "--to-regions",
      "eu-west-1,ap-south-1",
      "--json",
    ]);
    assert.equal(copy.code, EXIT.ok, copy.err);
    const result = JSON.parse(copy.out) as {
      copies: Record<string, string>;
      failures: Record<string, string>;
    };
    assert.deepEqual(Object.keys(result.copies).sort(), ["ap-south-1", "eu-west-1"]);
    assert.deepEqual(result.failures, {});
    assert.deepEqual(
      (await ownImages(moto.clients().ec2("ap-south-1"))).map((i) => i.ImageId),
      [result.copies["ap-south-1"]],
    );

    const org = "arn:aws:organizations::111122223333:organization/o-abcdef1234";
    const share = await cws(
      moto,
      ["ami", "share", result.copies["eu-west-1"], "--region", "eu-west-1", "--organization-arns", org, "--public"],
      { answer: true },
    );
    assert.equal(share.code, EXIT.ok, share.err);
    assert.match(share.err, /warning: sharing publicly/);
    assert.match(share.questions[0], /launchable by EVERY AWS account/);
    const { LaunchPermissions = [] } = await moto
      .clients()
      .ec2("eu-west-1")
      .send(new DescribeImageAttributeCommand({ ImageId: result.copies["eu-west-1"], Attribute: "launchPermission" }));
    assert.deepEqual(LaunchPermissions.map((p) => p.OrganizationArn ?? p.Group).sort(), [org, "all"].sort());
    assert.equal((await cws(moto, ["ami", "share", source.amiId])).code, EXIT.invalidInput, "nothing to share with");
  });
});
