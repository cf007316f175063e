import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { startMoto, type MotoServer } from "../../harness/moto";
import { createImageFromInstance, FIXTURE_BASE_IMAGES, TEST_ACCOUNT_ID } from "../../harness/seed";
import { IMAGE_TAGS } from "../../src/core/image-tags";
import { entry, makeKey, tempDir, writeCatalog } from "../catalog/helpers";
import { runCws } from "./in-process";

/** The catalog in the lifecycle commands: a revoked version in `cws ami outdated`, stable entries in `cws ami retire`. */
describe("catalog revocations and stable entries in cws ami outdated and cws ami retire (moto, real ssh-keygen)", () => {
  let moto: MotoServer;
  let dir: string;
  let catalog: string;
  let revokedAmi: string;
  let stableAmi: string;

  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    const ec2 = moto.clients().ec2("us-east-1");
    const tags = { [IMAGE_TAGS.managed]: "true", [IMAGE_TAGS.template]: "lab-ml" };
    const source = FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64;
    revokedAmi = await createImageFromInstance(ec2, { sourceAmiId: source, name: "lab-ml-1", tags });
    await new Promise((resolve) => setTimeout(resolve, 1_050)); // moto dates images to the second
    stableAmi = await createImageFromInstance(ec2, { sourceAmiId: source, name: "lab-ml-2", tags });
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    await createImageFromInstance(ec2, { sourceAmiId: source, name: "lab-ml-3", tags });
    dir = tempDir("cws-catalog-lifecycle-");
    const key = makeKey(dir, "ml@uni.edu");
    catalog = path.join(dir, "catalog");
    const base = { template: "lab-ml", owner_account: TEST_ACCOUNT_ID };
    writeCatalog(catalog, {
      signers: [key],
      entries: [
        {
          value: entry({
            ...base,
            version: "1.0.0",
            regions: { "us-east-1": revokedAmi },
            revoked: { reason: "openssl CVE-2026-1234", at: "2026-11-01" },
          }),
        },
        { value: entry({ ...base, version: "2.0.0", regions: { "us-east-1": stableAmi } }) },
      ],
    });
    fs.mkdirSync(path.join(dir, "templates"));
    fs.writeFileSync(
      path.join(dir, "templates", "lab-ml.yml"),
      `name: lab-ml\nbase: ubuntu-24.04\nami_config:\n  catalog:\n    source: ${catalog}\n  trusted_owners: ["${TEST_ACCOUNT_ID}"]\n`,
    );
  });

  const run = (argv: string[]) => runCws(argv, { clients: moto.clients(), templatesDir: path.join(dir, "templates") });

  it("cws ami outdated reports a workstation on a revoked catalog version as revoked, with the reason", async () => {
    const { code, out, err } = await run(["ami", "outdated", "--template", "lab-ml", "--ami", revokedAmi, "--json"]);
    assert.equal(code, 3, err);
    const [row] = JSON.parse(out);
    assert.equal(row.status, "revoked");
    assert.match(row.reason, /lab-ml 1\.0\.0 was revoked in catalog .* on 2026-11-01: openssl CVE-2026-1234/);
    const current = await run(["ami", "outdated", "--template", "lab-ml", "--ami", stableAmi, "--json"]);
    assert.equal(JSON.parse(current.out)[0].status, "current", current.err);
  });

  it("cws ami retire --catalog keeps what a stable entry lists and retires a revoked version's image", async () => {
    const { code, out, err } = await run(["ami", "retire", "--keep", "1", "--catalog", catalog, "--plan", "--json"]);
    assert.equal(code, 0, err);
    const images = JSON.parse(out).plan.images as { amiId: string; action: string; reasons: string[] }[];
    const byId = new Map(images.map((image) => [image.amiId, image]));
    assert.equal(byId.get(stableAmi)?.action, "keep");
    assert.match(byId.get(stableAmi)?.reasons.join() ?? "", /listed by stable catalog entry lab-ml@2\.0\.0/);
    assert.equal(byId.get(revokedAmi)?.action, "retire");
  });
});
