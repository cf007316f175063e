import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { startMoto, type MotoServer } from "../../harness/moto";
import {
  CANONICAL,
  commitAll,
  entry,
  makeKey,
  NOBLE_ARM,
  NOBLE_X86,
  tempDir,
  writeCatalog,
  type TestKey,
} from "./helpers";
import { runCws } from "../cli/in-process";

describe("cws catalog (in-process, moto, real git and ssh-keygen)", () => {
  let moto: MotoServer;
  let keys: string;
  let ml: TestKey;
  let admin: TestKey;

  before(async () => {
    moto = await startMoto();
    keys = tempDir("cws-keys-");
    ml = makeKey(keys, "ml@uni.edu");
    admin = makeKey(keys, "admin@uni.edu");
  });
  after(async () => {
    await moto?.stop();
  });

  const cws = (...argv: string[]) =>
    runCws(argv, {
      clients: moto.clients(),
      env: { AWS_REGION: "us-east-1", CWS_CATALOG_CACHE: path.join(keys, "cache") },
    });

  const emptyCatalog = () => {
    const root = tempDir();
    writeCatalog(root, { signers: [ml, admin], entries: [] });
    return root;
  };

  it("submit writes a signed beta entry whose creator is the key's principal and owner_account the AMIs' owner", async () => {
    const root = emptyCatalog();
    const submitted = await cws(
      "catalog",
      "submit",
      "--catalog",
      root,
      "--template",
      "python-ml",
      "--version",
      "1.0.0",
      "--ami",
      `us-east-1=${NOBLE_X86}`,
      "--ami",
      `us-east-1=${NOBLE_ARM}`,
      "--ami",
      `eu-west-1=${NOBLE_X86}`,
      "--sign-key",
      ml.privateKey,
      "--description",
      "Python ML",
    );
    assert.equal(submitted.code, 0, submitted.err);
    assert.equal(submitted.err, "");
    assert.match(submitted.out, /wrote .*entries\/python-ml\/1\.0\.0\.yml and .*1\.0\.0\.yml\.sig/);
    const written = YAML.parse(fs.readFileSync(path.join(root, "entries/python-ml/1.0.0.yml"), "utf8"));
    assert.deepEqual(written, {
      template: "python-ml",
      version: "1.0.0",
      creator: "ml@uni.edu",
      owner_account: CANONICAL,
      description: "Python ML",
      channels: ["beta"],
      regions: { "eu-west-1": NOBLE_X86, "us-east-1": { x86_64: NOBLE_X86, arm64: NOBLE_ARM } },
    });

    const verified = await cws("catalog", "verify", "--catalog", root);
    assert.equal(verified.code, 0, verified.out);
    assert.match(verified.out, /✓ catalog acc-lab: 1 entries, every file, signature and AMI checked/);

    const again = await cws(
      "catalog",
      "submit",
      "--catalog",
      root,
      "--template",
      "python-ml",
      "--version",
      "1.0.0",
      "--ami",
      `us-east-1=${NOBLE_X86}`,
      "--sign-key",
      ml.privateKey,
    );
    assert.equal(again.code, 2);
    assert.match(again.err, /1\.0\.0\.yml already exists: a published version never changes; submit a new version/);
  });

  it("review, promote and show: ratings come from review files, promotion re-signs as the creator", async () => {
    const root = emptyCatalog();
    await cws(
      "catalog",
      "submit",
      "--catalog",
      root,
      "--template",
      "python-ml",
      "--version",
      "2.0.0",
      "--ami",
      `us-east-1=${NOBLE_X86}`,
      "--sign-key",
      ml.privateKey,
    );
    for (const [reviewer, rating] of [
      ["alice", "5"],
      ["bob", "4"],
    ]) {
      const reviewed = await cws(
        "catalog",
        "review",
        "python-ml@2.0.0",
        "--catalog",
        root,
        "--rating",
        rating,
        "--reviewer",
        reviewer,
        "--comment",
        "works",
      );
      assert.equal(reviewed.code, 0, reviewed.err);
    }
    const wrongSigner = await cws(
      "catalog",
      "promote",
      "python-ml@2.0.0",
      "--catalog",
      root,
      "--channel",
      "stable",
      "--sign-key",
      admin.privateKey,
    );
    assert.equal(wrongSigner.code, 2);
    assert.match(wrongSigner.err, /is listed for admin@uni\.edu, not for ml@uni\.edu/);
    const unsigned = await cws("catalog", "promote", "python-ml@2.0.0", "--catalog", root, "--channel", "stable");
    assert.equal(unsigned.code, 2);
    assert.match(unsigned.err, /its signature must be renewed: pass --sign-key KEY/);

    const promoted = await cws(
      "catalog",
      "promote",
      "python-ml@2.0.0",
      "--catalog",
      root,
      "--channel",
      "stable",
      "--sign-key",
      ml.privateKey,
    );
    assert.equal(promoted.code, 0, promoted.err);

    const shown = await cws("catalog", "show", "python-ml", "--catalog", root, "--json");
    assert.equal(shown.code, 0, shown.err);
    const json = JSON.parse(shown.out);
    assert.deepEqual(json.entry.channels, ["beta", "stable"]);
    assert.equal(json.signature.ok, true);
    assert.deepEqual(json.rating, { average: 4.5, count: 2 });
    assert.deepEqual(
      json.reviews.map((r: { reviewer: string }) => r.reviewer),
      ["alice", "bob"],
    );

    const browsed = await cws("catalog", "browse", "--catalog", root, "--channel", "stable");
    assert.match(browsed.out, /python-ml +2\.0\.0 +beta,stable +us-east-1 +★ 4\.5 \(2\) +– +ml@uni\.edu +✓ +–/);
  });

  it("verify exits 2 naming a tampered entry, and 3 naming file:line:column of an AMI owned by another account (files relative to the catalog root)", async () => {
    const root = tempDir();
    const files = writeCatalog(root, {
      signers: [ml],
      entries: [
        { value: entry({ version: "1.0.0" }) },
        { value: entry({ version: "1.1.0", owner_account: "444455556666" }) },
      ],
    });
    const ownerProblem = await cws("catalog", "verify", "--catalog", root, "--json");
    assert.equal(ownerProblem.code, 3, ownerProblem.out);
    const report = JSON.parse(ownerProblem.out);
    assert.equal(report.ok, false);
    assert.deepEqual(report.problems, [
      {
        kind: "ami",
        file: "entries/python-ml/1.1.0.yml",
        line: 8,
        column: 14,
        path: ["regions", "us-east-1"],
        message: `${NOBLE_X86} is owned by ${CANONICAL}, not the entry's owner_account 444455556666`,
      },
    ]);

    fs.appendFileSync(files["python-ml@1.0.0"], "# tampered\n");
    const tampered = await cws("catalog", "verify", "--catalog", root);
    assert.equal(tampered.code, 2);
    assert.match(
      tampered.out,
      /^entries\/python-ml\/1\.0\.0\.yml: signature does not verify: the file changed after it was signed by ml@uni\.edu$/m,
    );
    assert.ok(!tampered.out.includes(root), `no absolute path of the catalog: ${tampered.out}`);
    assert.match(tampered.out, /✗ catalog acc-lab: 2 problems/);
  });

  it("verify accepts unsigned entries only in a catalog with require_signatures: false", async () => {
    const root = tempDir();
    writeCatalog(root, {
      manifest: { name: "scratch", require_signatures: false },
      signers: [ml],
      entries: [{ value: entry({ version: "1.0.0" }), signWith: null }],
    });
    const relaxed = await cws("catalog", "verify", "--catalog", root);
    assert.equal(relaxed.code, 0, relaxed.out);
    fs.writeFileSync(path.join(root, "cloudworkstation-catalog.yml"), "name: scratch\n");
    const strict = await cws("catalog", "verify", "--catalog", root);
    assert.equal(strict.code, 2, strict.out);
    assert.match(strict.out, /1\.0\.0\.yml: signature missing/);
  });

  /** ml@uni.edu's python-ml@1.0.0, revoked (and re-signed) by admin@uni.edu, another allowed signer. */
  const catalogRevokedByAdmin = async () => {
    const root = tempDir();
    writeCatalog(root, { signers: [ml, admin], entries: [{ value: entry({ version: "1.0.0" }) }] });
    const revoked = await cws(
      "catalog",
      "revoke",
      "python-ml@1.0.0",
      "--catalog",
      root,
      "--reason",
      "openssl CVE-2026-1234",
      "--at",
      "2026-11-01",
      "--sign-key",
      admin.privateKey,
    );
    assert.equal(revoked.code, 0, revoked.err);
    return root;
  };

  it("revoke by another allowed signer passes verify, and browse shows the revocation", async () => {
    const root = await catalogRevokedByAdmin();
    const verified = await cws("catalog", "verify", "--catalog", root);
    assert.equal(verified.code, 0, verified.out);
    const browsed = await cws("catalog", "browse", "--catalog", root, "--json");
    const [row] = JSON.parse(browsed.out);
    assert.deepEqual(row.revoked, { reason: "openssl CVE-2026-1234", at: "2026-11-01" });
    assert.equal(row.signature.ok, true);
    assert.equal(row.signature.revocation, true);
    assert.match(row.signature.signer, /^admin@uni\.edu \(ED25519 key SHA256:/);
  });

  it("show accepts a revocation signed by another listed principal like verify does: ✓ revocation signed by …", async () => {
    const root = await catalogRevokedByAdmin();
    const shown = await cws("catalog", "show", "python-ml@1.0.0", "--catalog", root);
    assert.equal(shown.code, 0, shown.err);
    assert.match(shown.out, /Signature +✓ revocation signed by admin@uni\.edu \(ED25519 key SHA256:/);
    assert.doesNotMatch(shown.out, /✗/);
    const json = JSON.parse((await cws("catalog", "show", "python-ml@1.0.0", "--catalog", root, "--json")).out);
    const browsed = JSON.parse((await cws("catalog", "browse", "--catalog", root, "--json")).out);
    assert.deepEqual(json.signature, browsed[0].signature, "show and browse give one verdict");

    // A revocation edited after the admin signed it is not accepted: the other principal's signature must verify.
    fs.appendFileSync(path.join(root, "entries/python-ml/1.0.0.yml"), "# edited after signing\n");
    const tampered = await cws("catalog", "show", "python-ml@1.0.0", "--catalog", root);
    assert.match(
      tampered.out,
      /Signature +✗ signature does not verify: the file changed after it was signed by admin@uni\.edu/,
    );
    const verified = await cws("catalog", "verify", "--catalog", root);
    assert.equal(verified.code, 2, verified.out);
  });

  it("browses a git+file:// catalog at a ref, and refuses to write through a Git URL", async () => {
    const repo = tempDir();
    writeCatalog(repo, { signers: [ml], entries: [{ value: entry({ version: "1.0.0" }) }] });
    commitAll(repo, "one");
    const browsed = await cws("catalog", "browse", "--catalog", `git+file://${repo}#main`, "--json");
    assert.equal(browsed.code, 0, browsed.err);
    assert.equal(JSON.parse(browsed.out)[0].file, "entries/python-ml/1.0.0.yml");
    const write = await cws(
      "catalog",
      "review",
      "python-ml@1.0.0",
      "--catalog",
      `git+file://${repo}`,
      "--rating",
      "5",
      "--reviewer",
      "alice",
    );
    assert.equal(write.code, 2);
    assert.match(write.err, /is a Git URL: this command writes files, so give the catalog's working copy/);
  });

  it("submit --from-template publishes a saved template's images, and without a catalog says how to name one", async () => {
    const root = emptyCatalog();
    const saved = path.join(tempDir(), "python-ml-saved.yml");
    fs.writeFileSync(
      saved,
      YAML.stringify({
        name: "python-ml-saved",
        base: "ubuntu-24.04",
        ami_config: { ami_mappings: { "us-east-1": { x86_64: NOBLE_X86 } }, trusted_owners: [CANONICAL] },
      }),
    );
    const submitted = await cws(
      "catalog",
      "submit",
      "--catalog",
      root,
      "--template",
      "python-ml",
      "--version",
      "3.0.0",
      "--from-template",
      saved,
      "--sign-key",
      ml.privateKey,
      "--json",
    );
    assert.equal(submitted.code, 0, submitted.err);
    assert.match(JSON.parse(submitted.out).file, /entries\/python-ml\/3\.0\.0\.yml$/);

    const none = await cws("catalog", "browse");
    assert.equal(none.code, 2);
    assert.match(none.err, /no catalog: pass --catalog SRC, set CWS_CATALOG/);
  });
});
