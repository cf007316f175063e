import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { startMoto, type MotoServer } from "../../harness/moto";
import { entry, makeKey, NOBLE_X86, tempDir, writeCatalog, type TestKey } from "../catalog/helpers";
import { runCws } from "./in-process";

/** What `cws catalog` says about a flag given with a bad value: what was wrong with it, and the likely intent. */
describe("cws catalog flags with bad values (in-process, moto, real ssh-keygen)", () => {
  let moto: MotoServer;
  let keys: string;
  let ml: TestKey;
  let root: string;

  before(async () => {
    moto = await startMoto();
    keys = tempDir("cws-keys-");
    ml = makeKey(keys, "ml@uni.edu");
  });
  after(async () => {
    await moto?.stop();
  });
  beforeEach(() => {
    root = tempDir();
    writeCatalog(root, { signers: [ml], entries: [{ value: entry({ version: "1.0.0", channels: ["beta"] }) }] });
  });

  const cws = (...argv: string[]) =>
    runCws(argv, {
      clients: moto.clients(),
      env: { AWS_REGION: "us-east-1", CWS_CATALOG_CACHE: path.join(keys, "cache") },
    });

  it("--reviewer with a path in it is refused as not a name (it was given), and only a missing one as required", async () => {
    const invalid = await cws(
      "catalog",
      "review",
      "python-ml@1.0.0",
      "--rating",
      "4",
      "--reviewer",
      "../x",
      "--catalog",
      root,
    );
    assert.equal(invalid.code, 2);
    assert.match(invalid.err, /^cws: --reviewer "\.\.\/x" is not a name: use letters, digits, \. _ @ - only/);
    assert.doesNotMatch(invalid.err, /is required/);
    assert.equal(fs.existsSync(path.join(root, "reviews")), false, "nothing written");
    const missing = await cws("catalog", "review", "python-ml@1.0.0", "--rating", "4", "--catalog", root);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--reviewer NAME is required/);
  });

  it("--channel stabel gets a did-you-mean in catalog promote, submit and browse", async () => {
    const promote = await cws(
      "catalog",
      "promote",
      "python-ml@1.0.0",
      "--channel",
      "stabel",
      "--sign-key",
      ml.privateKey,
      "--catalog",
      root,
    );
    const submit = await cws(
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
      "--channel",
      "stabel",
    );
    const browse = await cws("catalog", "browse", "--catalog", root, "--channel", "stabel");
    for (const [name, run] of Object.entries({ promote, submit, browse })) {
      assert.equal(run.code, 2, `${name}: ${run.err}`);
      assert.match(
        run.err,
        /--channel: "stabel" is not a channel of this catalog \(stable, beta\); did you mean "stable"\?/,
        name,
      );
    }
    assert.equal(fs.existsSync(path.join(root, "entries", "python-ml", "2.0.0.yml")), false, "submit wrote nothing");
  });
});
