import assert from "node:assert/strict";
import * as fs from "node:fs";
import { liveInstances } from "../../harness/moto";
import { runInTerminal } from "../../harness/terminal";
import { CWS_MAIN, startWorkstationLab, type WorkstationLab } from "../../harness/workstation-lab";

/**
 * The [y/N] question `cws launch` asks before what costs money or time, answered on a real pseudo-terminal (python's
 * pty: stdin, stdout and stderr a terminal, as in a researcher's shell), with the compiled `cws`, the real Pulumi
 * engine, the AWS provider stand-in and moto. test/cli/workstations.test.ts covers the same launches without a
 * terminal and with --yes; this file is only what a terminal changes.
 */

const REGION = "us-west-2";
/** us-east-1 holds the lab's images (seedDemoLandscape); us-west-2 only the public ones. */
const REGIONS = ["us-east-1", REGION];

describe("cws launch's [y/N] question on a real terminal (pty; real Pulumi engine, AWS provider stand-in, moto)", function () {
  this.timeout(300_000);
  let lab: WorkstationLab | undefined;
  const launchOnTerminal = (args: string[], answer: string) =>
    runInTerminal([process.execPath, CWS_MAIN, "--templates-dir", lab!.templatesDir, "launch", ...args], {
      env: lab!.env,
      prompt: "[y/N] ",
      answer,
      timeoutMs: 240_000,
    });

  before(async function () {
    // No colour, to match the text.
    lab = await startWorkstationLab({
      what: "cws launch on a terminal",
      prefix: "cws-launch-pty-",
      regions: REGIONS,
      env: { NO_COLOR: "1" },
    });
    if (!lab) this.skip();
  });

  after(async () => {
    await lab?.dispose();
  });

  it('answering "n" to the cross-region copy question exits 0 (as documented) and creates nothing: no instance, no stack', async () => {
    const run = await launchOnTerminal(["smith-lab-ml", "lab-copy", "--region", REGION, "--allow-copy"], "n");
    assert.ok(run.answered, `no [y/N] question on the terminal:\n${run.output}`);
    assert.match(
      run.output,
      /This copies ami-\S+ from us-east-1 to us-west-2 \(about \d+ min.*\. Continue\? \[y\/N\] n\r*\n/,
    );
    assert.match(run.output, /cws launch: cancelled; nothing was changed/);
    assert.equal(run.code, 0, run.output);
    assert.doesNotMatch(run.output, /pulumi up/);
    assert.deepEqual(await liveInstances(lab!.moto, REGION), []);
    assert.equal(fs.existsSync(lab!.stackFile("lab-copy")), false);
  });

  it('answering "y" to the script-fallback question launches: exit 0, the instance running in moto in script mode, its stack saved', async () => {
    const run = await launchOnTerminal(
      ["smith-lab-ml", "lab-script", "--region", REGION, "--strategy", "ami_preferred"],
      "y",
    );
    assert.ok(run.answered, `no [y/N] question on the terminal:\n${run.output}`);
    assert.match(run.output, /provisioned by script at boot .*\. Continue\? \[y\/N\] y\r*\n/);
    assert.equal(run.code, 0, run.output);
    const instanceId = /Instance\s+(i-[0-9a-f]+)/.exec(run.output)?.[1];
    assert.ok(instanceId, run.output);
    assert.match(run.output, /AMI\s+ami-\S+ \(fallback_script, launch mode script\)/);
    const [instance, ...others] = await liveInstances(lab!.moto, REGION);
    assert.deepEqual(others, []);
    assert.equal(instance.InstanceId, instanceId);
    assert.equal(instance.State?.Name, "running");
    assert.ok(fs.existsSync(lab!.stackFile("lab-script")));
  });
});
