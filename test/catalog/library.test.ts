import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { formatIssue } from "../../src/templates/errors";
import { readCatalogDirectory } from "../../src/catalog/loader";
import { verifyEntrySignature } from "../../src/catalog/signatures";
import { CatalogSourceError, parseCatalogSource } from "../../src/catalog/source";
import { CatalogStore } from "../../src/catalog/store";
import { catalogEntryJsonSchema } from "../../src/catalog/format";
import {
  allowedSignersLine,
  commitAll,
  entry,
  git,
  makeKey,
  tempDir,
  writeCatalog,
  writeEntry,
  type TestKey,
} from "./helpers";

describe("catalog library (real ssh-keygen and git)", () => {
  let keysDir: string;
  let ml: TestKey;
  let other: TestKey;
  let stranger: TestKey;

  before(() => {
    keysDir = tempDir("cws-keys-");
    ml = makeKey(keysDir, "ml@uni.edu");
    other = makeKey(keysDir, "bio@uni.edu");
    stranger = makeKey(keysDir, "stranger@example.org");
  });
  after(() => fs.rmSync(keysDir, { recursive: true, force: true }));

  describe("format and loader", () => {
    it("loads entries newest version first and computes ratings from the review files", () => {
      const root = tempDir();
      writeCatalog(root, {
        signers: [ml],
        entries: [{ value: entry({ version: "1.10.0" }) }, { value: entry({ version: "1.9.0" }) }],
        reviews: [
          { template: "python-ml", version: "1.10.0", reviewer: "alice", rating: 5 },
          { template: "python-ml", version: "1.10.0", reviewer: "bob", rating: 4 },
        ],
      });
      const catalog = readCatalogDirectory(root);
      assert.deepEqual(catalog.issues, []);
      assert.equal(catalog.manifest?.name, "acc-lab");
      assert.deepEqual(catalog.manifest?.channels, ["stable", "beta"]);
      assert.equal(catalog.manifest?.require_signatures, true);
      assert.deepEqual(
        catalog.entries.map((e) => e.version),
        ["1.10.0", "1.9.0"],
      );
      assert.deepEqual(catalog.entries[0].rating, { average: 4.5, count: 2 });
      assert.equal(catalog.entries[1].rating, undefined);
    });

    it("reports a misspelt key, a version that does not match the file name and an unknown channel at file:line:column", () => {
      const root = tempDir();
      writeCatalog(root, { signers: [ml], entries: [] });
      const file = path.join(root, "entries", "python-ml", "2.0.0.yml");
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(
        file,
        [
          "template: python-ml",
          "version: 2.0.1",
          "creator: ml@uni.edu",
          'ownr_account: "099720109477"',
          "channels: [stable, betta]",
          "regions:",
          "  us-east-1: ami-00c41000000000002",
          "",
        ].join("\n"),
      );
      const first = readCatalogDirectory(root, { displayRoot: "cat" });
      const messages = first.issues.map(formatIssue);
      assert.ok(
        messages.some((m) =>
          m.startsWith('cat/entries/python-ml/2.0.0.yml:4:1 unknown key "ownr_account"; did you mean "owner_account"?'),
        ),
        messages.join("\n"),
      );
      assert.equal(first.entries[0].entry, undefined, "an invalid entry is never usable");

      fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("ownr_account", "owner_account"));
      const second = readCatalogDirectory(root, { displayRoot: "cat" }).issues.map(formatIssue);
      assert.deepEqual(second, [
        'cat/entries/python-ml/2.0.0.yml:2:10 version: is "2.0.1" but the file is named 2.0.0.yml',
        'cat/entries/python-ml/2.0.0.yml:5:20 channels[1]: "betta" is not a channel of this catalog (stable, beta); did you mean "beta"?',
      ]);
    });

    it("reports a review whose reviewer does not match its file name, and a missing manifest", () => {
      const root = tempDir();
      writeCatalog(root, { signers: [ml], entries: [{ value: entry({ version: "1.0.0" }) }] });
      const dir = path.join(root, "reviews", "python-ml", "1.0.0");
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "alice.yml"), "rating: 6\nreviewer: bob\ndate: '2026-11-01'\n");
      fs.rmSync(path.join(root, "cloudworkstation-catalog.yml"));
      const messages = readCatalogDirectory(root, { displayRoot: "" }).issues.map(formatIssue);
      assert.ok(
        messages.some((m) => m.startsWith("cloudworkstation-catalog.yml: missing")),
        messages.join("\n"),
      );
      assert.ok(
        messages.includes("reviews/python-ml/1.0.0/alice.yml:1:9 rating: must be at most 5, found the number 6"),
        messages.join("\n"),
      );
    });

    it("publishes a JSON Schema for entries with field descriptions", () => {
      const schema = catalogEntryJsonSchema() as {
        properties: Record<string, { description?: string }>;
        required: string[];
      };
      assert.match(schema.properties.owner_account.description ?? "", /owns every AMI/);
      assert.deepEqual([...schema.required].sort(), [
        "channels",
        "creator",
        "owner_account",
        "regions",
        "template",
        "version",
      ]);
      const file = path.resolve(__dirname, "../../catalog/entry.schema.json");
      assert.deepEqual(
        JSON.parse(fs.readFileSync(file, "utf8")),
        schema,
        "catalog/entry.schema.json is stale: run npx tsx scripts/write-catalog-schema.ts",
      );
    });
  });

  describe("signatures with ssh-keygen -Y", () => {
    const signed = (signer: TestKey, creator = "ml@uni.edu") => {
      const root = tempDir();
      fs.writeFileSync(
        path.join(root, "allowed_signers"),
        [allowedSignersLine(ml), allowedSignersLine(other)].join("\n") + "\n",
      );
      const file = writeEntry(root, entry({ version: "1.0.0", creator }));
      fs.rmSync(`${file}.sig`, { force: true });
      require("node:child_process").execFileSync(
        "ssh-keygen",
        ["-q", "-Y", "sign", "-f", signer.privateKey, "-n", "cloudworkstation-catalog", file],
        { stdio: "ignore" },
      );
      return { file, allowed: path.join(root, "allowed_signers") };
    };

    it("verifies a signature by the creator's key and names the key", async () => {
      const { file, allowed } = signed(ml);
      const verdict = await verifyEntrySignature(file, allowed, "ml@uni.edu");
      assert.equal(verdict.ok, true);
      assert.match(verdict.ok ? verdict.signer : "", /^ml@uni\.edu \(ED25519 key SHA256:/);
    });

    it("refuses a file changed after it was signed", async () => {
      const { file, allowed } = signed(ml);
      fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("099720109477", "444455556666"));
      const verdict = await verifyEntrySignature(file, allowed, "ml@uni.edu");
      assert.deepEqual(verdict, {
        ok: false,
        reason: "signature does not verify: the file changed after it was signed by ml@uni.edu",
      });
    });

    it("refuses a signature by a key that allowed_signers does not list", async () => {
      const { file, allowed } = signed(stranger);
      const verdict = await verifyEntrySignature(file, allowed, "ml@uni.edu");
      assert.deepEqual(verdict, {
        ok: false,
        reason: "signature by a key not in allowed_signers (creator is ml@uni.edu)",
      });
    });

    it("refuses an entry whose creator is not the principal that signed it", async () => {
      const { file, allowed } = signed(other);
      const verdict = await verifyEntrySignature(file, allowed, "ml@uni.edu");
      assert.deepEqual(verdict, {
        ok: false,
        reason: "signed by bio@uni.edu, not by the entry's creator ml@uni.edu",
        signedBy: ["bio@uni.edu"],
      });
    });

    it("reports a missing signature file", async () => {
      const { file, allowed } = signed(ml);
      fs.rmSync(`${file}.sig`);
      const verdict = await verifyEntrySignature(file, allowed, "ml@uni.edu");
      assert.equal(verdict.ok, false);
      assert.match(verdict.ok ? "" : verdict.reason, /^signature missing \(no 1\.0\.0\.yml\.sig/);
    });
  });

  describe("sources", () => {
    it("parses git+ URLs with a ref, directories, and refuses a bare URL with what to write instead", () => {
      assert.deepEqual(parseCatalogSource("git+https://github.com/lab/catalog.git#v2"), {
        kind: "git",
        url: "https://github.com/lab/catalog.git",
        ref: "v2",
        text: "git+https://github.com/lab/catalog.git#v2",
      });
      assert.deepEqual(parseCatalogSource("git+file:///srv/catalog"), {
        kind: "git",
        url: "file:///srv/catalog",
        text: "git+file:///srv/catalog",
      });
      assert.equal(parseCatalogSource("lab-catalog", "/work").kind, "directory");
      assert.throws(
        () => parseCatalogSource("https://github.com/lab/catalog.git"),
        (error: unknown) =>
          error instanceof CatalogSourceError &&
          /prefix Git repositories with git\+ \(e\.g\. git\+https:/.test(error.message),
      );
    });

    it("fetches a git+file:// source at a tag, a commit or the default branch with the real git and records the commit it read", async () => {
      const repo = tempDir();
      writeCatalog(repo, { signers: [ml], entries: [{ value: entry({ version: "1.0.0" }) }] });
      const tagged = commitAll(repo, "1.0.0");
      git(repo, "tag", "v1");
      writeEntry(repo, entry({ version: "2.0.0" }));
      const head = commitAll(repo, "2.0.0");

      const store = new CatalogStore({ cacheDir: tempDir("cws-cache-") });
      const atTag = await store.open(`git+file://${repo}#v1`);
      assert.equal(atTag.commit, tagged);
      assert.deepEqual(
        atTag.catalog.entries.map((e) => e.version),
        ["1.0.0"],
      );
      const atCommit = await store.open(`git+file://${repo}#${tagged}`);
      assert.equal(atCommit.commit, tagged, "a commit id works as the ref too");
      assert.deepEqual(
        atCommit.catalog.entries.map((e) => e.version),
        ["1.0.0"],
      );
      const atHead = await store.open(`git+file://${repo}`);
      assert.equal(atHead.commit, head);
      assert.deepEqual(
        atHead.catalog.entries.map((e) => e.version),
        ["2.0.0", "1.0.0"],
      );
      assert.equal(
        atHead.catalog.entries[0].file,
        "entries/python-ml/2.0.0.yml",
        "files are named inside the repository",
      );
    });

    it("says which ref could not be fetched", async () => {
      const repo = tempDir();
      writeCatalog(repo, { signers: [ml], entries: [] });
      commitAll(repo, "empty");
      const store = new CatalogStore({ cacheDir: tempDir("cws-cache-") });
      await assert.rejects(store.open(`git+file://${repo}#no-such-branch`), (error: unknown) => {
        assert.ok(error instanceof CatalogSourceError);
        assert.match(error.message, /could not fetch ref "no-such-branch" of file:\/\//);
        return true;
      });
    });

    it("fetches a catalog once for 50 concurrent opens of the same source and ref (git invocations counted)", async () => {
      const repo = tempDir();
      writeCatalog(repo, { signers: [ml], entries: [{ value: entry({ version: "1.0.0" }) }] });
      commitAll(repo, "one");
      const store = new CatalogStore({ cacheDir: tempDir("cws-cache-") });
      const opened = await Promise.all(Array.from({ length: 50 }, () => store.open(`git+file://${repo}#main`)));
      assert.equal(new Set(opened).size, 1);
      assert.deepEqual(store.stats, { fetches: 1, gitInvocations: 4 });
    });

    it("opens a catalog again after ttlMs, and not before", async () => {
      const repo = tempDir();
      writeCatalog(repo, { signers: [ml], entries: [{ value: entry({ version: "1.0.0" }) }] });
      commitAll(repo, "one");
      let clock = 0;
      const store = new CatalogStore({ cacheDir: tempDir("cws-cache-"), ttlMs: 60_000, now: () => clock });
      await store.open(`git+file://${repo}`);
      clock = 59_999;
      await store.open(`git+file://${repo}`);
      assert.equal(store.stats.fetches, 1);
      clock = 60_000;
      await store.open(`git+file://${repo}`);
      assert.equal(store.stats.fetches, 2);
    });
  });
});
