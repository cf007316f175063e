import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import { PassThrough } from "node:stream";
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { runCli } from "../../src/cli/cli";
import { startMoto, type MotoServer } from "../../harness/moto";
import { instanceState, runInstance } from "../imaging/helpers";
import { call, startDelayProxy } from "./helpers";

const ROOT = path.resolve(__dirname, "..", "..");

async function runServe(argv: string[], env: NodeJS.ProcessEnv) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c) => (out += String(c)));
  stderr.on("data", (c) => (err += String(c)));
  const code = await runCli(["serve", ...argv], { stdout, stderr, env, stdoutIsTTY: false, stderrIsTTY: false });
  return { code, out, err };
}

describe("cws serve: starting, refusing and stopping", function () {
  this.timeout(120_000);

  it("refuses a non-loopback address without CWS_API_TOKEN (exit 2) and says what to do", async () => {
    const { code, out, err } = await runServe(["--host", "0.0.0.0", "--port", "0"], { AWS_REGION: "us-east-1" });
    assert.equal(code, 2);
    assert.equal(out, "", "nothing listened, no token printed");
    assert.match(err, /CWS_API_TOKEN/);
  });

  it("refuses a --catalog that is not a catalog source with a clear message (exit 2)", async () => {
    const { code, err } = await runServe(["--catalog", "ftp://example.org/catalog", "--port", "0"], {
      AWS_REGION: "us-east-1",
    });
    assert.equal(code, 2);
    assert.match(err, /--catalog ftp:\/\/example\.org\/catalog: /);
  });

  it("refuses a CWS_API_TOKEN shorter than 16 characters (exit 2)", async () => {
    const { code, err } = await runServe(["--port", "0"], { AWS_REGION: "us-east-1", CWS_API_TOKEN: "short" });
    assert.equal(code, 2);
    assert.match(err, /too short/);
  });

  describe("SIGTERM while a capture is running (a proxy holds CreateImage)", () => {
    let moto: MotoServer;
    before(async () => {
      moto = await startMoto();
    });
    after(async () => {
      await moto?.stop();
    });

    it("prints the token once and `listening on`, finishes the request in flight, cancels the capture and leaves the instance running", async () => {
      const proxy = await startDelayProxy(moto.endpoint, { CreateImage: 2000, DescribeImages: 800 });
      const ec2 = moto.clients().ec2("us-east-1");
      const instanceId = await runInstance(ec2);
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve", "--port", "0"], {
        cwd: ROOT,
        env: { ...process.env, ...moto.env(), AWS_ENDPOINT_URL: proxy.endpoint, CWS_API_TOKEN: "" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (c) => (stderr += String(c)));
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      try {
        const lines: string[] = [];
        const url = await new Promise<string>((resolve, reject) => {
          readline.createInterface({ input: child.stdout }).on("line", (line) => {
            lines.push(line);
            const match = /^listening on (http:\/\/\S+)$/.exec(line);
            if (match) resolve(match[1]);
          });
          child.once("exit", () => reject(new Error(`cws serve exited early: ${stderr}`)));
        });
        assert.equal(lines.length, 2, "the token line, then the listening line");
        const token = /: (\S+)$/.exec(lines[0])?.[1] as string;
        assert.ok(token.length >= 32);

        const started = await call(url, "POST", "/api/v1/ami/create", {
          token,
          body: { instanceId, templateName: "interrupted" },
        });
        assert.equal(started.status, 202);
        await proxy.seen("CreateImage");
        const inFlight = call(url, "GET", "/api/v1/ami/list?region=us-east-1");
        await new Promise((r) => setTimeout(r, 200));
        child.kill("SIGTERM");
        const listing = await inFlight;
        assert.equal(listing.status, 200, "the request in flight got its answer");
        assert.equal(await exited, 0);
        assert.match(stderr, /cancelling 1 job/);
        assert.match(stderr, /cancelled: .*restarted/);
        assert.equal(await instanceState(ec2, instanceId), "running");
        const { Images = [] } = await ec2.send(
          new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "name", Values: ["interrupted-*"] }] }),
        );
        assert.deepEqual(Images, [], "the unfinished image was deregistered");
      } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
        await proxy.stop();
      }
    });
  });
});
