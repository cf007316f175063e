import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { DescribeImageAttributeCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { runCli } from "../../src/cli/cli";
import { EXIT } from "../../src/cli/command";
import type { AwsClients } from "../../src/core/clients";
import { loadTemplate } from "../../src/templates";
import { countCalls } from "../../harness/call-counter";
import { MotoServer, startMoto } from "../../harness/moto";
import { instanceState, ownImages, runInstance } from "../imaging/helpers";

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cws(
  clients: AwsClients,
  argv: string[],
  options: { isTTY?: boolean; answer?: boolean; cwd?: string } = {},
): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk) => (out += String(chunk)));
  stderr.on("data", (chunk) => (err += String(chunk)));
  const code = await runCli(argv, {
    stdout,
    stderr,
    env: { AWS_REGION: "us-east-1" },
    stdoutIsTTY: false,
    stderrIsTTY: options.isTTY ?? false,
    clients,
    profileRegion: async () => undefined,
    confirm: async () => options.answer ?? false,
  });
  return { code, out, err };
}

/** Every input of save / ami copy / ami share is checked before the first AWS call (moto, counting SDK calls). */
describe("cws save, ami copy and ami share validate every input before touching AWS (moto)", function () {
  this.timeout(60_000);
  let moto: MotoServer;
  let dir: string;
  let ec2: EC2Client;
  let instanceId: string;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-validate-"));
    ec2 = moto.clients().ec2("us-east-1");
    instanceId = await runInstance(ec2);
  });

  /** Runs a command that must be refused: exit 2, the message, no AWS call at all, the instance untouched. */
  async function refused(argv: string[], message: RegExp): Promise<Run> {
    const counter = countCalls(moto.clients());
    const run = await cws(counter.clients, argv, { isTTY: true, answer: true });
    assert.equal(run.code, EXIT.invalidInput, `${argv.join(" ")}\n${run.err}`);
    assert.match(run.err, message, argv.join(" "));
    assert.equal(counter.total("EC2"), 0, `no EC2 call for ${argv.join(" ")}: ${[...counter.counts.keys()]}`);
    assert.equal(counter.count("EC2:StopInstances"), 0);
    assert.equal(counter.count("EC2:CreateImage"), 0);
    assert.equal(await instanceState(ec2, instanceId), "running");
    assert.deepEqual(await ownImages(ec2), [], "no image was made");
    return run;
  }

  it("save refuses bad regions, copy regions, names, ids, accounts, descriptions and base templates with exit 2", async () => {
    const save = (...extra: string[]) => ["save", instanceId, "lab-env", "--yes", "--templates-dir", dir, ...extra];
    await refused(save("--region", "../../etc"), /--region unknown region "\.\.\/\.\.\/etc"/);
    await refused(save("--region", "us-east1"), /did you mean "us-east-1"\?/);
    await refused(
      save("--copy-to-regions", "eu-west-1,eu-wset-1"),
      /--copy-to-regions: unknown region "eu-wset-1"; did you mean "eu-west-1"/,
    );
    await refused(save("--copy-to-regions", "eu-west-1,"), /--copy-to-regions has an empty entry/);
    await refused(["save", "i-nope", "lab-env", "--yes"], /<instance-id> "i-nope" is not an EC2 instance id/);
    await refused(["save", instanceId, "../escape", "--yes", "--templates-dir", dir], /is not a template name/);
    await refused(["save", instanceId, "Lab Env", "--yes", "--templates-dir", dir], /is not a template name/);
    await refused(
      ["save", instanceId, "a".repeat(120), "--yes", "--templates-dir", dir],
      /is not a template name: .* at most 100 characters/,
    );
    await refused(save("--share-accounts", "12345"), /--share-accounts: "12345" is not a 12-digit AWS account id/);
    await refused(save("--description", "x".repeat(300)), /--description is 300 characters/);
    await refused(save("--base-template", "no-such-template"), /no-such-template/);
    await refused(save("--mode", "hibernate"), /--mode must be one of stop, reboot, no-reboot/);
  });

  it("save refuses a template path that is a symbolic link (even with --force), a directory, or not writable", async () => {
    const outside = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cws-outside-")), "victim.yml");
    fs.writeFileSync(outside, "precious: true\n");
    fs.symlinkSync(outside, path.join(dir, "linked.yml"));
    await refused(
      ["save", instanceId, "linked", "--yes", "--force", "--templates-dir", dir],
      /linked\.yml is a symbolic link; cws save never writes through links/,
    );
    assert.equal(fs.readFileSync(outside, "utf8"), "precious: true\n", "the link's target is untouched");
    fs.mkdirSync(path.join(dir, "folder.yml"));
    await refused(
      ["save", instanceId, "folder", "--yes", "--force", "--templates-dir", dir],
      /folder\.yml is a directory/,
    );
    const file = path.join(dir, "plain-file");
    fs.writeFileSync(file, "");
    await refused(["save", instanceId, "x", "--yes", "--templates-dir", file], /--templates-dir .*is not a directory/);
  });

  it("ami copy refuses bad regions, names and ids with exit 2 before any call", async () => {
    const ami = "ami-00c41000000000001";
    await refused(["ami", "copy", ami, "--to-regions", "../../etc"], /--to-regions: unknown region "\.\.\/\.\.\/etc"/);
    await refused(["ami", "copy", ami, "--source-region", "us-eats-1", "--to-regions", "eu-west-1"], /us-east-1/);
    await refused(["ami", "copy", ami, "--to-regions", "us-east-1"], /includes the source region us-east-1/);
    await refused(["ami", "copy", ami, "--to-regions", "eu-west-1", "--name", "x".repeat(129)], /AMI names are 3–128/);
    await refused(
      ["ami", "copy", ami, "--to-regions", "eu-west-1", "--name", "lab<env>"],
      /characters AMI names do not allow: "<" ">"/,
    );
    await refused(["ami", "copy", "ami-xyz", "--to-regions", "eu-west-1"], /"ami-xyz" is not an AMI id/);
    await refused(["ami", "copy", ami, "--to-regions", "eu-west-1", "--timeout-minutes", "0"], /positive number/);
  });

  it("ami share refuses bad regions, ids and accounts, and --public without a terminal or --yes (exit 2)", async () => {
    const ami = "ami-00c41000000000001";
    await refused(
      ["ami", "share", ami, "--region", "eu-west-9x", "--accounts", "210987654321"],
      /unknown region "eu-west-9x"/,
    );
    await refused(["ami", "share", "ami-1", "--accounts", "210987654321"], /is not an AMI id/);
    await refused(["ami", "share", ami, "--accounts", "2109876543"], /--accounts: "2109876543" is not a 12-digit/);

    const counter = countCalls(moto.clients());
    const run = await cws(counter.clients, ["ami", "share", ami, "--public"], { isTTY: false });
    assert.equal(run.code, EXIT.invalidInput);
    assert.match(run.err, /launchable by EVERY AWS account[\s\S]*pass --yes/);
    assert.equal(counter.total("EC2"), 0);
  });

  it("takes a well-formed region missing from cws's list (ap-southeast-9) with a warning, then goes on only when the account has it", async () => {
    const args = ["save", instanceId, "lab-env", "--templates-dir", dir, "--copy-to-regions", "ap-southeast-9"];
    const unknown = await cws(moto.clients(), args);
    assert.equal(unknown.code, EXIT.invalidInput);
    assert.match(
      unknown.err,
      /warning: --copy-to-regions: region "ap-southeast-9" is not one of the AWS regions CloudWorkstation knows/,
    );
    assert.match(unknown.err, /--copy-to-regions: "ap-southeast-9" is not a region of this AWS account's partition/);
    assert.doesNotMatch(unknown.err, /pass --yes/, "refused before the question");

    // moto lists only regions cws knows: a middleware adds the newly opened one to its DescribeRegions answer.
    const inner = moto.clients();
    const withNewRegion: AwsClients = {
      ssm: (region) => inner.ssm(region),
      ec2: (region) => {
        const client = inner.ec2(region);
        client.middlewareStack.add(
          (next, context) => async (input) => {
            const result = await next(input);
            if (context.commandName === "DescribeRegionsCommand") {
              const output = result.output as { Regions?: { RegionName?: string; OptInStatus?: string }[] };
              output.Regions = [...(output.Regions ?? []), { RegionName: "ap-southeast-9", OptInStatus: "opted-in" }];
            }
            return result;
          },
          { step: "initialize", name: "newlyOpenedRegion" },
        );
        return client;
      },
    };
    const known = await cws(withNewRegion, args);
    assert.equal(known.code, EXIT.invalidInput, "stopped only by the missing --yes");
    assert.match(known.err, /warning: --copy-to-regions: region "ap-southeast-9" is not one of the AWS regions/);
    assert.match(known.err, /pass --yes to proceed/);
    assert.equal(await instanceState(ec2, instanceId), "running");
  });

  it("--templates-dir before the command decides where save writes the template", async () => {
    const run = await cws(moto.clients(), ["--templates-dir", dir, "save", instanceId, "global-dir", "--yes"]);
    assert.equal(run.code, EXIT.ok, run.err);
    assert.equal(loadTemplate(path.join(dir, "global-dir.yml")).template.name, "global-dir");
  });

  it("when the template cannot be written after the capture, keeps the image and says where it is and how to write the template", async () => {
    // The target turns into a directory while the image is made (another process, a race): caught at write time.
    const clients = moto.clients();
    const source = clients.ec2("us-east-1");
    source.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === "CreateImageCommand") fs.mkdirSync(path.join(dir, "raced.yml"));
        return result;
      },
      { step: "initialize", name: "raceTemplateFile" },
    );
    const run = await cws({ ec2: () => source, ssm: clients.ssm }, [
      "save",
      instanceId,
      "raced",
      "--yes",
      "--templates-dir",
      dir,
      "--share-accounts",
      "210987654321",
      "--json",
    ]);
    assert.equal(run.code, EXIT.failure);
    const report = JSON.parse(run.out) as { amiId: string; file?: string; rescueFile?: string; failures: string[] };
    assert.equal(report.file, undefined);
    assert.deepEqual(
      (await ownImages(ec2)).map((i) => i.ImageId),
      [report.amiId],
      "the image is kept",
    );
    assert.match(run.err, new RegExp(`image is kept and tracked .*${report.amiId} in us-east-1`));
    assert.match(run.err, new RegExp(`cp ${report.rescueFile} ${path.join(dir, "raced.yml")}`));
    assert.equal(loadTemplate(report.rescueFile as string).template.name, "raced", "the rescue copy loads");
    const { LaunchPermissions = [] } = await ec2.send(
      new DescribeImageAttributeCommand({ ImageId: report.amiId, Attribute: "launchPermission" }),
    );
    assert.deepEqual(
      LaunchPermissions.map((p) => p.UserId),
      ["210987654321"],
      "steps after the capture still ran",
    );
    assert.equal(await instanceState(ec2, instanceId), "running");
  });
});
