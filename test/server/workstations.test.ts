import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { chromium, type Browser, type Page } from "playwright-core";
import { liveInstances } from "../../harness/moto";
import { REPO_ROOT } from "../../harness/pulumi-cli";
import { LAB_ML_TEMPLATE } from "../../harness/seed";
import { CWS_MAIN, runCws, startWorkstationLab, type WorkstationLab } from "../../harness/workstation-lab";
import { call, chromiumPath, TOKEN, waitForJob } from "./helpers";

/**
 * The workstation routes and the dashboard's workstations panel as a lab runs them: the compiled `cws serve` in a
 * child process, the real Pulumi engine through the Automation API, the AWS provider stand-in in a private
 * PULUMI_HOME, moto as AWS, and the default state backend under a temporary XDG_CONFIG_HOME (the same one the
 * `cws list` it is compared with reads). The `it`s are consecutive steps.
 */

const REGION = "us-west-2";
const REGIONS = ["us-east-1", REGION];

/** `cws serve --port 0` from dist/, resolved once it prints where it listens. */
function startServe(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CWS_MAIN, ...args, "serve", "--port", "0"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (chunk) => (err += String(chunk)));
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      out += String(chunk);
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve({ child, url });
    });
    child.once("close", (code) => reject(new Error(`cws serve exited ${code}: ${err}`)));
  });
}

describe("the workstation routes under the real Pulumi engine (cws serve from dist/, AWS provider stand-in, moto)", function () {
  this.timeout(600_000);
  let lab: WorkstationLab | undefined;
  let serve: { child: ChildProcess; url: string } | undefined;
  let env: NodeJS.ProcessEnv;
  let base: string;
  const stackFile = (name: string) => lab!.stackFile(name);

  before(async function () {
    lab = await startWorkstationLab({
      what: "the workstation routes under the real engine",
      prefix: "cws-serve-ws-",
      regions: REGIONS,
      env: { CWS_API_TOKEN: TOKEN },
    });
    if (!lab) this.skip();
    env = lab.env;
    // allow_cross_region_copy in the template: the copy is planned without allowCopy, and still needs consent.
    fs.writeFileSync(
      path.join(lab.templatesDir, "lab-copy-ml.yml"),
      LAB_ML_TEMPLATE.replace("name: smith-lab-ml", "name: lab-copy-ml").replace(
        "strategy: ami_required",
        "strategy: ami_required\n  allow_cross_region_copy: true",
      ),
    );
    serve = await startServe(["--templates-dir", lab.templatesDir, "--region", "us-east-1"], env);
    base = serve.url;
  });

  after(async () => {
    if (serve && serve.child.exitCode === null) {
      const exited = new Promise((resolve) => serve!.child.once("close", resolve));
      serve.child.kill("SIGTERM");
      await exited;
    }
    await lab?.dispose();
  });

  it("GET /workstations before any launch is [] and creates no state (the default backend stays unused)", async () => {
    const reply = await call(base, "GET", "/api/v1/workstations");
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(reply.body, []);
    assert.equal(fs.existsSync(path.join(lab!.sandbox.root, "config", "cloudworkstation")), false);
  });

  it("POST and DELETE without the token are 401 and create nothing", async () => {
    const post = await call(base, "POST", "/api/v1/workstations", {
      body: { template: "python-ml", name: "no-token", region: REGION },
    });
    assert.equal(post.status, 401, post.text);
    assert.equal(post.body.error.code, "unauthorized");
    const wrong = await call(base, "DELETE", "/api/v1/workstations/no-token", { token: "not-the-token-0123456789" });
    assert.equal(wrong.status, 401, wrong.text);
    assert.deepEqual(await liveInstances(lab!.moto, REGION), []);
  });

  it("bad input is a 400 in the CLI's words before any job: a region (did you mean), a name, a template; preferScript with another strategy", async () => {
    const post = (body: Record<string, unknown>) => call(base, "POST", "/api/v1/workstations", { body, token: true });
    const region = await post({ template: "python-ml", name: "x", region: "us-west2" });
    assert.equal(region.status, 400, region.text);
    assert.match(region.body.error.message, /unknown region "us-west2"; did you mean "us-west-2"\?/);
    const name = await post({ template: "python-ml", name: "My_Research", region: REGION });
    assert.equal(name.status, 400, name.text);
    assert.match(name.body.error.message, /name "My_Research" is not a workstation name: use 1-63 lowercase letters/);
    const template = await post({ template: "pyhton-ml", name: "x", region: REGION });
    assert.equal(template.status, 400, template.text);
    assert.match(template.body.error.message, /template "pyhton-ml" not found; did you mean "python-ml"\?/);
    const both = await post({
      template: "python-ml",
      name: "x",
      region: REGION,
      preferScript: true,
      strategy: "ami_required",
    });
    assert.equal(both.status, 400, both.text);
    assert.match(both.body.error.message, /give preferScript or strategy ami_required, not both/);
    const unknown = await post({ template: "python-ml", name: "x", region: REGION, yes: true });
    assert.equal(unknown.status, 400, "an unknown field is refused, never ignored");
    assert.equal((await call(base, "GET", "/api/v1/jobs")).body.length, 0, "no job started");
  });

  it("dryRun answers what cws launch --dry-run --json prints and creates nothing: no instance, no stack", async () => {
    const reply = await call(base, "POST", "/api/v1/workstations", {
      body: { template: "python-ml", name: "api-research", region: REGION, dryRun: true },
      token: true,
    });
    assert.equal(reply.status, 200, reply.text);
    const cli = await runCws(["launch", "python-ml", "api-research", "--region", REGION, "--dry-run", "--json"], env);
    assert.equal(cli.code, 0, cli.err);
    assert.equal(reply.text, JSON.stringify(JSON.parse(cli.out)));
    assert.equal(reply.body.resolution.region, REGION);
    assert.match(reply.body.resolution.amiId, /^ami-/);
    assert.deepEqual(await liveInstances(lab!.moto, REGION), []);
    assert.equal(fs.existsSync(stackFile("api-research")), false);
  });

  it("a launch that needs a cross-region copy, without confirm, is a 409 naming the copy and the field, and creates nothing", async () => {
    const reply = await call(base, "POST", "/api/v1/workstations", {
      body: { template: "lab-copy-ml", name: "lab-copy", region: REGION },
      token: true,
    });
    assert.equal(reply.status, 409, reply.text);
    assert.equal(reply.body.error.code, "confirmation_required");
    assert.equal(reply.body.error.details.field, "confirm");
    assert.match(
      reply.body.error.details.consents[0],
      /This copies ami-\S+ from us-east-1 to us-west-2 \(about \d+ min/,
    );
    assert.match(reply.body.error.message, /send the same request with "confirm": true; nothing was created/);
    assert.deepEqual(await liveInstances(lab!.moto, REGION), []);
    assert.equal(fs.existsSync(stackFile("lab-copy")), false);
    assert.equal((await call(base, "GET", "/api/v1/jobs")).body.length, 0, "no job started");
  });

  let launched: { instanceId: string; amiId: string; method: string; measuredSeconds: number; name: string };

  it("POST /workstations starts a launch job whose result is cws launch --json's, with the instance running in moto", async () => {
    const reply = await call(base, "POST", "/api/v1/workstations", {
      body: { template: "python-ml", name: "api-research", region: REGION },
      token: true,
    });
    assert.equal(reply.status, 202, reply.text);
    assert.equal(reply.body.kind, "launch");
    assert.equal(reply.headers.get("location"), `/api/v1/jobs/${reply.body.id}`);
    const second = await call(base, "POST", "/api/v1/workstations", {
      body: { template: "python-ml", name: "api-research", region: REGION },
      token: true,
    });
    assert.equal(second.status, 409, "a second job on the same workstation while one runs");
    assert.equal(second.body.error.code, "job_conflict");
    const job = await waitForJob(base, reply.body.id, 300_000);
    assert.equal(job.body.status, "succeeded", JSON.stringify(job.body.error));
    launched = job.body.result;
    assert.deepEqual(Object.keys(launched).sort(), [
      "amiId",
      "backend",
      "connection",
      "estimatedCostPerHour",
      "estimatedLaunchSeconds",
      "instanceId",
      "instanceType",
      "launchMode",
      "measuredSeconds",
      "method",
      "name",
      "region",
      "template",
      "templateVersion",
    ]);
    const [instance, ...others] = await liveInstances(lab!.moto, REGION);
    assert.deepEqual(others, []);
    assert.equal(instance.InstanceId, launched.instanceId);
    assert.equal(instance.ImageId, launched.amiId);
    assert.ok(fs.existsSync(stackFile("api-research")));
    // Progress came from the engine's events, as steps of the job.
    assert.ok(
      job.body.steps.some((s: { step: string }) => /create aws:ec2\/instance:Instance api-research/.test(s.step)),
      JSON.stringify(job.body.steps),
    );
  });

  it("GET /workstations is byte for byte what cws list --json prints (as compact JSON)", async () => {
    const [api, cli] = await Promise.all([call(base, "GET", "/api/v1/workstations"), runCws(["list", "--json"], env)]);
    assert.equal(cli.code, 0, cli.err);
    assert.equal(api.text, JSON.stringify(JSON.parse(cli.out)));
    assert.equal(`${JSON.stringify(api.body, null, 2)}\n`, cli.out);
    assert.equal(api.body[0].state, "running");
    assert.equal(api.body[0].instanceId, launched.instanceId);
  });

  let savedImageId: string;

  it("DELETE /workstations/{name} of a name the backend does not hold is a 404 naming what it holds", async () => {
    const reply = await call(base, "DELETE", "/api/v1/workstations/no-such-ws", { token: true });
    assert.equal(reply.status, 404, reply.text);
    assert.equal(reply.body.error.code, "workstation_not_found");
    assert.match(reply.body.error.message, /no workstation "no-such-ws" in file:\/\/.* \(there are: api-research\)/);
  });

  it("DELETE /workstations/{name} runs cws destroy as a job: instance terminated, stack gone, an image saved from it kept", async () => {
    const capture = await call(base, "POST", "/api/v1/ami/create", {
      body: { instanceId: launched.instanceId, templateName: "api-env", region: REGION, mode: "no-reboot" },
      token: true,
    });
    assert.equal(capture.status, 202, capture.text);
    const captured = await waitForJob(base, capture.body.id, 120_000);
    assert.equal(captured.body.status, "succeeded", JSON.stringify(captured.body.error));
    savedImageId = captured.body.result.amiId;

    const reply = await call(base, "DELETE", "/api/v1/workstations/api-research", { token: true });
    assert.equal(reply.status, 202, reply.text);
    assert.equal(reply.body.kind, "destroy");
    const job = await waitForJob(base, reply.body.id, 300_000);
    assert.equal(job.body.status, "succeeded", JSON.stringify(job.body.error));
    assert.deepEqual(job.body.result, {
      name: "api-research",
      destroyed: true,
      instanceId: launched.instanceId,
      region: REGION,
    });
    assert.deepEqual(await liveInstances(lab!.moto, REGION), []);
    assert.equal(fs.existsSync(stackFile("api-research")), false);
    const { Images = [] } = await lab!.moto
      .clients()
      .ec2(REGION)
      .send(new DescribeImagesCommand({ ImageIds: [savedImageId] }));
    assert.equal(Images[0]?.State, "available");
    assert.deepEqual((await call(base, "GET", "/api/v1/workstations")).body, []);
  });

  describe("the dashboard's workstations panel in headless chromium", () => {
    let browser: Browser;
    let page: Page;

    before(async () => {
      browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ["--no-sandbox"] });
      page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
      await page.goto(`${base}/`);
      await page.waitForSelector("body[data-ready='true']", { timeout: 120_000 });
      await page.fill("#token-input", TOKEN);
    });
    after(async () => {
      await browser?.close();
    });

    const launchFromForm = async (template: string, name: string) => {
      await page.selectOption("#launch-template", template);
      await page.fill("#launch-name", name);
      await page.selectOption("#launch-region", REGION);
      await page.click("#launch-form button[type='submit']");
    };

    it("asks before a copy when the API answers 409, and Cancel sends nothing more: no stack, no instance", async () => {
      await launchFromForm("lab-copy-ml", "dash-copy");
      await page.waitForSelector("#ws-question:not([hidden])");
      assert.match(
        (await page.textContent("#ws-question-text")) ?? "",
        /This copies ami-\S+ from us-east-1 to us-west-2/,
      );
      await page.click("#ws-question-no");
      await page.waitForFunction(
        `/cancelled: nothing was created/.test(document.querySelector("#ws-job").textContent)`,
      );
      assert.equal(fs.existsSync(stackFile("dash-copy")), false);
      assert.deepEqual(await liveInstances(lab!.moto, REGION), []);
    });

    it("launches a workstation from the form, shows its row running, destroys it after the confirm, and the row goes", async () => {
      await launchFromForm("python-ml", "dash-ws");
      await page.waitForSelector("#workstations-table tr[data-name='dash-ws'][data-state='running']", {
        timeout: 300_000,
      });
      assert.match((await page.textContent("#ws-job")) ?? "", /Launched dash-ws: instance i-\w+ in us-west-2/);
      const [instance] = await liveInstances(lab!.moto, REGION);
      const cells = await page.$$eval("#workstations-table tr[data-name='dash-ws'] > *", (tds) =>
        tds.map((td) => td.textContent),
      );
      assert.deepEqual(cells.slice(0, 3), ["dash-ws", "python-ml", REGION]);
      assert.equal(cells[3], instance.ImageId);
      assert.match(cells[7] ?? "", /^\$[\d.]+\/h$/);
      fs.mkdirSync(path.join(REPO_ROOT, "test-results"), { recursive: true });
      await page.screenshot({ path: path.join(REPO_ROOT, "test-results", "dashboard-workstations.png") });

      await page.click("#workstations-table button.destroy[data-name='dash-ws']");
      await page.waitForSelector("#ws-question:not([hidden])");
      assert.match((await page.textContent("#ws-question-text")) ?? "", /This destroys workstation dash-ws/);
      await page.click("#ws-question-yes");
      await page.waitForSelector("#workstations-table tr[data-name='dash-ws']", {
        state: "detached",
        timeout: 300_000,
      });
      assert.match((await page.textContent("#ws-job")) ?? "", /Destroyed dash-ws; its stack is removed/);
      assert.deepEqual(await liveInstances(lab!.moto, REGION), []);
      assert.equal(fs.existsSync(stackFile("dash-ws")), false);
    });
  });
});
