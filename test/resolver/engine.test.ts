import assert from "node:assert/strict";
import { ImageCache } from "../../src/core/image-cache";
import { resolveAmi } from "../../src/resolver/engine";
import { InvalidInputError } from "../../src/core/errors";
import { crossRegionTier, TIERS } from "../../src/resolver/tiers";
import { listTemplates, loadTemplate } from "../../src/templates";
import { TIER_ORDER, type FallbackStep, type ResolutionResult, type TierName } from "../../src/resolver/types";
import { type AwsClients } from "../../src/core/clients";
import { startMoto, type MotoServer } from "../../harness/moto";
import { createImageFromInstance, publishBaseParameters, seedDemoLandscape } from "../../harness/seed";
import { countCalls, type CallCounter } from "../../harness/call-counter";
import { CANONICAL, NOBLE_AMD64_PATTERN, template } from "./support";

const step = (result: ResolutionResult, tier: TierName): FallbackStep =>
  result.fallbackChain.find((s) => s.tier === tier) as FallbackStep;

describe("resolveAmi strategies and cross-region against moto", () => {
  let moto: MotoServer;
  let clients: AwsClients;
  let counter: CallCounter;
  const resolve = (t: ReturnType<typeof template>, options: Partial<Parameters<typeof resolveAmi>[1]> = {}) =>
    resolveAmi(t, { region: "us-east-1", size: "M", ...options }, counter.clients, { cache: new ImageCache() });

  before(async () => {
    moto = await startMoto();
  });
  beforeEach(async () => {
    await moto.reset();
    clients = moto.clients();
    counter = countCalls(clients);
    for (const region of ["us-east-1", "us-east-2"]) await publishBaseParameters(clients.ssm(region), ["ubuntu-24.04"]);
  });
  after(async () => {
    await moto?.stop();
  });

  it("lists every tier in order, configured or not, with later tiers skipped after a selection", async () => {
    const result = await resolve(template({ ami_config: { ami_mappings: { "us-east-1": "ami-00c41000000000002" } } }));
    assert.deepEqual(
      result.fallbackChain.map((s) => s.tier),
      [...TIER_ORDER],
    );
    assert.deepEqual(
      result.fallbackChain.map((s) => s.outcome),
      ["selected", "skipped", "skipped", "skipped", "skipped", "skipped", "skipped"],
    );
    assert.equal(
      result.estimatedLaunchSeconds < 120,
      true,
      "an AMI path is estimated to launch in well under two minutes",
    );
    assert.match(result.cost.label, /estimate/i);
  });

  it("ami_required fails without throwing and lists every step when nothing is usable", async () => {
    const t = template({
      ami_config: {
        strategy: "ami_required",
        ami_mappings: { "us-east-1": "ami-00bad000000000001" },
        ssm_parameter: "/lab/missing",
        ami_search: { owners: [CANONICAL], name_pattern: "no-such-image-*" },
        trusted_owners: [CANONICAL],
      },
    });
    const result = await resolve(t);
    assert.equal(result.method, "failed");
    assert.equal(result.amiId, undefined);
    assert.deepEqual(
      result.fallbackChain.map((s) => [s.tier, s.outcome]),
      [
        ["direct_mapping", "rejected"],
        ["catalog", "not_configured"],
        ["ssm_parameter", "not_found"],
        ["dynamic_search", "not_found"],
        ["marketplace", "not_configured"],
        ["cross_region", "not_configured"],
        ["fallback_script", "skipped"],
      ],
    );
    assert.match(step(result, "fallback_script").detail, /ami_required does not allow script provisioning/);
  });

  it("fallback_strategy: error fails instead of provisioning by script", async () => {
    const result = await resolve(
      template({ ami_config: { ssm_parameter: "/lab/missing", fallback_strategy: "error" } }),
    );
    assert.equal(result.method, "failed");
    assert.match(step(result, "fallback_script").detail, /fallback_strategy: error/);
  });

  it("ami_fallback provisions by script on the AMI the image tiers selected", async () => {
    const result = await resolve(
      template({
        packages: { system: ["git"] },
        ami_config: { strategy: "ami_fallback", ami_mappings: { "us-east-1": "ami-00c41000000000001" } },
      }),
    );
    assert.equal(result.method, "fallback_script");
    assert.equal(result.amiId, "ami-00c41000000000001");
    assert.ok(result.userData?.includes("git"));
    assert.match(step(result, "direct_mapping").detail, /used as the base image for script provisioning/);
    assert.equal(step(result, "fallback_script").outcome, "selected");
  });

  describe("cross-region", () => {
    let labImage: string;
    const labTemplate = (extra: object = {}) =>
      template({
        ami_config: {
          ami_search: { owners: ["self"], name_pattern: "cws-lab-*" },
          fallback_strategy: "cross_region",
          ...extra,
        },
      });
    beforeEach(async () => {
      labImage = await createImageFromInstance(clients.ec2("us-east-2"), {
        sourceAmiId: "ami-00c41000000000002",
        name: "cws-lab-x86_64-1",
      });
      counter.reset();
    });

    it("without consent explains what consent would do, continues to the script, and never copies", async () => {
      const result = await resolve(labTemplate());
      assert.equal(result.method, "fallback_script");
      const crossRegion = step(result, "cross_region");
      assert.equal(crossRegion.outcome, "rejected");
      assert.equal(crossRegion.region, "us-east-2");
      assert.match(
        crossRegion.detail,
        new RegExp(
          `${labImage} found in us-east-2 .*copying needs consent: set allow_cross_region_copy: true or --allow-copy \\(~[\\d.]+ min, ~\\$[\\d.]+`,
        ),
      );
      assert.equal(result.copyPlan?.consented, false);
      assert.equal(counter.count("EC2:CopyImage"), 0);
    });

    it("with consent selects the source image and returns a consented copy plan, and never copies", async () => {
      const result = await resolve(labTemplate(), { allowCrossRegionCopy: true });
      assert.equal(result.method, "cross_region");
      assert.equal(result.amiId, labImage);
      assert.equal(result.sourceRegion, "us-east-2");
      assert.equal(result.copyPlan?.consented, true);
      assert.equal(result.copyPlan?.sourceAmiId, labImage);
      assert.ok((result.copyPlan?.estimatedMinutes ?? 0) > 0);
      assert.match(
        step(result, "cross_region").detail,
        new RegExp(`copy ${labImage} from us-east-2: ~[\\d.]+ min, ~\\$`),
      );
      assert.equal(step(result, "fallback_script").outcome, "skipped");
      assert.ok(counter.count("EC2:DescribeImages") > 0, "the counter sees EC2 calls");
      assert.equal(counter.count("EC2:CopyImage"), 0);
    });

    it("consent in the template alone enables the tier (no fallback_strategy: cross_region needed)", async () => {
      const t = template({
        ami_config: { ami_search: { owners: ["self"], name_pattern: "cws-lab-*" }, allow_cross_region_copy: true },
      });
      const result = await resolve(t);
      assert.equal(result.method, "cross_region");
    });

    describe("with the neighbours asked alongside the target region", () => {
      /** The cross-region tier wrapped so the engine does not recognise it: the neighbours are asked only when it runs. */
      const askingNeighboursLate = TIERS.map((tier) => (tier === crossRegionTier ? { ...crossRegionTier } : tier));
      const now = new Date("2026-11-22T00:00:00Z");
      const options = (region: string) => ({ region, size: "M" as const, allowCrossRegionCopy: true, now });

      /** EC2 calls per region, each region's client instrumented by its own counter. */
      function perRegion(inner: AwsClients) {
        const counters = new Map<string, CallCounter>();
        const of = (region: string) => {
          let regional = counters.get(region);
          if (!regional) counters.set(region, (regional = countCalls(inner)));
          return regional;
        };
        return {
          clients: { ec2: (r: string) => of(r).clients.ec2(r), ssm: (r: string) => of(r).clients.ssm(r) } as AwsClients,
          describeImages: (region: string) => counters.get(region)?.count("EC2:DescribeImages") ?? 0,
          reset: () => counters.forEach((counter) => counter.reset()),
        };
      }

      it("answers a region that needs the cross-region tier exactly as when the neighbours are asked after the regional tiers", async () => {
        const early = await resolveAmi(labTemplate(), options("us-east-1"), clients, { cache: new ImageCache() });
        const late = await resolveAmi(labTemplate(), options("us-east-1"), clients, {
          cache: new ImageCache(),
          tiers: askingNeighboursLate,
        });
        assert.equal(early.method, "cross_region");
        assert.equal(early.amiId, labImage);
        assert.equal(early.sourceRegion, "us-east-2");
        assert.match(
          step(early, "cross_region").detail,
          new RegExp(`^selected ${labImage} in us-east-2 \\(found by dynamic_search\\); copy`),
        );
        assert.deepEqual(early, late);
      });

      it("asks the neighbours even when the target region answers, and answers as without them (the cost of asking early)", async () => {
        const counted = perRegion(clients);
        const early = await resolveAmi(labTemplate(), options("us-east-2"), counted.clients, {
          cache: new ImageCache(),
        });
        const askedEarly = counted.describeImages("us-east-1");
        counted.reset();
        const late = await resolveAmi(labTemplate(), options("us-east-2"), counted.clients, {
          cache: new ImageCache(),
          tiers: askingNeighboursLate,
        });
        assert.equal(early.method, "dynamic_search");
        assert.equal(early.amiId, labImage);
        assert.deepEqual(early, late);
        assert.ok(askedEarly >= 1, "the neighbour us-east-1 was asked");
        assert.equal(counted.describeImages("us-east-1"), 0, "asking late, a home answer asks no neighbour");
      });

      it("gives up its early probes without failing another resolution that shares the cache and is waiting on the same call", async () => {
        // us-east-1's calls are held back, so us-east-2 answers (and gives up its probe of us-east-1) while the
        // DescribeImages it shares with us-east-1's own search is still in flight.
        clients.ec2("us-east-1").middlewareStack.add(
          (next) => async (args) => {
            await new Promise((resolve) => setTimeout(resolve, 300));
            return next(args);
          },
          { step: "initialize", name: "holdUsEast1Back" },
        );
        const counted = perRegion(clients);
        const cache = new ImageCache();
        const [atHome, needing] = await Promise.all([
          resolveAmi(labTemplate(), options("us-east-2"), counted.clients, { cache }),
          resolveAmi(labTemplate(), options("us-east-1"), counted.clients, { cache }),
        ]);
        assert.equal(atHome.method, "dynamic_search");
        assert.equal(needing.method, "cross_region");
        assert.equal(needing.sourceRegion, "us-east-2");
        assert.equal(counted.describeImages("us-east-1"), 1, "one shared DescribeImages in us-east-1");
      });
    });

    it("is not configured without fallback_strategy: cross_region or consent", async () => {
      const t = template({ ami_config: { ami_search: { owners: ["self"], name_pattern: "cws-lab-*" } } });
      const result = await resolve(t);
      assert.equal(step(result, "cross_region").outcome, "not_configured");
      assert.equal(result.method, "fallback_script");
    });
  });

  it("gives identical results for identical runs (the chain is stored in Pulumi state)", async () => {
    const t = template({
      ami_config: {
        ami_search: { owners: [CANONICAL, "210987654321"], name_pattern: NOBLE_AMD64_PATTERN },
        trusted_owners: [CANONICAL],
      },
    });
    const now = new Date("2026-11-22T00:00:00Z");
    const first = await resolve(t, { now });
    const second = await resolve(t, { now });
    assert.deepEqual(second, first);
  });

  it("throws InvalidInputError for an unknown region and for an architecture contradicting the instance type", async () => {
    await assert.rejects(resolve(template({}), { region: "us-east1" }), InvalidInputError);
    await assert.rejects(
      resolve(template({}), { instanceType: "m7g.large", architecture: "x86_64" }),
      InvalidInputError,
    );
  });

  describe("the shipped templates", () => {
    const regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"];
    it("each resolves in 4 regions against the seeded demo landscape", async () => {
      await seedDemoLandscape(clients, regions);
      const names = listTemplates().map((entry) => entry.name);
      assert.ok(names.length > 0);
      const cache = new ImageCache();
      for (const name of names) {
        const { template: loaded } = loadTemplate(name);
        for (const region of regions) {
          const result = await resolveAmi(loaded, { region }, clients, { cache });
          assert.deepEqual(
            result.fallbackChain.map((s) => s.tier),
            [...TIER_ORDER],
            `${name} in ${region}`,
          );
          assert.notEqual(
            result.method,
            "failed",
            `${name} in ${region}: ${JSON.stringify(result.fallbackChain, null, 1)}`,
          );
          assert.ok(result.amiId, `${name} in ${region} has an AMI`);
        }
      }
    });
  });
});
