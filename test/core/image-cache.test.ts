import assert from "node:assert/strict";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import { resolveAmi } from "../../src/resolver/engine";
import { ImageCache } from "../../src/core/image-cache";
import { startMoto, type MotoServer } from "../../harness/moto";
import { publishBaseParameters } from "../../harness/seed";
import { countCalls } from "../../harness/call-counter";
import { CANONICAL, NOBLE_AMD64_PATTERN, template } from "../resolver/support";

describe("fleet-scale lookups (batching, coalescing, cache) against moto", () => {
  let moto: MotoServer;
  before(async () => {
    moto = await startMoto();
    await publishBaseParameters(moto.clients().ssm("us-east-1"), ["ubuntu-24.04"]);
  });
  after(async () => {
    await moto?.stop();
  });

  const mappingTemplates = Array.from({ length: 20 }, (_, i) =>
    template({
      name: `lab-${i}`,
      ami_config: { ami_mappings: { "us-east-1": i % 2 ? "ami-00c41000000000002" : "ami-00c22000000000001" } },
    }),
  );

  it("sends ONE DescribeImages for 20 concurrent resolutions of mapping templates in one region", async () => {
    const counter = countCalls(moto.clients());
    const cache = new ImageCache();
    const results = await Promise.all(
      mappingTemplates.map((t) => resolveAmi(t, { region: "us-east-1", size: "M" }, counter.clients, { cache })),
    );
    assert.ok(results.every((r) => r.method === "direct_mapping"));
    assert.equal(counter.count("EC2:DescribeImages"), 1);
  });

  it("sends one DescribeImages per resolution when batching is off (so the count above can fail)", async () => {
    const counter = countCalls(moto.clients());
    const cache = new ImageCache({ batching: false, ttlMs: 0 });
    await Promise.all(
      mappingTemplates.map((t) => resolveAmi(t, { region: "us-east-1", size: "M" }, counter.clients, { cache })),
    );
    assert.equal(counter.count("EC2:DescribeImages"), 2, "identical ids still coalesce while in flight");
    counter.reset();
    for (const t of mappingTemplates.slice(0, 5))
      await resolveAmi(t, { region: "us-east-1", size: "M" }, counter.clients, { cache });
    assert.equal(counter.count("EC2:DescribeImages"), 5);
  });

  it("batches the SSM parameters of concurrent resolutions into one GetParameters, and the ten images they name into one DescribeImages", async () => {
    const images = [
      "ami-00c41000000000001",
      "ami-00c41000000000002",
      "ami-00c22000000000001",
      "ami-00bad000000000001",
      "ami-00bad000000000002",
      "ami-00a23000000000001",
      "ami-00d1a000000000001",
      "ami-00de1000000000001",
      "ami-00d09000000000001",
      "ami-00e00000000000001",
    ];
    const templates = await publishLabParameters("batch", images);
    const counter = countCalls(moto.clients());
    const cache = new ImageCache();
    const results = await Promise.all(
      templates.map((t) => resolveAmi(t, { region: "us-east-1", size: "M" }, counter.clients, { cache })),
    );
    assert.deepEqual(
      results.map((r) => [r.method, r.amiId]),
      images.map((id) => ["ssm_parameter", id]),
    );
    assert.equal(counter.count("SSM:GetParameters"), 1);
    assert.equal(counter.count("SSM:GetParameter"), 0);
    assert.equal(counter.count("EC2:DescribeImages"), 1, "ten distinct ids, one call");
  });

  it("never asks GetParameters for more than 10 names: 12 concurrent parameters take two calls", async () => {
    const templates = await publishLabParameters(
      "split",
      Array.from({ length: 12 }, () => "ami-00c41000000000002"),
    );
    const counter = countCalls(moto.clients());
    const results = await Promise.all(
      templates.map((t) =>
        resolveAmi(t, { region: "us-east-1", size: "M" }, counter.clients, { cache: new ImageCache() }),
      ),
    );
    assert.ok(results.every((r) => r.method === "ssm_parameter"));
    const perResolutionCaches = counter.count("SSM:GetParameters");
    assert.equal(perResolutionCaches, 12, "separate caches share nothing (so the shared-cache count below can fail)");
    counter.reset();
    const cache = new ImageCache();
    await Promise.all(
      templates.map((t) => resolveAmi(t, { region: "us-east-1", size: "M" }, counter.clients, { cache })),
    );
    assert.equal(counter.count("SSM:GetParameters"), 2);
  });

  /** One parameter per image under /cws-test/<prefix>-<i>/ami-id, and a template reading each. */
  async function publishLabParameters(prefix: string, amiIds: string[]) {
    const ssm = moto.clients().ssm("us-east-1");
    return Promise.all(
      amiIds.map(async (amiId, i) => {
        const name = `/cws-test/${prefix}-${i}/ami-id`;
        await ssm.send(new PutParameterCommand({ Name: name, Value: amiId, Type: "String", Overwrite: true }));
        return template({ name: `${prefix}-${i}`, ami_config: { ssm_parameter: name } });
      }),
    );
  }

  it("coalesces identical concurrent searches into one call", async () => {
    const counter = countCalls(moto.clients());
    const t = template({ ami_config: { ami_search: { owners: [CANONICAL], name_pattern: NOBLE_AMD64_PATTERN } } });
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        resolveAmi(t, { region: "us-east-1", size: "M" }, counter.clients, { cache: sharedCache() }),
      ),
    );
    assert.ok(results.every((r) => r.amiId === "ami-00c41000000000002"));
    assert.equal(counter.count("EC2:DescribeImages"), 1);
  });

  let shared: ImageCache | undefined;
  const sharedCache = () => (shared ??= new ImageCache());

  it("answers a warm resolution from the cache, and asks again after the TTL (injected clock)", async () => {
    let now = 1_000_000;
    const cache = new ImageCache({ ttlMs: 60_000, now: () => now });
    const counter = countCalls(moto.clients());
    const t = template({ ami_config: { ami_search: { owners: [CANONICAL], name_pattern: NOBLE_AMD64_PATTERN } } });
    const cold = await resolveAmi(t, { region: "us-east-1", size: "M" }, counter.clients, { cache });
    const coldCalls = counter.total("EC2") + counter.total("SSM");
    assert.ok(coldCalls > 0);
    counter.reset();
    const warm = await resolveAmi(t, { region: "us-east-1", size: "M" }, counter.clients, { cache });
    assert.equal(counter.total("EC2") + counter.total("SSM"), 0);
    assert.deepEqual(warm, cold);
    now += 60_001;
    await resolveAmi(t, { region: "us-east-1", size: "M" }, counter.clients, { cache });
    assert.equal(counter.count("EC2:DescribeImages"), 1);
  });
});
