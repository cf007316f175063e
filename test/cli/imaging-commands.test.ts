import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { DescribeImageAttributeCommand } from "@aws-sdk/client-ec2";
import { EXIT, type CliContext } from "../../src/cli/command";
import { amiCopyCommand } from "../../src/cli/commands/ami-copy";
import { amiShareCommand } from "../../src/cli/commands/ami-share";
import { saveCommand } from "../../src/cli/commands/save";
import { loadTemplate } from "../../src/templates";
import { MotoServer, startMoto } from "../../harness/moto";
import { instanceState, noSleep, ownImages, runInstance } from "../imaging/helpers";
import { captureImage } from "../../src/imaging";
import { startFaultProxy } from "../../harness/fault-proxy";

interface FakeContext extends CliContext {
  out(): string;
  err(): string;
  questions: string[];
}

function fakeContext(moto: MotoServer, options: { isTTY?: boolean; answer?: boolean } = {}): FakeContext {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk) => (out += String(chunk)));
  stderr.on("data", (chunk) => (err += String(chunk)));
  const questions: string[] = [];
  return {
    stdout,
    stderr,
    isTTY: options.isTTY ?? true,
    env: {},
    clients: moto.clients(),
    templatesDirs: [],
    defaultRegion: "us-east-1",
    confirm: async (question) => (questions.push(question), options.answer ?? false),
    out: () => out,
    err: () => err,
    questions,
  };
}

describe("cws save, cws ami copy and cws ami share (fake CLI context, moto)", () => {
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
    const context = fakeContext(moto, { answer: false });
    const code = await saveCommand.run([instanceId, "my-env", "--templates-dir", dir], context);
    assert.equal(code, EXIT.ok);
    assert.equal(context.questions.length, 1);
    assert.match(context.questions[0], /will be STOPPED/);
    assert.match(context.err(), /cancelled; nothing was changed/);
    assert.equal(await instanceState(ec2, instanceId), "running");
    assert.deepEqual(await ownImages(ec2), []);
    assert.equal(fs.existsSync(path.join(dir, "my-env.yml")), false);
  });

  it("exits 2 without a terminal or --yes, saying to pass --yes", async () => {
    const ec2 = moto.clients().ec2("us-east-1");
    const instanceId = await runInstance(ec2);
    const context = fakeContext(moto, { isTTY: false });
    assert.equal(await saveCommand.run([instanceId, "my-env", "--templates-dir", dir], context), EXIT.invalidInput);
    assert.match(context.err(), /pass --yes/);
    assert.equal(context.questions.length, 0);
    assert.deepEqual(await ownImages(ec2), []);
  });

  it("with --yes saves, copies, shares, writes a template that loads, and prints how to launch it", async () => {
    const ec2 = moto.clients().ec2("us-east-1");
    const instanceId = await runInstance(ec2);
    const context = fakeContext(moto, { isTTY: false });
    const code = await saveCommand.run(
      [
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
      context,
    );
    assert.equal(code, EXIT.ok, context.err());
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
      context.out(),
      new RegExp(`cws ami resolve my-env --region us-east-1 --templates-dir ${dir.replace(/[/\\]/g, "\\$&")}`),
    );
    assert.match(context.out(), /new ResearchWorkstation\("my-env"/);
    assert.match(context.err(), /\[\s+\d+s\] stop instance i-/, "progress per step with elapsed time");
    assert.match(context.err(), /\[\s+\d+s\] restart instance i-/);
  });

  it("keeps the image and writes the template with the regions that worked when one copy fails, exiting 1 (fault proxy)", async () => {
    const proxy = await startFaultProxy(moto.endpoint);
    try {
      const ec2 = moto.clients().ec2("us-east-1");
      const instanceId = await runInstance(ec2);
      proxy.fail({ action: "CopyImage", nth: 2 });
      const context = { ...fakeContext(moto), clients: proxy.clients() };
      const code = await saveCommand.run(
        [instanceId, "partial", "--yes", "--templates-dir", dir, "--copy-to-regions", "eu-west-1,ap-south-1"],
        context,
      );
      assert.equal(code, EXIT.failure);
      assert.equal(await instanceState(ec2, instanceId), "running");
      const { template } = loadTemplate(path.join(dir, "partial.yml"));
      const regions = Object.keys(template.ami_config?.ami_mappings ?? {}).sort();
      assert.equal(regions.length, 2, `source + the copy that worked: ${regions.join(", ")}`);
      assert.ok(regions.includes("us-east-1"));
      const failed = ["eu-west-1", "ap-south-1"].find((r) => !regions.includes(r)) as string;
      assert.match(
        (context.err as () => string)(),
        new RegExp(`some steps after it failed[\\s\\S]*${failed}: CopyImage`),
      );
      assert.deepEqual(await ownImages(moto.clients().ec2(failed)), []);
    } finally {
      await proxy.stop();
    }
  });

  it("refuses to overwrite an existing template before touching the instance, unless --force", async () => {
    const ec2 = moto.clients().ec2("us-east-1");
    const instanceId = await runInstance(ec2);
    fs.writeFileSync(path.join(dir, "taken.yml"), "name: taken\n");
    const context = fakeContext(moto);
    assert.equal(
      await saveCommand.run([instanceId, "taken", "--yes", "--templates-dir", dir], context),
      EXIT.invalidInput,
    );
    assert.match(context.err(), /already exists; pass --force/);
    assert.deepEqual(await ownImages(ec2), []);
    assert.equal(
      await saveCommand.run(
        [instanceId, "taken", "--yes", "--force", "--mode", "no-reboot", "--templates-dir", dir],
        fakeContext(moto),
      ),
      EXIT.ok,
    );
    assert.match(fs.readFileSync(path.join(dir, "taken.yml"), "utf8"), /ami_mappings/);
  });

  it("rejects unknown flags and bad modes with exit 2 and the usage line", async () => {
    const context = fakeContext(moto);
    assert.equal(await saveCommand.run(["i-0123456789abcdef0", "x", "--reboot"], context), EXIT.invalidInput);
    assert.match(context.err(), /usage: cws save <instance-id> <template-name>/);
    assert.equal(
      await saveCommand.run(["i-0123456789abcdef0", "x", "--mode", "hibernate"], fakeContext(moto)),
      EXIT.invalidInput,
    );
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
    const copyContext = fakeContext(moto);
    assert.equal(
      await amiCopyCommand.run(
        [source.amiId, "--source-region", "us-east-1", "--to-regions", "eu-west-1,ap-south-1", "--json"],
        copyContext,
      ),
      EXIT.ok,
      copyContext.err(),
    );
    const result = JSON.parse(copyContext.out()) as {
      copies: Record<string, string>;
      failures: Record<string, string>;
    };
    assert.deepEqual(Object.keys(result.copies).sort(), ["ap-south-1", "eu-west-1"]);
    assert.deepEqual(result.failures, {});
    assert.deepEqual(
      (await ownImages(moto.clients().ec2("ap-south-1"))).map((i) => i.ImageId),
      [result.copies["ap-south-1"]],
    );

    const shareContext = fakeContext(moto);
    const org = "arn:aws:organizations::111122223333:organization/o-abcdef1234";
    assert.equal(
      await amiShareCommand.run(
        [result.copies["eu-west-1"], "--region", "eu-west-1", "--organization-arns", org, "--public"],
        shareContext,
      ),
      EXIT.ok,
      shareContext.err(),
    );
    assert.match(shareContext.err(), /warning: sharing publicly/);
    const { LaunchPermissions = [] } = await moto
      .clients()
      .ec2("eu-west-1")
      .send(new DescribeImageAttributeCommand({ ImageId: result.copies["eu-west-1"], Attribute: "launchPermission" }));
    assert.deepEqual(LaunchPermissions.map((p) => p.OrganizationArn ?? p.Group).sort(), [org, "all"].sort());
    assert.equal(
      await amiShareCommand.run([source.amiId], fakeContext(moto)),
      EXIT.invalidInput,
      "nothing to share with",
    );
  });
});
