import assert from "node:assert/strict";
import * as fs from "node:fs";
import { defaultCatalogStore } from "../../src/catalog/store";
import { check } from "../../src/dynamic/ami-resolution/provider";
import type { AwsClients } from "../../src/core/clients";
import { startMoto, type MotoServer } from "../../harness/moto";
import {
  commitAll,
  entry,
  makeKey,
  NOBLE_X86,
  sign,
  tempDir,
  writeCatalog,
  writeEntry,
  type TestKey,
} from "../catalog/helpers";

/**
 * The AmiResolution provider's check with a pinned catalog version, against moto and a real git catalog (signed with
 * ssh-keygen, test/catalog/helpers.ts): a revoked version is re-resolved and says why; an unreachable catalog fails
 * the check instead of keeping or dropping the pin on a guess.
 */
describe("the AmiResolution provider with a pinned catalog version (moto, a git catalog)", () => {
  let moto: MotoServer;
  let clients: AwsClients;
  let ml: TestKey;
  let repo: string;
  const previousCache = process.env.CWS_CATALOG_CACHE;

  before(async () => {
    moto = await startMoto();
    ml = makeKey(tempDir("cws-keys-"), "ml@uni.edu");
  });
  after(async () => {
    if (previousCache === undefined) delete process.env.CWS_CATALOG_CACHE;
    else process.env.CWS_CATALOG_CACHE = previousCache;
    await moto?.stop();
  });
  beforeEach(() => {
    process.env.CWS_CATALOG_CACHE = tempDir("cws-cache-");
    defaultCatalogStore.clear();
    clients = moto.clients();
    repo = tempDir();
    writeCatalog(repo, {
      signers: [ml],
      entries: [{ value: entry({ version: "2.0.0" }) }, { value: entry({ version: "2.1.0" }) }],
    });
    commitAll(repo, "two versions");
  });

  const news = () => ({
    templateObject: {
      name: "python-ml",
      base: "ubuntu-24.04",
      ami_config: { strategy: "ami_required", catalog: { source: `git+file://${repo}` } },
    },
    region: "us-east-1",
    instanceType: "m7i.large",
  });

  /** A new `pulumi preview` is a new provider process: nothing of the catalog is remembered. */
  const newProcess = () => {
    defaultCatalogStore.clear();
    process.env.CWS_CATALOG_CACHE = tempDir("cws-cache-");
  };

  it("keeps a pinned catalog version while it is not revoked", async () => {
    const first = await check({}, news(), clients);
    assert.equal(first.failures, undefined, JSON.stringify(first.failures));
    assert.equal(first.inputs.method, "catalog");
    assert.ok((first.inputs.fallbackChain as string[]).some((line) => line.includes("python-ml@2.1.0")));
    newProcess();
    const again = await check(first.inputs, news(), clients);
    assert.equal(again.inputs.resolutionNote, null);
    assert.deepEqual(again.inputs.fallbackChain, first.inputs.fallbackChain);
  });

  it("re-resolves a pinned version once the catalog revokes it, saying so in resolutionNote", async () => {
    const first = await check({}, news(), clients);
    sign(
      writeEntry(repo, entry({ version: "2.1.0", revoked: { reason: "openssl CVE-2026-1234", at: "2026-11-01" } })),
      ml,
    );
    commitAll(repo, "revoke 2.1.0");
    newProcess();
    const next = await check(first.inputs, news(), clients);
    assert.equal(next.failures, undefined, JSON.stringify(next.failures));
    assert.equal(
      next.inputs.resolutionNote,
      "↻ re-resolved: python-ml 2.1.0 was revoked in catalog acc-lab: openssl CVE-2026-1234",
    );
    assert.ok((next.inputs.fallbackChain as string[]).some((line) => line.includes("python-ml@2.0.0")));
    assert.equal(next.inputs.resolvedAmiId, NOBLE_X86);
  });

  it("fails the check on `template` when the catalog cannot be read, rather than keep or drop the pin", async () => {
    const first = await check({}, news(), clients);
    fs.rmSync(repo, { recursive: true, force: true });
    newProcess();
    const next = await check(first.inputs, news(), clients);
    assert.equal(next.failures?.[0].property, "template");
    assert.match(next.failures?.[0].reason ?? "", /cannot check the pinned catalog version of ami-/);
  });
});
