import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { runCli, type CliEnvironment } from "../../src/cli/cli";
import { MotoServer, startMoto } from "../../harness/moto";

/** The dispatcher in-process (no build), for what a spawned process cannot show: TTY-only progress and colours. */
describe("runCli in-process (moto)", () => {
  let moto: MotoServer;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  async function run(argv: string[], overrides: Partial<CliEnvironment> & { env?: NodeJS.ProcessEnv } = {}) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    let err = "";
    stdout.on("data", (c) => (out += String(c)));
    stderr.on("data", (c) => (err += String(c)));
    const code = await runCli(argv, {
      stdout,
      stderr,
      stdoutIsTTY: false,
      stderrIsTTY: false,
      clients: moto.clients(),
      profileRegion: async () => undefined,
      ...overrides,
      env: { AWS_REGION: "us-east-1", ...overrides.env },
    });
    return { code, out, err };
  }

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
});
