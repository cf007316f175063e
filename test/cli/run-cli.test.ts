import assert from "node:assert/strict";
import type { CliEnvironment } from "../../src/cli/cli";
import type { CliCommand } from "../../src/cli/command";
import { COMMANDS } from "../../src/cli/registry";
import { AwsCallError } from "../../src/core/errors";
import { MotoServer, startMoto } from "../../harness/moto";
import { runCws } from "./in-process";

/** The dispatcher in-process (no build), for what a spawned process cannot show: TTY-only progress and colours. */
describe("runCli in-process (moto)", () => {
  let moto: MotoServer;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  const run = (argv: string[], overrides: Partial<CliEnvironment> & { env?: NodeJS.ProcessEnv } = {}) =>
    runCws(argv, { clients: moto.clients(), ...overrides, env: { AWS_REGION: "us-east-1", ...overrides.env } });

  it("draws progress on stderr when it is a terminal, and erases it before the output", async () => {
    const { code, out, err } = await run(["ami", "info", "ami-00c41000000000001"], { stderrIsTTY: true });
    assert.equal(code, 0);
    assert.match(err, /describing ami-00c41000000000001 in us-east-1…/);
    assert.ok(err.endsWith("\r\x1b[K"), "the progress line is erased");
    assert.match(out, /AMI +ami-00c41000000000001/);
  });

  it("draws no progress with --json even on a terminal, and stdout is only the JSON", async () => {
    const { code, out, err } = await run(["ami", "info", "ami-00c41000000000001", "--json"], {
      stderrIsTTY: true,
      stdoutIsTTY: true,
    });
    assert.equal(code, 0);
    assert.equal(err, "");
    assert.equal(JSON.parse(out).amiId, "ami-00c41000000000001");
  });

  it("colours human output on a terminal unless NO_COLOR is set", async () => {
    const coloured = await run(["ami", "info", "ami-00c41000000000001"], { stdoutIsTTY: true });
    assert.ok(coloured.out.includes("\x1b[1m"), "bold AMI id on a TTY");
    const plain = await run(["ami", "info", "ami-00c41000000000001"], { stdoutIsTTY: true, env: { NO_COLOR: "1" } });
    assert.ok(!plain.out.includes("\x1b["), "no ANSI codes with NO_COLOR");
  });

  it("uses the region of the AWS profile config when no flag or variable gives one", async () => {
    const { code, out } = await run(["ami", "info", "ami-00c41000000000001", "--json"], {
      env: { AWS_REGION: "" },
      profileRegion: async () => "eu-west-1",
    });
    assert.equal(code, 0);
    assert.equal(JSON.parse(out).region, "eu-west-1");
  });

  it("a global --region before the command beats AWS_REGION", async () => {
    const { out } = await run(["--region", "ap-south-1", "ami", "info", "ami-00c41000000000001", "--json"]);
    assert.equal(JSON.parse(out).region, "ap-south-1");
  });

  /** A command that fails the way the resolver does when the credentials have expired. */
  const expired: CliCommand = {
    path: ["probe"],
    summary: "throws an AwsCallError",
    usage: "cws probe [--json]",
    async run() {
      throw new AwsCallError(
        "credentials",
        "the AWS credentials have expired (ExpiredToken) calling EC2 DescribeImages",
        {
          service: "EC2",
          operation: "DescribeImages",
          region: "us-east-1",
          code: "ExpiredToken",
          hint: "run aws sso login --profile lab, or refresh AWS_SESSION_TOKEN",
        },
      );
    },
  };

  it("maps an AwsCallError to exit 1 with its message and what to do, and no stack hint", async () => {
    const { code, out, err } = await run(["probe"], { commands: [...COMMANDS, expired] });
    assert.equal(code, 1);
    assert.equal(out, "");
    assert.match(err, /cws: the AWS credentials have expired \(ExpiredToken\)/);
    assert.match(err, /what to do: run aws sso login --profile lab/);
    assert.doesNotMatch(err, /CWS_DEBUG/);
  });

  it("with --json (global or the command's) prints {error: err.toJSON()} on stdout for an AwsCallError", async () => {
    for (const argv of [
      ["--json", "probe"],
      ["probe", "--json"],
    ]) {
      const { code, out } = await run(argv, { commands: [...COMMANDS, expired] });
      assert.equal(code, 1);
      assert.deepEqual(JSON.parse(out), {
        error: {
          kind: "credentials",
          message: "the AWS credentials have expired (ExpiredToken) calling EC2 DescribeImages",
          service: "EC2",
          operation: "DescribeImages",
          region: "us-east-1",
          code: "ExpiredToken",
          hint: "run aws sso login --profile lab, or refresh AWS_SESSION_TOKEN",
        },
      });
    }
  });

  it("suggests the closest command for a typo in a command or subcommand, and the closest flag", async () => {
    const sub = await run(["ami", "resolv", "python-ml"]);
    assert.equal(sub.code, 2);
    assert.match(sub.err, /unknown command "ami resolv"; did you mean "ami resolve"\?/);
    const top = await run(["tempalte", "list"]);
    assert.match(top.err, /unknown command "tempalte"; did you mean "template"\?/);
    const flag = await run(["costs", "python-ml", "--regoin", "us-east-1"]);
    assert.equal(flag.code, 2);
    assert.match(flag.err, /unknown option --regoin; did you mean "--region"\?/);
  });

  it("rejects unknown instance types with exit 2 and a did-you-mean, instead of a $0.00 estimate", async () => {
    for (const argv of [
      ["costs", "python-ml", "--instance-type", "m7i.huge"],
      ["ami", "resolve", "python-ml", "--instance-type", "x9.huge"],
      ["ami", "test", "python-ml", "--instance-type", "m7i.xlarg", "--regions", "us-east-1"],
    ]) {
      const { code, out, err } = await run(argv);
      assert.equal(code, 2, `${argv.join(" ")}: ${err}`);
      assert.equal(out, "");
      assert.match(err, /--instance-type: ".*" is not an EC2 instance type/);
    }
    assert.match((await run(["costs", "python-ml", "--instance-type", "m7i.xlarg"])).err, /did you mean "m7i\.xlarge"/);
    const known = await run(["costs", "python-ml", "--instance-type", "c7i.large"]);
    assert.equal(known.code, 0, known.err);
    assert.match(known.out, /script .*unknown \(no price\)/, "a real type without a snapshot price is not $0.00");
  });
});
