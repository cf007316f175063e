import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { MotoServer, startMoto } from "../../harness/moto";
import * as path from "node:path";
import { CWS_MAIN, ROOT, requireBuilt } from "./built";

const NOTICE = /NodeVersionSupportWarning|will require node >=/;
const SWITCH = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";

/**
 * The AWS SDK warns on Node < 22 that its 2027 releases will need Node 22. CloudWorkstation used to turn that notice
 * off; it runs only on Node ≥ 22 now (engines), where the SDK prints nothing, so no switch is set or needed.
 */
describe("the AWS SDK's Node-version notice on the supported runtimes (built cws against moto)", () => {
  let moto: MotoServer;
  before(async () => {
    requireBuilt();
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  function cws(args: string[]) {
    const env: NodeJS.ProcessEnv = { ...process.env, ...moto.env() };
    delete env[SWITCH]; // as in a user's shell
    return spawnSync(process.execPath, [CWS_MAIN, ...args], { env, encoding: "utf8", timeout: 60_000 });
  }

  it("runs on a Node the SDK supports (22 or newer)", () => {
    assert.ok(Number(process.versions.node.split(".")[0]) >= 22, `node ${process.version}`);
  });

  it("cws ami resolve, which creates AWS clients, prints no SDK notice though nothing turns it off", () => {
    const run = cws(["ami", "resolve", "ubuntu-24.04-base", "--region", "us-east-1", "--json"]);
    assert.ok(run.status === 0 || run.status === 3, `exit ${run.status}: ${run.stderr}`);
    assert.doesNotMatch(run.stderr, NOTICE);
    assert.doesNotMatch(run.stdout, NOTICE);
  });

  it("making AWS clients leaves the SDK's switch alone (the user's environment is not edited)", () => {
    const script =
      `const { createAwsClients } = require(${JSON.stringify(path.join(ROOT, "dist", "src", "resolver", "clients.js"))});` +
      `createAwsClients().ec2("us-east-1"); console.log(JSON.stringify(process.env[${JSON.stringify(SWITCH)}] ?? null));`;
    const env = { ...process.env };
    delete env[SWITCH];
    const run = spawnSync(process.execPath, ["-e", script], { env, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), "null");
  });
});
