import assert from "node:assert/strict";
import * as path from "node:path";
import { startMoto, type MotoServer } from "../../harness/moto";
import { entry, makeKey, tempDir, writeCatalog } from "../catalog/helpers";
import { call, cliJson, listen } from "./helpers";

/** The catalog endpoints answer what `cws catalog browse|show --json` print (real git is not needed: a directory). */
describe("cws serve: the catalog endpoints (moto, a catalog directory signed with real ssh-keygen)", function () {
  this.timeout(60_000);
  let moto: MotoServer;
  let catalog: string;
  let withCatalog: Awaited<ReturnType<typeof listen>>;
  let without: Awaited<ReturnType<typeof listen>>;

  before(async () => {
    moto = await startMoto();
    const dir = tempDir("cws-serve-catalog-");
    const key = makeKey(dir, "ml@uni.edu");
    catalog = path.join(dir, "catalog");
    writeCatalog(catalog, {
      signers: [key],
      entries: [
        { value: entry({ version: "2.1.0" }) },
        { value: entry({ version: "2.0.0", channels: ["beta"] }) },
        { value: entry({ version: "1.0.0", revoked: { reason: "openssl CVE", at: "2026-11-01" } }) },
        { value: entry({ template: "r-research", version: "1.0.0", ownr_account: "099720109477" }) },
      ],
      reviews: [{ template: "python-ml", version: "2.1.0", reviewer: "ana", rating: 5 }],
    });
    withCatalog = await listen({ clients: moto.clients(), catalog });
    without = await listen({ clients: moto.clients() });
  });
  after(async () => {
    await withCatalog?.close();
    await without?.close();
    await moto?.stop();
  });

  it("GET /catalog equals cws catalog browse --json, filters included", async () => {
    const all = await call(withCatalog.url, "GET", "/api/v1/catalog");
    assert.equal(all.status, 200);
    assert.deepEqual(all.body, await cliJson(["catalog", "browse", "--catalog", catalog], moto.clients()));
    assert.equal(all.body.length, 4);
    const beta = await call(withCatalog.url, "GET", "/api/v1/catalog?channel=beta");
    assert.deepEqual(
      beta.body.map((row: { version: string }) => row.version),
      ["2.0.0"],
    );
  });

  it("GET /catalog/{template}@{version} equals cws catalog show --json; an unknown version is 404", async () => {
    const one = await call(withCatalog.url, "GET", "/api/v1/catalog/python-ml@2.1.0");
    assert.equal(one.status, 200);
    assert.deepEqual(
      one.body,
      await cliJson(["catalog", "show", "python-ml@2.1.0", "--catalog", catalog], moto.clients()),
    );
    assert.equal(one.body.rating.count, 1);
    const missing = await call(withCatalog.url, "GET", "/api/v1/catalog/python-ml@9.9.9");
    assert.equal(missing.status, 404);
    assert.match(missing.body.error.message, /has no python-ml@9\.9\.9/);
  });

  it("GET /catalog and /catalog/{entry} name files relative to the catalog root, never the server's own paths", async () => {
    const all = await call(withCatalog.url, "GET", "/api/v1/catalog");
    assert.deepEqual(
      all.body.map((row: { file: string }) => row.file),
      [
        "entries/python-ml/2.1.0.yml",
        "entries/python-ml/2.0.0.yml",
        "entries/python-ml/1.0.0.yml",
        "entries/r-research/1.0.0.yml",
      ],
    );
    const invalid = await call(withCatalog.url, "GET", "/api/v1/catalog/r-research@1.0.0");
    assert.equal(invalid.status, 200);
    assert.equal(invalid.body.file, "entries/r-research/1.0.0.yml");
    assert.match(invalid.body.issues[0].file, /^entries\/r-research\/1\.0\.0\.yml$/);
    for (const reply of [all, invalid, await call(withCatalog.url, "GET", "/api/v1/catalog/python-ml")])
      assert.ok(!reply.text.includes(catalog), `no server path in ${reply.text}`);
  });

  it("a server without --catalog says so (404 no_catalog) and /server reports whether it has one", async () => {
    const reply = await call(without.url, "GET", "/api/v1/catalog");
    assert.equal(reply.status, 404);
    assert.equal(reply.body.error.code, "no_catalog");
    assert.equal((await call(without.url, "GET", "/api/v1/server")).body.catalog, false);
    assert.equal((await call(withCatalog.url, "GET", "/api/v1/server")).body.catalog, true);
  });
});
