import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import type { AwsClients } from "../../src/core/clients";
import { buildServer, type CwsServer } from "../../src/server/app";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy";
import { startMoto, type MotoServer } from "../../harness/moto";
import { seedDemoLandscape } from "../../harness/seed";
import { entry, makeKey, tempDir, writeCatalog } from "../catalog/helpers";
import { runCws } from "../cli/in-process";

/**
 * Every use case `cws … --json` and `cws serve` share (src/ops/, catalog/views.ts) answers the same JSON through both
 * front doors: the CLI in-process through its real dispatcher, the API in-process through buildServer + inject, both
 * against one moto landscape. Bodies are compared after JSON.stringify, so key order counts too.
 */

const REGIONS = ["us-east-1", "us-west-2", "eu-west-1"];
const TOKEN = "parity-token-0123456789abcdef";
const BROKEN = "name: broken\nbase: ubuntu-24.04\nports: [not-a-port]\n";

/** The same value, key order included: what a client comparing the two responses byte for byte would see. */
function assertSameJson(cli: unknown, api: unknown): void {
  assert.equal(JSON.stringify(api), JSON.stringify(cli));
}

describe("cws --json and the API answer every shared use case with the same JSON (moto)", function () {
  this.timeout(120_000);
  let moto: MotoServer;
  let clients: AwsClients;
  let templatesDir: string;
  let catalog: string;
  let server: CwsServer;

  /** What `cws <argv> --json` prints, parsed; fails the test with stderr when it prints no JSON. */
  const cli = async (argv: string[], on: AwsClients = clients): Promise<unknown> => {
    const run = await runCws(["--json", ...argv], { clients: on, templatesDir });
    try {
      return JSON.parse(run.out);
    } catch {
      throw new Error(`cws ${argv.join(" ")} (exit ${run.code}) printed no JSON; stderr: ${run.err}`);
    }
  };

  /** The API's JSON body, parsed; fails the test with the body when the status is not the expected one. */
  const api = async <T = unknown>(
    method: "GET" | "POST",
    url: string,
    options: { body?: object; status?: number; on?: CwsServer } = {},
  ): Promise<T> => {
    const reply = await (options.on ?? server).app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { host: "127.0.0.1", ...(method === "POST" ? { authorization: `Bearer ${TOKEN}` } : {}) },
      ...(options.body ? { payload: options.body } : {}),
    });
    assert.equal(reply.statusCode, options.status ?? 200, reply.body);
    return JSON.parse(reply.body) as T;
  };

  /** A job's result once it has finished (it must succeed). */
  const jobResult = async (started: { id: string }): Promise<unknown> => {
    for (let i = 0; i < 600; i++) {
      const job = await api<{ status: string; error?: unknown; result?: unknown }>("GET", `/jobs/${started.id}`);
      if (job.status !== "running") {
        assert.equal(job.status, "succeeded", JSON.stringify(job.error));
        return job.result;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`job ${started.id} still running`);
  };

  const serve = (on: AwsClients) =>
    buildServer({
      clients: on,
      templatesDirs: [templatesDir],
      token: TOKEN,
      defaultRegion: "us-east-1",
      dashboardRegions: REGIONS,
      loopbackOnly: true,
      catalog,
    });

  before(async () => {
    moto = await startMoto();
    clients = moto.clients();
    await seedDemoLandscape(clients, REGIONS);
    templatesDir = tempDir("cws-parity-templates-");
    fs.writeFileSync(path.join(templatesDir, "broken.yml"), BROKEN);
    const dir = tempDir("cws-parity-catalog-");
    const key = makeKey(dir, "ml@uni.edu");
    catalog = path.join(dir, "catalog");
    writeCatalog(catalog, {
      signers: [key],
      entries: [{ value: entry({ version: "2.1.0" }) }, { value: entry({ version: "2.0.0", channels: ["beta"] }) }],
      reviews: [{ template: "python-ml", version: "2.1.0", reviewer: "ana", rating: 5 }],
    });
    server = await serve(clients);
  });
  after(async () => {
    await server?.close();
    await moto?.stop();
    if (templatesDir) fs.rmSync(templatesDir, { recursive: true, force: true });
  });

  it("resolve: GET /ami/resolve/{template} is cws ami resolve --json", async () => {
    const flags = ["--region", "us-west-2", "--allow-copy", "--size", "S"];
    const both = [
      await cli(["ami", "resolve", "python-ml", ...flags]),
      await api("GET", "/ami/resolve/python-ml?region=us-west-2&allowCopy=true&size=S"),
    ];
    assertSameJson(both[0], both[1]);
    assert.equal((both[1] as { region: string }).region, "us-west-2");
  });

  it("resolve in regions: GET /ami/test/{template} and POST /ami/test are cws ami test --regions --json", async () => {
    const expected = await cli(["ami", "test", "r-research", "--regions", REGIONS.join(",")]);
    assertSameJson(expected, await api("GET", `/ami/test/r-research?regions=${REGIONS.join(",")}`));
    assertSameJson(expected, await api("POST", "/ami/test", { body: { template: "r-research", regions: REGIONS } }));
    assert.deepEqual(
      (expected as { region: string }[]).map((r) => r.region),
      REGIONS,
    );
  });

  describe("resolve in regions when AWS refuses a call (fault proxy answers DescribeImages with UnauthorizedOperation)", () => {
    let proxy: FaultProxy;
    let denied: CwsServer;
    before(async () => {
      proxy = await startFaultProxy(moto.endpoint);
      denied = await serve(proxy.clients());
      proxy.fail({ action: "DescribeImages", always: true, code: "UnauthorizedOperation", status: 403 });
    });
    after(async () => {
      await denied?.close();
      await proxy?.stop();
    });

    it("both carry the error's kind, hint, service and operation per region, not just its message", async () => {
      const expected = await cli(["ami", "test", "python-ml", "--regions", "us-east-1,eu-west-1"], proxy.clients());
      const served = await api<{ error: Record<string, string> }[]>(
        "GET",
        "/ami/test/python-ml?regions=us-east-1,eu-west-1",
        { on: denied },
      );
      assertSameJson(expected, served);
      for (const outcome of served) {
        assert.equal(outcome.error.name, "AwsCallError");
        assert.equal(outcome.error.kind, "permission");
        assert.match(outcome.error.hint, /ec2:DescribeImages/);
        assert.equal(outcome.error.operation, "DescribeImages");
        assert.equal(outcome.error.service, "EC2");
      }
    });
  });

  it("image sources: GET /ami/list is cws ami list --json, with and without a template", async () => {
    assertSameJson(await cli(["ami", "list", "--region", "us-east-1"]), await api("GET", "/ami/list?region=us-east-1"));
    const sources = await cli(["ami", "list", "--template", "ubuntu-24.04-base", "--region", "eu-west-1"]);
    assertSameJson(sources, await api("GET", "/ami/list?region=eu-west-1&template=ubuntu-24.04-base"));
    assert.ok((sources as { images: unknown[] }).images.length > 0);
  });

  it("costs: GET /ami/costs and GET /ami/costs/{template} are cws costs --json", async () => {
    const expected = await cli(["costs", "deep-learning-gpu", "--region", "eu-west-1", "--size", "GPU-S"]);
    assertSameJson(expected, await api("GET", "/ami/costs?template=deep-learning-gpu&region=eu-west-1&size=GPU-S"));
    assertSameJson(expected, await api("GET", "/ami/costs/deep-learning-gpu?region=eu-west-1&size=GPU-S"));
  });

  it("validate: POST /templates/validate {names} is cws template validate --json of the same files", async () => {
    const files = ["broken.yml", "python-ml.yml"].map((f) => path.join(templatesDir, f));
    fs.copyFileSync(path.join(__dirname, "../../templates/python-ml.yml"), files[1]);
    try {
      const expected = await cli(["template", "validate", ...files]);
      assertSameJson(expected, await api("POST", "/templates/validate", { body: { names: ["broken", "python-ml"] } }));
      assert.deepEqual(
        (expected as { ok: boolean }[]).map((r) => r.ok),
        [false, true],
      );
    } finally {
      fs.rmSync(files[1]);
    }
  });

  it("templates: GET /templates and /templates/{name} are cws template list / show --json", async () => {
    assertSameJson(await cli(["template", "list"]), await api("GET", "/templates"));
    assertSameJson(await cli(["template", "show", "data-science"]), await api("GET", "/templates/data-science"));
  });

  it("catalog: GET /catalog and /catalog/{template} are cws catalog browse / show --json", async () => {
    assertSameJson(await cli(["catalog", "browse", "--catalog", catalog]), await api("GET", "/catalog"));
    assertSameJson(
      await cli(["catalog", "show", "python-ml", "--catalog", catalog]),
      await api("GET", "/catalog/python-ml"),
    );
  });

  it("copy to regions: the POST /ami/copy-region job's result is cws ami copy --json, each with its own new copy", async () => {
    const [amiId] = await labImages("cws-python-ml-*");
    const expected = (await cli([
      "ami",
      "copy",
      amiId,
      "--source-region",
      "us-east-1",
      "--to-regions",
      "eu-west-1",
    ])) as {
      copies: Record<string, string>;
    };
    const started = await api<{ id: string }>("POST", "/ami/copy-region", {
      body: { amiId, sourceRegion: "us-east-1", targetRegions: ["eu-west-1"] },
      status: 202,
    });
    const served = (await jobResult(started)) as typeof expected;
    // Two copies are two images: compare everything but the new ids, then check each id is a real, distinct image.
    const ids = [expected.copies["eu-west-1"], served.copies["eu-west-1"]];
    assert.notEqual(ids[0], ids[1]);
    const { Images = [] } = await clients.ec2("eu-west-1").send(new DescribeImagesCommand({ ImageIds: ids }));
    assert.equal(Images.length, 2);
    const withoutIds = (report: typeof expected) => ({ ...report, copies: { "eu-west-1": "<new image>" } });
    assertSameJson(withoutIds(expected), withoutIds(served));
  });

  it("share: the POST /ami/share job's result is cws ami share --json", async () => {
    const [amiId] = await labImages("cws-r-research-x86_64-*");
    const expected = await cli(["ami", "share", amiId, "--region", "us-east-1", "--accounts", "111122223333"]);
    const started = await api<{ id: string }>("POST", "/ami/share", {
      body: { amiId, region: "us-east-1", accounts: ["111122223333"] },
      status: 202,
    });
    assertSameJson(expected, await jobResult(started));
    assert.deepEqual((expected as { launchPermissions: unknown }).launchPermissions, [{ UserId: "111122223333" }]);
  });

  /** The ids of this account's images in us-east-1 whose name matches. */
  async function labImages(name: string): Promise<string[]> {
    const { Images = [] } = await clients
      .ec2("us-east-1")
      .send(new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "name", Values: [name] }] }));
    return Images.map((i) => i.ImageId!);
  }
});
