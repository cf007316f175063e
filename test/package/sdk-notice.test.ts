import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { MotoServer, startMoto } from "../../harness/moto";
import { SDK_NODE_NOTICE_VARIABLE } from "../../src/resolver/sdk-notice";
import { CWS_MAIN, requireBuilt } from "./built";

const NOTICE = /NodeVersionSupportWarning|will require node >=/;

/** The AWS SDK's notice about its future Node 22 requirement (issue 9 #5) stays out of what `cws` prints. */
describe("the AWS SDK's Node-version notice (built cws against moto)", () => {
  let moto: MotoServer;
  before(async () => {
    requireBuilt();
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  function cws(args: string[], extraEnv: Record<string, string> = {}) {
    const env: NodeJS.ProcessEnv = { ...process.env, ...moto.env(), ...extraEnv };
    if (!(SDK_NODE_NOTICE_VARIABLE in extraEnv)) delete env[SDK_NODE_NOTICE_VARIABLE];
    return spawnSync(process.execPath, [CWS_MAIN, ...args], { env, encoding: "utf8", timeout: 60_000 });
  }

  it("cws --help prints no SDK notice on stderr", () => {
    const run = cws(["--help"]);
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stderr, NOTICE);
  });

  it("cws ami resolve, which creates AWS clients, prints no SDK notice on stderr", () => {
    const run = cws(["ami", "resolve", "ubuntu-24.04-base", "--region", "us-east-1", "--json"]);
    assert.ok(run.status === 0 || run.status === 3, `exit ${run.status}: ${run.stderr}`);
    assert.doesNotMatch(run.stderr, NOTICE);
    assert.doesNotMatch(run.stdout, NOTICE);
  });

  it("a user who sets the SDK's variable to false still gets the notice on Node < 22, so it is not hidden blindly", () => {
    const run = cws(["ami", "resolve", "ubuntu-24.04-base", "--region", "us-east-1", "--json"], {
      [SDK_NODE_NOTICE_VARIABLE]: "false",
    });
    // The SDK only warns below Node 22.
    if (Number(process.versions.node.split(".")[0]) < 22) assert.match(run.stderr, NOTICE);
    else assert.doesNotMatch(run.stderr, NOTICE);
  });
});
