import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DescribeImagesCommand, DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import type { AwsClients } from "../../src/resolver/types";
import { startMoto, TEST_CREDENTIALS, type MotoServer } from "../../harness/moto";
import { publishBaseParameters } from "../../harness/seed";
import { runCws } from "./in-process";

/** `cws ami build` through the real dispatcher, in-process, against moto (which runs no user data). */
describe("cws ami build (runCli in-process, moto)", () => {
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
    await publishBaseParameters(moto.clients().ssm("us-east-1"), ["ubuntu-24.04"]);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-build-"));
    fs.writeFileSync(
      path.join(dir, "bake-cli.yml"),
      "name: bake-cli\nbase: ubuntu-24.04\npackages:\n  system: [htop]\n",
    );
  });

  function run(argv: string[]) {
    const iam = new IAMClient({ region: "us-east-1", endpoint: moto.endpoint, credentials: TEST_CREDENTIALS });
    // The build's IAM client (its builder instance profile) against the same emulator.
    return runCws(argv, { clients: { ...moto.clients(), iam: () => iam } as AwsClients, templatesDir: dir });
  }

  async function instanceCount(): Promise<number> {
    const { Reservations = [] } = await moto.clients().ec2("us-east-1").send(new DescribeInstancesCommand({}));
    return Reservations.flatMap((r) => r.Instances ?? []).length;
  }

  it("without a terminal and without --yes, says what it would launch and exits 2 having launched nothing", async () => {
    const { code, err } = await run(["ami", "build", "bake-cli"]);
    assert.equal(code, 2);
    assert.match(err, /launch one \S+ builder from ami-00c41000000000002/);
    assert.match(err, /pass --yes/);
    assert.equal(await instanceCount(), 0);
  });

  it("with --yes --json prints exactly the build object and publishes the exact parameter name", async () => {
    const { code, out } = await run([
      "ami",
      "build",
      "bake-cli",
      "--yes",
      "--json",
      "--publish-ssm",
      "/lab/bake-cli/x86_64",
    ]);
    assert.equal(code, 0, out);
    const result = JSON.parse(out);
    assert.deepEqual(Object.keys(result).sort(), [
      "amiId",
      "amiIds",
      "baseAmiId",
      "publishedParameter",
      "region",
      "reused",
      "templateHash",
    ]);
    assert.equal(result.reused, false);
    assert.equal(result.baseAmiId, "ami-00c41000000000002");
    assert.equal(result.publishedParameter, "/lab/bake-cli/x86_64");
    assert.deepEqual(result.amiIds, { "us-east-1": result.amiId });
    const parameter = await moto
      .clients()
      .ssm("us-east-1")
      .send(new GetParameterCommand({ Name: "/lab/bake-cli/x86_64" }));
    assert.equal(parameter.Parameter?.Value, result.amiId);
    const { Images = [] } = await moto
      .clients()
      .ec2("us-east-1")
      .send(new DescribeImagesCommand({ ImageIds: [result.amiId] }));
    assert.equal(Images[0]?.State, "available");

    const again = await run(["ami", "build", "bake-cli", "--yes", "--json"]);
    assert.equal(JSON.parse(again.out).reused, true);
    assert.equal(JSON.parse(again.out).amiId, result.amiId);
  });

  it("rejects a bad --timeout, --arch or --publish-ssm with exit 2 before launching anything", async () => {
    for (const flags of [
      ["--timeout", "soon"],
      ["--arch", "sparc"],
      ["--publish-ssm", "no spaces allowed"],
    ]) {
      const { code, err } = await run(["ami", "build", "bake-cli", "--yes", ...flags]);
      assert.equal(code, 2, `${flags.join(" ")}: ${err}`);
    }
    assert.equal(await instanceCount(), 0);
  });
});
