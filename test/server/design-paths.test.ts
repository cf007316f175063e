import assert from "node:assert/strict";
import * as path from "node:path";
import { startMoto, type MotoServer } from "../../harness/moto";
import { publishBaseParameters } from "../../harness/seed";
import { entry, makeKey, NOBLE_X86, tempDir, writeCatalog } from "../catalog/helpers";
import { call, cliJson, listen } from "./helpers";

/**
 * The original design's REST paths (seeds 000 and 002) that answered 404: each answers what our own path (and
 * `cws … --json`) answers, computed by the same route code.
 */
describe("cws serve: the original design's paths (moto, a catalog directory signed with real ssh-keygen)", function () {
  this.timeout(60_000);
  let moto: MotoServer;
  let catalog: string;
  let server: Awaited<ReturnType<typeof listen>>;

  before(async () => {
    moto = await startMoto();
    for (const region of ["us-east-1", "eu-west-1"]) await publishBaseParameters(moto.clients().ssm(region));
    const dir = tempDir("cws-serve-design-");
    const key = makeKey(dir, "ml@uni.edu");
    catalog = path.join(dir, "catalog");
    writeCatalog(catalog, {
      signers: [key],
      entries: [
        { value: entry({ version: "2.1.0" }) },
        { value: entry({ template: "r-research", version: "1.0.0", creator: "stats@uni.edu" }) },
      ],
    });
    server = await listen({ clients: moto.clients(), catalog });
  });
  after(async () => {
    await server?.close();
    await moto?.stop();
  });

  it("GET /ami/costs/{template} answers what GET /ami/costs?template= and cws costs --json answer", async () => {
    const design = await call(server.url, "GET", "/api/v1/ami/costs/python-ml?region=eu-west-1&size=L");
    assert.equal(design.status, 200, design.text);
    const ours = await call(server.url, "GET", "/api/v1/ami/costs?template=python-ml&region=eu-west-1&size=L");
    assert.deepEqual(design.body, ours.body);
    assert.deepEqual(
      design.body,
      await cliJson(["costs", "python-ml", "--region", "eu-west-1", "--size", "L"], moto.clients()),
    );
    const both = await call(server.url, "GET", "/api/v1/ami/costs/python-ml?size=L&instanceType=m7i.large");
    assert.equal(both.status, 400);
  });

  it("POST /ami/test answers what GET /ami/test/{template} answers, its parameters in the body", async () => {
    const design = await call(server.url, "POST", "/api/v1/ami/test", {
      body: { template: "python-ml", regions: ["us-east-1", "eu-west-1"], allowCopy: false },
    });
    assert.equal(design.status, 200, design.text);
    const ours = await call(
      server.url,
      "GET",
      "/api/v1/ami/test/python-ml?regions=us-east-1,eu-west-1&allowCopy=false",
    );
    assert.deepEqual(design.body, ours.body);
    assert.deepEqual(
      design.body.map((r: { region: string }) => r.region),
      ["us-east-1", "eu-west-1"],
    );
    const unknownKey = await call(server.url, "POST", "/api/v1/ami/test", {
      body: { template: "python-ml", all_regions: true },
    });
    assert.equal(unknownKey.status, 400);
    assert.equal(unknownKey.body.error.code, "invalid_request");
  });

  it("GET /community/amis is the catalog's browse, filtered by the design's category and creator", async () => {
    const all = await call(server.url, "GET", "/api/v1/community/amis");
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(all.body, (await call(server.url, "GET", "/api/v1/catalog")).body);
    const ml = await call(server.url, "GET", "/api/v1/community/amis?category=machine-learning");
    assert.deepEqual(
      ml.body.map((r: { template: string }) => r.template),
      ["python-ml"],
    );
    assert.deepEqual(
      ml.body,
      await cliJson(["ami", "browse", "--catalog", catalog, "--category", "machine-learning"], moto.clients()),
    );
    const stats = await call(server.url, "GET", "/api/v1/community/amis?creator=stats%40uni.edu");
    assert.deepEqual(
      stats.body.map((r: { template: string }) => r.template),
      ["r-research"],
    );
  });

  it("POST /community/amis/{ami_id}/rate answers 501 with the cws catalog review command for each entry holding it", async () => {
    const rate = await call(server.url, "POST", `/api/v1/community/amis/${NOBLE_X86}/rate`, {
      body: { rating: 5, review: "fast" },
    });
    assert.equal(rate.status, 501, rate.text);
    assert.equal(rate.body.error.code, "review_in_catalog");
    assert.deepEqual(rate.body.error.details.entries, ["python-ml@2.1.0", "r-research@1.0.0"]);
    assert.equal(
      rate.body.error.details.commands[0],
      'cws catalog review python-ml@2.1.0 --rating 5 --reviewer <your-name> --comment "fast"',
    );
    const unknown = await call(server.url, "POST", "/api/v1/community/amis/ami-0123456789abcdef0/rate", {
      body: { rating: 4 },
    });
    assert.equal(unknown.status, 404);
    const tooHigh = await call(server.url, "POST", `/api/v1/community/amis/${NOBLE_X86}/rate`, { body: { rating: 6 } });
    assert.equal(tooHigh.status, 400);
  });
});
