import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkPinnedCatalogVersion, withReResolutionNote } from "../../src/dynamic/pin/provider-catalog-recheck";
import { defaultCatalogStore } from "../../src/catalog/store";
import { resolveAmi } from "../../src/resolver/engine";
import { AwsCallError } from "../../src/core/errors";
import { ImageCache } from "../../src/core/image-cache";
import { catalogTier } from "../../src/resolver/tiers/catalog";
import type { FallbackStep, ResolutionResult } from "../../src/resolver/types";
import type { AwsClients } from "../../src/core/clients";
import { startMoto, type MotoServer } from "../../harness/moto";
import { publishPublicParameter } from "../../harness/seed";
import { template, UBUNTU_2404_AMD64_PARAMETER } from "../resolver/support";
import {
  CANONICAL,
  commitAll,
  entry,
  makeKey,
  NOBLE_ARM,
  NOBLE_X86,
  sign,
  tempDir,
  writeCatalog,
  writeEntry,
  type TestKey,
} from "./helpers";

const SQUATTER = "210987654321";
const SQUATTER_AMI = "ami-00bad000000000001";

const catalogStep = (result: ResolutionResult): FallbackStep => {
  const found = result.fallbackChain.find((s) => s.tier === "catalog");
  assert.ok(found, "no catalog step in the chain");
  return found;
};

describe("the catalog resolution tier against moto (real git and ssh-keygen)", () => {
  let moto: MotoServer;
  let clients: AwsClients;
  let keys: string;
  let ml: TestKey;
  let stranger: TestKey;
  const previousCache = process.env.CWS_CATALOG_CACHE;

  const resolve = (t: ReturnType<typeof template>, options: Partial<Parameters<typeof resolveAmi>[1]> = {}) =>
    resolveAmi(t, { region: "us-east-1", instanceType: "m7i.large", ...options }, clients, {
      cache: new ImageCache(),
    });
  const pythonMl = (catalog: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    template({ name: "python-ml", ami_config: { catalog, ...extra } as never });

  before(async () => {
    moto = await startMoto();
    keys = tempDir("cws-keys-");
    ml = makeKey(keys, "ml@uni.edu");
    stranger = makeKey(keys, "stranger@example.org");
    process.env.CWS_CATALOG_CACHE = tempDir("cws-cache-");
  });
  beforeEach(async () => {
    await moto.reset();
    clients = moto.clients();
    defaultCatalogStore.clear();
    await publishPublicParameter(clients.ssm("us-east-1"), UBUNTU_2404_AMD64_PARAMETER, NOBLE_X86);
  });
  after(async () => {
    await moto?.stop();
    if (previousCache === undefined) delete process.env.CWS_CATALOG_CACHE;
    else process.env.CWS_CATALOG_CACHE = previousCache;
  });

  it("selects the newest version in the channel, and names version, channel, creator and signer in the chain", async () => {
    const root = tempDir();
    writeCatalog(root, {
      signers: [ml],
      entries: [
        { value: entry({ version: "2.0.0", channels: ["beta"], regions: { "us-east-1": NOBLE_ARM } }) },
        { value: entry({ version: "1.1.0", channels: ["stable", "beta"] }) },
        { value: entry({ version: "1.0.0" }) },
      ],
    });
    const stable = await resolve(pythonMl({ source: root }));
    assert.equal(stable.method, "catalog");
    assert.equal(stable.amiId, NOBLE_X86);
    const step = catalogStep(stable);
    assert.match(
      step.detail,
      /^selected ami-00c41000000000002: python-ml@1\.1\.0 \(channel stable\) from catalog acc-lab regions\.us-east-1, creator ml@uni\.edu, signed by ml@uni\.edu \(ED25519 key SHA256:\S+\)/,
    );
    assert.equal(stable.fallbackChain[1], step, "the catalog tier runs right after direct_mapping");

    const beta = await resolve(pythonMl({ source: root, channel: "beta" }), { instanceType: "m7g.large" });
    assert.equal(beta.amiId, NOBLE_ARM);
    assert.match(catalogStep(beta).detail, /python-ml@2\.0\.0 \(channel beta\)/);
  });

  it("skips every newer version with its reason: revoked, unsigned, tampered, unknown signer, low rating, owner mismatch, no region, no architecture, missing AMI, untrusted owner, invalid file", async () => {
    const root = tempDir();
    const rated = ["1.9.0", "1.8.0", "1.7.0", "1.6.0", "1.4.0", "1.3.0", "1.2.0", "1.1.0", "1.0.5", "1.0.4", "1.0.0"];
    const files = writeCatalog(root, {
      signers: [ml],
      entries: [
        { value: entry({ version: "1.9.0", revoked: { reason: "openssl CVE-2026-1234", at: "2026-11-01" } }) },
        { value: entry({ version: "1.8.0" }), signWith: null },
        { value: entry({ version: "1.7.0" }) },
        { value: entry({ version: "1.6.0" }), signWith: stranger },
        { value: entry({ version: "1.5.0" }) },
        { value: entry({ version: "1.4.0", owner_account: "444455556666" }) },
        { value: entry({ version: "1.3.0", regions: { "eu-west-1": NOBLE_X86 } }) },
        { value: entry({ version: "1.2.0", regions: { "us-east-1": { arm64: NOBLE_ARM } } }) },
        { value: entry({ version: "1.1.0", regions: { "us-east-1": "ami-0123456789abcdef0" } }) },
        { value: entry({ version: "1.0.5", owner_account: SQUATTER, regions: { "us-east-1": SQUATTER_AMI } }) },
        { value: entry({ version: "1.0.4", ownr_account: CANONICAL }) },
        { value: entry({ version: "1.0.3", channels: ["beta"] }) },
        { value: entry({ version: "1.0.0" }) },
      ],
      reviews: [
        ...rated.map((version) => ({ template: "python-ml", version, reviewer: "alice", rating: 5 })),
        { template: "python-ml", version: "1.5.0", reviewer: "alice", rating: 2 },
        { template: "python-ml", version: "1.5.0", reviewer: "bob", rating: 3 },
      ],
    });
    // Tampered after signing: the signature no longer covers what the file says.
    const tampered = files["python-ml@1.7.0"];
    fs.writeFileSync(tampered, fs.readFileSync(tampered, "utf8").replace("Python ML", "Python ML (patched)"));

    const result = await resolve(
      pythonMl({ source: root, min_rating: 4 }, { trusted_owners: [CANONICAL, "444455556666"] }),
    );
    assert.equal(result.method, "catalog", JSON.stringify(result.fallbackChain, null, 1));
    assert.equal(result.amiId, NOBLE_X86);
    const detail = catalogStep(result).detail;
    const skipped = detail
      .slice(detail.indexOf("; skipped newer: ") + "; skipped newer: ".length)
      .split(/; (?=\d+\.\d+\.\d+: )/);
    assert.deepEqual(skipped, [
      "1.9.0: revoked on 2026-11-01: openssl CVE-2026-1234",
      "1.8.0: signature missing (no 1.8.0.yml.sig; sign with cws catalog submit --sign-key)",
      "1.7.0: signature does not verify: the file changed after it was signed by ml@uni.edu",
      "1.6.0: signature by a key not in allowed_signers (creator is ml@uni.edu)",
      "1.5.0: rated 2.5 by 2, below min_rating 4",
      "1.4.0: owner 099720109477 is not the entry's owner_account 444455556666",
      "1.3.0: no AMI for us-east-1 (has eu-west-1)",
      "1.2.0: no x86_64 AMI for us-east-1",
      "1.1.0: ami-0123456789abcdef0 : does not exist in the region (deregistered, never copied here, or not shared with this account)",
      `1.0.5: ${SQUATTER_AMI} : owner ${SQUATTER} not in trusted_owners [${CANONICAL}, 444455556666]`,
      '1.0.4: invalid entry file: entries/python-ml/1.0.4.yml:10:1 unknown key "ownr_account"; did you mean "owner_account"?',
    ]);
    assert.match(detail, /^selected ami-00c41000000000002: python-ml@1\.0\.0 \(channel stable\)/);
    assert.doesNotMatch(detail, /1\.0\.3/, "a version outside the channel is not a candidate");
  });

  it("fails over to the later tiers with every version's reason when no version passes", async () => {
    const root = tempDir();
    writeCatalog(root, {
      signers: [ml],
      entries: [{ value: entry({ version: "3.0.0", owner_account: "444455556666" }) }],
    });
    const result = await resolve(pythonMl({ source: root }, { ssm_parameter: UBUNTU_2404_AMD64_PARAMETER }));
    assert.equal(result.method, "ssm_parameter");
    assert.deepEqual(catalogStep(result), {
      tier: "catalog",
      outcome: "rejected",
      detail:
        "no python-ml version in channel stable of catalog acc-lab passes: 3.0.0: owner 099720109477 is not the entry's owner_account 444455556666",
    });
  });

  it("accepts an unsigned entry only when the catalog says require_signatures: false, and says it is unsigned", async () => {
    const root = tempDir();
    writeCatalog(root, {
      manifest: { name: "scratch", require_signatures: false },
      signers: [ml],
      entries: [{ value: entry({ version: "1.0.0" }), signWith: null }],
    });
    const result = await resolve(pythonMl({ source: root }));
    assert.equal(result.method, "catalog");
    assert.match(catalogStep(result).detail, /signed by unsigned \(the catalog does not require signatures\)/);
  });

  it("rejects a channel the catalog does not have, suggesting the closest", async () => {
    const root = tempDir();
    writeCatalog(root, { signers: [ml], entries: [{ value: entry({ version: "1.0.0" }) }] });
    const result = await resolve(pythonMl({ source: root, channel: "stabel" }));
    assert.equal(catalogStep(result).outcome, "rejected");
    assert.match(
      catalogStep(result).detail,
      /channel "stabel" is not a channel of catalog acc-lab \(stable, beta\); did you mean "stable"\?/,
    );
  });

  it("records a catalog that cannot be fetched as an error of the tier, naming the source", async () => {
    const result = await resolve(pythonMl({ source: "git+file:///nonexistent/catalog.git#main" }));
    assert.equal(catalogStep(result).outcome, "error");
    assert.match(catalogStep(result).detail, /could not fetch ref "main" of file:\/\/\/nonexistent\/catalog\.git/);
  });

  it("resolves 50 workstations through one git+file:// catalog at a ref with one fetch (git invocations counted)", async () => {
    const repo = tempDir();
    writeCatalog(repo, { signers: [ml], entries: [{ value: entry({ version: "1.0.0" }) }] });
    const commit = commitAll(repo, "catalog");
    const t = pythonMl({ source: `git+file://${repo}#main` });
    const before = defaultCatalogStore.stats;
    const results = await Promise.all(Array.from({ length: 50 }, () => resolve(t)));
    const after = defaultCatalogStore.stats;
    assert.deepEqual(
      { fetches: after.fetches - before.fetches, gitInvocations: after.gitInvocations - before.gitInvocations },
      { fetches: 1, gitInvocations: 4 },
    );
    for (const result of results) {
      assert.equal(result.amiId, NOBLE_X86);
      assert.match(catalogStep(result).detail, new RegExp(`from catalog acc-lab@${commit.slice(0, 12)} `));
    }
  });

  describe("pinning", () => {
    it("re-resolves a pinned catalog version once it is revoked, with the exact first chain line", async () => {
      const repo = tempDir();
      writeCatalog(repo, {
        signers: [ml],
        entries: [{ value: entry({ version: "2.0.0" }) }, { value: entry({ version: "2.1.0" }) }],
      });
      commitAll(repo, "two versions");
      const t = pythonMl({ source: `git+file://${repo}` });
      const pinned = await resolve(t);
      assert.match(catalogStep(pinned).detail, /python-ml@2\.1\.0/);
      assert.deepEqual(await checkPinnedCatalogVersion(t, pinned), { valid: true });

      const file = writeEntry(
        repo,
        entry({ version: "2.1.0", revoked: { reason: "openssl CVE-2026-1234", at: "2026-11-01" } }),
      );
      sign(file, ml);
      commitAll(repo, "revoke 2.1.0");
      defaultCatalogStore.clear(); // the next preview is a new process
      const state = await checkPinnedCatalogVersion(t, pinned);
      assert.equal(state.valid, false);
      assert.equal(
        state.valid ? "" : state.chainLine,
        "↻ re-resolved: python-ml 2.1.0 was revoked in catalog acc-lab: openssl CVE-2026-1234",
      );
      const stored = pinned.fallbackChain.map((s) => `${s.outcome === "selected" ? "✓" : "–"} ${s.tier}: ${s.detail}`);
      assert.deepEqual(
        await checkPinnedCatalogVersion(t, { method: "catalog", fallbackChain: stored }),
        state,
        "the formatted chain a dynamic resource keeps in state works as well",
      );
      const fresh = state.valid ? pinned : withReResolutionNote(await resolve(t), state);
      assert.equal(
        fresh.fallbackChain[0].detail,
        "↻ re-resolved: python-ml 2.1.0 was revoked in catalog acc-lab: openssl CVE-2026-1234",
      );
      assert.match(catalogStep({ ...fresh, fallbackChain: fresh.fallbackChain.slice(1) }).detail, /python-ml@2\.0\.0/);
    });

    it("re-resolves a pinned catalog version that was removed from the catalog", async () => {
      const root = tempDir();
      const files = writeCatalog(root, {
        signers: [ml],
        entries: [{ value: entry({ version: "2.0.0" }) }, { value: entry({ version: "2.1.0" }) }],
      });
      const t = pythonMl({ source: root });
      const pinned = await resolve(t);
      fs.rmSync(files["python-ml@2.1.0"]);
      fs.rmSync(`${files["python-ml@2.1.0"]}.sig`);
      defaultCatalogStore.clear();
      const state = await checkPinnedCatalogVersion(t, pinned);
      assert.equal(
        state.valid ? "" : state.chainLine,
        "↻ re-resolved: python-ml 2.1.0 was removed from catalog acc-lab",
      );
    });

    it("leaves resolutions that did not come from the catalog alone", async () => {
      const t = template({
        ami_config: { ssm_parameter: UBUNTU_2404_AMD64_PARAMETER, catalog: { source: "nowhere" } } as never,
      });
      const previous = { method: "ssm_parameter" as const, fallbackChain: [] };
      assert.deepEqual(await checkPinnedCatalogVersion(t, previous), { valid: true });
    });
  });

  it("lets an AwsCallError from the AMI lookup propagate instead of skipping the version (stubbed image cache)", async () => {
    const root = tempDir();
    writeCatalog(root, { signers: [ml], entries: [{ value: entry({ version: "1.0.0" }) }] });
    const denied = new AwsCallError("permission", "not allowed to describe images", {
      service: "EC2",
      operation: "DescribeImages",
      hint: "allow ec2:DescribeImages",
    });
    const t = pythonMl({ source: root });
    const context = {
      template: t,
      config: t.ami_config,
      region: "us-east-1",
      targetRegion: "us-east-1",
      architecture: "x86_64",
      instanceType: "m7i.large",
      strategy: "ami_preferred",
      fallbackStrategy: "script_provisioning",
      crossRegionConsent: false,
      crossRegionMaxHops: 1,
      requirements: { architecture: "x86_64", includeDeprecated: false, now: new Date() },
      clients,
      cache: { getImage: async () => Promise.reject(denied) } as unknown as ImageCache,
      signal: new AbortController().signal,
      warnings: [],
      regionalTiers: [],
    } as Parameters<typeof catalogTier.run>[0];
    await assert.rejects(catalogTier.run(context), (error: unknown) => error === denied);
  });

  it("reads entries written as YAML with both architectures", async () => {
    const root = tempDir();
    writeCatalog(root, {
      signers: [ml],
      entries: [
        { value: entry({ version: "1.0.0", regions: { "us-east-1": { x86_64: NOBLE_X86, arm64: NOBLE_ARM } } }) },
      ],
    });
    assert.match(
      fs.readFileSync(path.join(root, "entries/python-ml/1.0.0.yml"), "utf8"),
      /arm64: ami-00c41000000000003/,
    );
    const arm = await resolve(pythonMl({ source: root }), { instanceType: "m7g.large" });
    assert.equal(arm.amiId, NOBLE_ARM);
    assert.match(catalogStep(arm).detail, /regions\.us-east-1\.arm64/);
  });
});
