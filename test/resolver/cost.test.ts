import assert from "node:assert/strict";
import { templateSchema, type TemplateInput } from "../../src/templates/schema";
import { InvalidInputError } from "../../src/core/errors";
import {
  AMI_BOOT_SECONDS,
  DEFAULT_COPY_SNAPSHOT_GB,
  PRICE_SNAPSHOT,
  copyMinutesForSnapshot,
  estimateCopy,
  estimateCost,
  estimateLaunchSeconds,
  estimateSetupMinutes,
  hourlyPriceUsd,
} from "../../src/resolver/cost";
import { findInSizeTable, instanceTypesOffered, sizeTableInstanceTypes } from "../../src/resolver/instance-families";
import { TIER_ORDER } from "../../src/resolver/types";

const ORIGINAL_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "sa-east-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-north-1",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
];

const template = (input: Partial<TemplateInput>) => templateSchema.parse({ name: "t", ...input });
const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("the price snapshot", () => {
  it("states its source, its date and that it must be verified", () => {
    assert.match(PRICE_SNAPSHOT.source, /AWS/);
    assert.match(PRICE_SNAPSHOT.date, /^\d{4}-\d{2}$/);
    assert.match(PRICE_SNAPSHOT.caveat, new RegExp(`compiled ${PRICE_SNAPSHOT.date}`));
    assert.match(PRICE_SNAPSHOT.caveat, /verify before budgeting/);
  });

  it("prices every size-table instance type in us-east-1", () => {
    for (const type of sizeTableInstanceTypes()) {
      const price = hourlyPriceUsd(type, "us-east-1");
      assert.ok(price !== undefined && price > 0, `${type} has no us-east-1 price`);
    }
  });

  it("prices every offered size-table type in the 17 original regions, and none the region lacks", () => {
    for (const region of ORIGINAL_REGIONS) {
      const offered = instanceTypesOffered(region).instanceTypes;
      for (const type of sizeTableInstanceTypes()) {
        const price = hourlyPriceUsd(type, region);
        if (offered.includes(type)) assert.ok(price !== undefined && price > 0, `${type} in ${region}`);
        else assert.equal(price, undefined, `${type} is not offered in ${region} but has a price`);
      }
    }
  });

  it("derives regional prices from us-east-1 with the documented multiplier", () => {
    const base = hourlyPriceUsd("m7i.xlarge", "us-east-1")!;
    const multiplier = PRICE_SNAPSHOT.regionalMultipliers["eu-central-1"];
    assert.ok(multiplier > 1);
    assert.equal(hourlyPriceUsd("m7i.xlarge", "eu-central-1"), Math.round(base * multiplier * 10_000) / 10_000);
  });

  it("keeps the price order within a size: Graviton cheaper than Intel of the same shape", () => {
    for (const size of ["S", "M", "L", "XL"] as const) {
      const intel = findInSizeTable(`m7i.${{ S: "large", M: "xlarge", L: "2xlarge", XL: "4xlarge" }[size]}`)!;
      const graviton = findInSizeTable(`m7g.${{ S: "large", M: "xlarge", L: "2xlarge", XL: "4xlarge" }[size]}`)!;
      assert.equal(intel.size, size);
      assert.ok(
        hourlyPriceUsd(graviton.option.instanceType, "us-east-1")! <
          hourlyPriceUsd(intel.option.instanceType, "us-east-1")!,
      );
    }
  });

  it("returns undefined, never a guess, for an unknown type, an unknown region or a family the region lacks", () => {
    assert.equal(hourlyPriceUsd("m7i.48xlarge", "us-east-1"), undefined);
    assert.equal(hourlyPriceUsd("m7i.xlarge", "ap-east-1"), undefined);
    assert.equal(hourlyPriceUsd("g6.xlarge", "us-west-1"), undefined);
    assert.equal(hourlyPriceUsd("not-a-type", "us-east-1"), undefined);
  });
});

describe("estimateSetupMinutes", () => {
  it("applies 1.5 + 0.05×system + 0.4×conda + 0.15×pip + 2×spack + 0.25×services, rounded to 0.1", () => {
    const t = template({
      packages: { system: names("s", 10), conda: names("c", 5), pip: names("p", 4) },
      services: [{ name: "jupyter" }],
    });
    // 1.5 + 0.5 + 2.0 + 0.6 + 0.25 = 4.85 → 4.9
    assert.equal(estimateSetupMinutes(t), 4.9);
  });

  it("clamps a nearly empty template to the 3-minute floor", () => {
    assert.equal(estimateSetupMinutes(template({ packages: { system: ["git", "htop"] } })), 3);
    assert.equal(estimateSetupMinutes(template({})), 3);
  });

  it("lands a typical research template in the 5–8 minute band", () => {
    const t = template({
      packages: { system: names("s", 12), conda: names("c", 8), pip: names("p", 6) },
      services: [{ name: "jupyter" }, { name: "nginx" }],
    });
    const minutes = estimateSetupMinutes(t);
    assert.ok(minutes >= 5 && minutes <= 8, `typical template estimated at ${minutes} min`);
  });

  it("grows with spack packages and clamps a very large template to 45 minutes", () => {
    const medium = estimateSetupMinutes(template({ packages: { spack: names("k", 5) } }));
    assert.equal(medium, 11.5);
    assert.equal(estimateSetupMinutes(template({ packages: { spack: names("k", 40), conda: names("c", 30) } })), 45);
  });
});

describe("estimateLaunchSeconds", () => {
  it("gives every AMI tier the boot time only", () => {
    for (const method of ["direct_mapping", "ssm_parameter", "dynamic_search", "marketplace"] as const) {
      assert.equal(estimateLaunchSeconds(method, 6), AMI_BOOT_SECONDS);
    }
  });

  it("adds the setup minutes on the script path", () => {
    assert.equal(estimateLaunchSeconds("fallback_script", 6), AMI_BOOT_SECONDS + 360);
    assert.ok(estimateLaunchSeconds("fallback_script", 6) > estimateLaunchSeconds("ssm_parameter", 6));
  });

  it("adds the copy minutes for a cross-region copy, defaulting to a 30 GB snapshot", () => {
    assert.equal(estimateLaunchSeconds("cross_region", 6, 10), 600 + AMI_BOOT_SECONDS);
    assert.equal(
      estimateLaunchSeconds("cross_region", 6),
      copyMinutesForSnapshot(DEFAULT_COPY_SNAPSHOT_GB) * 60 + AMI_BOOT_SECONDS,
    );
  });

  it("is 0 when resolution failed", () => {
    assert.equal(estimateLaunchSeconds("failed", 6), 0);
  });

  it("covers every tier of the contract", () => {
    for (const tier of TIER_ORDER) assert.ok(estimateLaunchSeconds(tier, 6) > 0, tier);
  });
});

describe("estimateCopy", () => {
  it("charges transfer out of the source region plus a month of snapshot storage, and takes 5 + 0.4 min/GB", () => {
    const copy = estimateCopy({ sourceRegion: "us-east-1", targetRegion: "eu-west-1", snapshotGb: 30 });
    assert.equal(copy.minutes, 17);
    assert.equal(copy.costUsd, 30 * (0.02 + 0.05));
  });

  it("charges more from regions with dearer transfer", () => {
    const fromUs = estimateCopy({ sourceRegion: "us-east-1", targetRegion: "eu-west-1", snapshotGb: 50 });
    const fromSaoPaulo = estimateCopy({ sourceRegion: "sa-east-1", targetRegion: "eu-west-1", snapshotGb: 50 });
    assert.ok(fromSaoPaulo.costUsd > fromUs.costUsd);
    assert.equal(fromSaoPaulo.minutes, fromUs.minutes);
  });

  it("refuses a copy into the same region and a negative size", () => {
    assert.throws(
      () => estimateCopy({ sourceRegion: "eu-west-1", targetRegion: "eu-west-1", snapshotGb: 8 }),
      (e: unknown) => e instanceof InvalidInputError && e.field === "targetRegion",
    );
    assert.throws(
      () => estimateCopy({ sourceRegion: "us-east-1", targetRegion: "eu-west-1", snapshotGb: -1 }),
      (e: unknown) => e instanceof InvalidInputError && e.field === "snapshotGb",
    );
  });
});

describe("estimateCost", () => {
  it("compares the AMI and script paths in one line, at the snapshot price", () => {
    const cost = estimateCost({
      instanceType: "m7i.xlarge",
      region: "us-east-1",
      method: "ssm_parameter",
      setupMinutes: 6,
    });
    const hourly = hourlyPriceUsd("m7i.xlarge", "us-east-1")!;
    assert.equal(cost.hourlyUsd, hourly);
    assert.equal(cost.comparison, `AMI: $${hourly}/h now · script: $${hourly}/h + 6 min setup ($0.02)`);
  });

  it("charges setup only on the script path", () => {
    const ami = estimateCost({
      instanceType: "g5.xlarge",
      region: "us-east-1",
      method: "direct_mapping",
      setupMinutes: 7.5,
    });
    const script = estimateCost({
      instanceType: "g5.xlarge",
      region: "us-east-1",
      method: "fallback_script",
      setupMinutes: 7.5,
    });
    assert.deepEqual([ami.setupMinutes, ami.setupCostUsd], [0, 0]);
    assert.equal(script.setupMinutes, 7.5);
    assert.equal(
      script.setupCostUsd,
      Math.round(((hourlyPriceUsd("g5.xlarge", "us-east-1")! * 7.5) / 60) * 10_000) / 10_000,
    );
    assert.equal(ami.comparison, script.comparison, "the comparison shows both paths whichever was chosen");
  });

  it("labels the figures as estimates and names the snapshot's source and date", () => {
    const cost = estimateCost({
      instanceType: "m7g.large",
      region: "us-east-1",
      method: "fallback_script",
      setupMinutes: 5,
    });
    assert.match(cost.label, /^Estimates, not measurements/);
    assert.ok(cost.label.includes(PRICE_SNAPSHOT.caveat));
    assert.deepEqual(cost.source, { name: PRICE_SNAPSHOT.source, date: PRICE_SNAPSHOT.date });
    assert.equal(cost.currency, "USD");
  });

  it("says when a regional multiplier was applied", () => {
    const cost = estimateCost({
      instanceType: "m7g.large",
      region: "ap-northeast-1",
      method: "ssm_parameter",
      setupMinutes: 5,
    });
    assert.match(
      cost.label,
      new RegExp(`× ${PRICE_SNAPSHOT.regionalMultipliers["ap-northeast-1"]} regional multiplier for ap-northeast-1`),
    );
    assert.doesNotMatch(
      estimateCost({ instanceType: "m7g.large", region: "us-east-1", method: "ssm_parameter", setupMinutes: 5 }).label,
      /multiplier/,
    );
  });

  it("says the price is missing instead of inventing one", () => {
    const cost = estimateCost({
      instanceType: "m7i.48xlarge",
      region: "us-east-1",
      method: "fallback_script",
      setupMinutes: 6,
    });
    assert.equal(cost.hourlyUsd, undefined);
    assert.equal("hourlyUsd" in cost, false);
    assert.equal(cost.setupCostUsd, 0);
    assert.match(cost.comparison, /no price for m7i\.48xlarge in us-east-1/);
    assert.match(cost.label, /no on-demand price/);
  });

  it("adds the one-off copy cost and the copy wait for a cross-region copy", () => {
    const copy = estimateCopy({ sourceRegion: "us-east-1", targetRegion: "eu-west-1", snapshotGb: 30 });
    const cost = estimateCost({
      instanceType: "m7i.xlarge",
      region: "eu-west-1",
      method: "cross_region",
      setupMinutes: 6,
      copy,
    });
    assert.equal(cost.copyCostUsd, copy.costUsd);
    assert.match(cost.comparison, /^copied AMI: \$[\d.]+\/h after ~17 min copy \(\$2\.10 one-off\) · script: /);
  });

  it("refuses negative setup minutes", () => {
    assert.throws(
      () =>
        estimateCost({ instanceType: "m7i.xlarge", region: "us-east-1", method: "fallback_script", setupMinutes: -1 }),
      InvalidInputError,
    );
  });
});
