import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DescribeImagesCommand, DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import type { AwsClients } from "../../src/core/clients";
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

  function run(argv: string[], options: { env?: NodeJS.ProcessEnv; ssm?: AwsClients["ssm"] } = {}) {
    const iam = new IAMClient({ region: "us-east-1", endpoint: moto.endpoint, credentials: TEST_CREDENTIALS });
    // The build's IAM client (its builder instance profile) against the same emulator.
    const clients = { ...moto.clients(), ...(options.ssm ? { ssm: options.ssm } : {}), iam: () => iam };
    return runCws(argv, {
      clients: clients as AwsClients,
      templatesDir: dir,
      env: { AWS_REGION: "us-east-1", ...options.env },
    });
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
      "provisioningVerified",
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
    assert.equal(JSON.parse(again.out).provisioningVerified, null, "a reused image was not provisioned by this run");
    assert.equal(JSON.parse(again.out).amiId, result.amiId);
  });

  it("against an emulator (AWS_ENDPOINT_URL), says provisioning was NOT verified: moto's Run Command answers Success without running the check script", async () => {
    const human = await run(["ami", "build", "bake-cli", "--yes"], { env: { AWS_ENDPOINT_URL: moto.endpoint } });
    assert.equal(human.code, 0, human.err);
    assert.match(human.out, /^Built ami-[0-9a-f]+ in us-east-1 from bake-cli/);
    assert.match(
      human.out,
      new RegExp(
        `provisioning NOT verified: Run Command reported success without the check script's readiness line; ` +
          `the endpoint ${moto.endpoint} \\(AWS_ENDPOINT_URL\\) is an emulator`,
      ),
    );
    const json = await run(["ami", "build", "bake-cli", "--yes", "--json", "--force"], {
      env: { AWS_ENDPOINT_URL: moto.endpoint },
    });
    assert.equal(JSON.parse(json.out).provisioningVerified, false);
    assert.match(json.err, /warning: provisioning NOT verified/);
  });

  it("says nothing of the kind when the check script's readiness line came back (a middleware adds it to moto's Run Command answer)", async () => {
    const ssm: AwsClients["ssm"] = (region) => {
      const client = moto.clients().ssm(region);
      client.middlewareStack.add(
        (next, context) => async (input) => {
          const result = await next(input);
          if (context.commandName === "GetCommandInvocationCommand") {
            const output = result.output as { StandardOutputContent?: string };
            output.StandardOutputContent = "cloudworkstation: provisioning finished\n2026-12-07T04:00:00Z\n";
          }
          return result;
        },
        { step: "initialize", name: "provisioningRan" },
      );
      return client;
    };
    const built = await run(["ami", "build", "bake-cli", "--yes", "--json"], {
      env: { AWS_ENDPOINT_URL: moto.endpoint },
      ssm,
    });
    assert.equal(built.code, 0, built.err);
    assert.equal(JSON.parse(built.out).provisioningVerified, true);
    assert.doesNotMatch(built.err, /NOT verified/);
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
