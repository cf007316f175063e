import assert from "node:assert/strict";
import { resolveAmi } from "../../src/resolver/engine";
import { AwsCallError } from "../../src/core/errors";
import { ImageCache } from "../../src/core/image-cache";
import { crossRegionSearchOrder } from "../../src/resolver/regions-fallback";
import { crossRegionTier } from "../../src/resolver/tiers/cross-region";
import type { Tier, TierContext, TierResult } from "../../src/resolver/tiers/tier";
import type { ResolveOptions } from "../../src/resolver/types";
import type { AwsClients } from "../../src/core/clients";
import { template } from "./support";

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

/**
 * The engine with stand-in tiers (no AWS): a slow tier in the target region, the real cross-region tier, and a
 * stand-in regional tier for the neighbours, so the tests see when the engine starts the neighbour probes and what
 * becomes of them when the target region answers.
 */
describe("the engine's early neighbour probes", () => {
  const target = "us-west-1";
  const neighbours = crossRegionSearchOrder(target, 1);
  const lab = (ami_config: object = {}) =>
    template({
      name: "lab-only",
      ami_config: {
        strategy: "ami_required",
        ami_search: { owners: ["self"], name_pattern: "cws-lab-*" },
        fallback_strategy: "cross_region",
        ...ami_config,
      },
    });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const throttled = (region: string) =>
    new AwsCallError("throttling", `DescribeImages throttled in ${region}`, {
      service: "EC2",
      operation: "DescribeImages",
      region,
      hint: "retry later",
    });

  /** The target region's tier: answers after `ms` with an image (`selects`) or nothing. */
  function home(ms: number, selects: boolean, log: string[]): Tier {
    return {
      name: "dynamic_search",
      kind: "image",
      async run(): Promise<TierResult> {
        log.push("home start");
        await sleep(ms);
        log.push("home end");
        if (!selects) return { outcome: "not_found", detail: "nothing in the target region" };
        return { outcome: "selected", amiId: "ami-home", image: image("ami-home") as never, detail: "found at home" };
      },
    };
  }

  /** The neighbours' tier: logs its start, keeps the signal it was given, then does what `behave` says. */
  function neighbour(
    log: string[],
    signals: AbortSignal[],
    behave: (context: TierContext) => Promise<TierResult>,
  ): Tier {
    return {
      name: "dynamic_search",
      kind: "image",
      run(context) {
        log.push(`neighbour start ${context.region}`);
        signals.push(context.signal);
        return behave(context);
      },
    };
  }

  const resolve = (
    homeTier: Tier,
    neighbourTier: Tier,
    options: Partial<ResolveOptions> = {},
    t = lab(),
    tiers: Tier[] = [homeTier, crossRegionTier],
  ) =>
    resolveAmi(t, { region: target, allowCrossRegionCopy: true, ...options }, {} as AwsClients, {
      cache: new ImageCache(),
      tiers,
      regionalTiers: [neighbourTier],
    });

  it("starts the neighbour probes while the target region's own tiers are still running", async () => {
    const log: string[] = [];
    const signals: AbortSignal[] = [];
    const result = await resolve(
      home(40, false, log),
      neighbour(log, signals, async (context) => {
        const amiId = `ami-${context.region}`;
        return { outcome: "selected", amiId, image: image(amiId) as never, detail: "found" };
      }),
    );
    assert.equal(result.method, "cross_region");
    assert.equal(result.sourceRegion, neighbours[0]);
    const homeEnd = log.indexOf("home end");
    for (const region of neighbours)
      assert.ok(log.indexOf(`neighbour start ${region}`) < homeEnd, `${region} probed after the home tier: ${log}`);
  });

  it("drops a failing early probe when the target region answers: no error, the same result, no unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const quiet = await resolve(
        home(20, true, []),
        neighbour([], [], async () => ({ outcome: "not_found", detail: "nothing" })),
      );
      const log: string[] = [];
      const failing = await resolve(
        home(20, true, log),
        neighbour(log, [], async (context) => {
          context.warnings.push(`a warning raised in ${context.region}`);
          throw throttled(context.region); // fails before the target region answers
        }),
      );
      await sleep(20); // an unhandled rejection is reported after a turn of the event loop
      assert.equal(failing.method, "dynamic_search");
      assert.equal(failing.amiId, "ami-home");
      assert.deepEqual(failing, quiet);
      assert.deepEqual(unhandled, []);
      assert.equal(log.filter((line) => line.startsWith("neighbour start")).length, neighbours.length, "probed");
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("still throws a neighbour's failure as an AwsCallError naming cross_region/<tier> and that region when the tier runs", async () => {
    const log: string[] = [];
    const error = await resolve(
      home(30, false, log),
      neighbour(log, [], async (context) => {
        if (context.region === neighbours[0]) throw throttled(context.region);
        const amiId = `ami-${context.region}`;
        return { outcome: "selected", amiId, image: image(amiId) as never, detail: "found" };
      }),
    ).then(
      () => assert.fail("resolved despite the nearest neighbour's failure"),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof AwsCallError, String(error));
    assert.equal(error.details.tier, "cross_region/dynamic_search");
    assert.equal(error.details.region, neighbours[0]);
    assert.ok(log.indexOf(`neighbour start ${neighbours[0]}`) < log.indexOf("home end"), "the probe started early");
  });

  it("keeps the warnings raised in the neighbours the cross-region tier reads, nearest first", async () => {
    const result = await resolve(
      home(10, false, []),
      neighbour([], [], async (context) => {
        context.warnings.push(`ignored a look-alike in ${context.region}`);
        if (context.region !== neighbours[1]) return { outcome: "not_found", detail: "nothing" };
        const amiId = `ami-${context.region}`;
        return { outcome: "selected", amiId, image: image(amiId) as never, detail: "found" };
      }),
    );
    assert.equal(result.sourceRegion, neighbours[1]);
    assert.deepEqual(
      result.warnings.filter((warning) => warning.startsWith("ignored a look-alike")),
      neighbours.slice(0, 2).map((region) => `ignored a look-alike in ${region}`),
    );
  });

  it("gives up the early probes once the target region answers: their signal is aborted", async () => {
    const signals: AbortSignal[] = [];
    const waitForAbort = (context: TierContext) =>
      new Promise<TierResult>((_, reject) =>
        context.signal.addEventListener("abort", () => reject(context.signal.reason as Error), { once: true }),
      );
    const result = await resolve(home(10, true, []), neighbour([], signals, waitForAbort));
    assert.equal(result.method, "dynamic_search");
    assert.equal(signals.length, neighbours.length);
    assert.ok(signals.every((signal) => signal.aborted));
  });

  it("bounds the early probes by fallback_timeout: the deadline aborts them", async () => {
    const signals: AbortSignal[] = [];
    const waitForAbort = (context: TierContext) =>
      new Promise<TierResult>((_, reject) =>
        context.signal.addEventListener("abort", () => reject(context.signal.reason as Error), { once: true }),
      );
    const result = await resolve(home(200, false, []), neighbour([], signals, waitForAbort), { timeoutMs: 30 });
    assert.equal(result.method, "failed");
    assert.equal(signals.length, neighbours.length);
    for (const signal of signals) assert.match(String((signal.reason as Error).message), /timed out after 30ms/);
  });

  for (const [when, options, t, tiers] of [
    ["strategy is ami_fallback", { strategy: "ami_fallback" }, lab(), undefined],
    [
      "there is neither copy consent nor fallback_strategy: cross_region",
      { allowCrossRegionCopy: false },
      lab({ fallback_strategy: "error" }),
      undefined,
    ],
    ["the cross-region tier is not in the engine's tier list", {}, lab(), "home only"],
  ] as const) {
    it(`starts no neighbour probe when ${when}`, async () => {
      const log: string[] = [];
      const homeTier = home(10, false, log);
      const result = await resolve(
        homeTier,
        neighbour(log, [], async () => ({ outcome: "not_found", detail: "nothing" })),
        options,
        t,
        tiers ? [homeTier] : undefined,
      );
      assert.notEqual(result.method, "cross_region");
      assert.deepEqual(log, ["home start", "home end"]);
    });
  }
});
