import assert from "node:assert/strict";
import { AwsCallError } from "../../src/resolver/errors";
import { crossRegionSearchOrder } from "../../src/resolver/regions-fallback";
import { crossRegionTier } from "../../src/resolver/tiers/cross-region";
import type { Tier, TierContext } from "../../src/resolver/tiers/tier";

/**
 * The cross-region tier with a stand-in regional tier (no AWS): each neighbour's probe takes a while, so the tests see
 * whether neighbours are probed at once and whether the answer is still the nearest region's.
 */
function contextWith(regional: Tier): TierContext {
  return {
    template: { name: "lab-only" },
    config: {},
    region: "us-west-1",
    targetRegion: "us-west-1",
    architecture: "x86_64",
    instanceType: "t3.medium",
    strategy: "ami_required",
    fallbackStrategy: "cross_region",
    crossRegionConsent: true,
    crossRegionMaxHops: 1,
    requirements: {},
    clients: {},
    cache: {},
    signal: new AbortController().signal,
    warnings: [],
    regionalTiers: [regional],
  } as unknown as TierContext;
}

const image = (id: string) => ({ ImageId: id, BlockDeviceMappings: [] });

describe("the cross-region tier's neighbour probes", () => {
  const neighbours = crossRegionSearchOrder("us-west-1", 1);

  it("probes every neighbour at once and still selects the nearest one that has the image", async () => {
    assert.ok(neighbours.length >= 3, `us-west-1 has ${neighbours.length} neighbours`);
    let inFlight = 0;
    let most = 0;
    const has = new Set(neighbours.slice(1)); // the nearest has nothing; the next two both have an image
    const regional: Tier = {
      name: "dynamic_search",
      kind: "image",
      async run(context) {
        most = Math.max(most, ++inFlight);
        // The farther region answers first: the choice must not depend on who answers first.
        await new Promise((resolve) => setTimeout(resolve, 40 - neighbours.indexOf(context.region) * 10));
        inFlight--;
        if (!has.has(context.region)) return { outcome: "not_found", detail: "nothing here" };
        const amiId = `ami-${context.region}`;
        return { outcome: "selected", amiId, image: image(amiId) as never, detail: "found" };
      },
    };
    const result = await crossRegionTier.run(contextWith(regional));
    assert.equal(most, neighbours.length);
    assert.equal(result.outcome, "selected");
    assert.equal(result.region, neighbours[1]);
    assert.match(result.detail, new RegExp(`nothing usable in ${neighbours[0]}`));
  });

  it("fails on a nearer neighbour's AWS failure, as probing one after another would, though a farther one has the image", async () => {
    const regional: Tier = {
      name: "dynamic_search",
      kind: "image",
      async run(context) {
        if (context.region === neighbours[0])
          throw new AwsCallError("throttling", `DescribeImages throttled in ${context.region}`, {
            service: "EC2",
            operation: "DescribeImages",
            region: context.region,
            hint: "retry later",
          });
        const amiId = `ami-${context.region}`;
        return { outcome: "selected", amiId, image: image(amiId) as never, detail: "found" };
      },
    };
    await assert.rejects(crossRegionTier.run(contextWith(regional)), (error: Error) =>
      error.message.includes(neighbours[0]),
    );
  });
});
