import type { Image } from "@aws-sdk/client-ec2";
import assert from "node:assert/strict";
import { chooseArchitecture, formatDuration, parseDuration } from "../../src/resolver/engine";
import { crossRegionSearchOrder, REGION_FALLBACKS } from "../../src/resolver/regions-fallback";
import { validateImage } from "../../src/resolver/validate-image";
import { KNOWN_REGIONS } from "../../src/core/regions";
import { template } from "./support";

describe("resolver pure helpers", () => {
  it("maps every known region to known neighbours other than itself", () => {
    for (const region of KNOWN_REGIONS) {
      const neighbours = REGION_FALLBACKS[region];
      assert.ok(neighbours && neighbours.length > 0, `${region} has no fallbacks`);
      assert.ok(
        neighbours.every((n) => n !== region && (KNOWN_REGIONS as readonly string[]).includes(n)),
        region,
      );
    }
    assert.deepEqual(REGION_FALLBACKS["us-east-1"], ["us-east-2", "us-west-2", "us-west-1"]);
    assert.deepEqual(REGION_FALLBACKS["ap-northeast-1"], ["ap-northeast-3", "ap-northeast-2", "ap-southeast-1"]);
  });

  it("walks the fallback map breadth-first without revisiting a region", () => {
    assert.deepEqual(crossRegionSearchOrder("us-east-1"), ["us-east-2", "us-west-2", "us-west-1"]);
    const twoHops = crossRegionSearchOrder("eu-north-1", 2);
    assert.deepEqual(twoHops, ["eu-central-1", "eu-west-1", "eu-west-3", "eu-west-2"]);
    assert.equal(new Set(twoHops).size, twoHops.length);
    assert.ok(!crossRegionSearchOrder("us-east-1", 5).includes("us-east-1"));
  });

  it("validates state, architecture, owner and deprecation, in that order of reasons", () => {
    const now = new Date("2026-11-22T00:00:00Z");
    const base: Image = { ImageId: "ami-1", State: "available", Architecture: "x86_64", OwnerId: "099720109477" };
    const req = { architecture: "x86_64" as const, includeDeprecated: false, now };
    assert.equal(validateImage(base, req).ok, true);
    assert.deepEqual(validateImage({ ...base, State: "pending" as Image["State"] }, req), {
      ok: false,
      reason: "state is pending, not available",
    });
    assert.match(
      (validateImage(base, { ...req, architecture: "arm64" }) as { reason: string }).reason,
      /architecture x86_64 does not match arm64/,
    );
    assert.match(
      (validateImage(base, { ...req, trustedOwners: ["137112412989"] }) as { reason: string }).reason,
      /owner 099720109477 not in trusted_owners \[137112412989\]/,
    );
    assert.equal(
      validateImage({ ...base, DeprecationTime: "2026-12-01T00:00:00Z" }, req).ok,
      true,
      "deprecation in the future is fine",
    );
    assert.equal(validateImage({ ...base, DeprecationTime: "2026-11-01T00:00:00Z" }, req).ok, false);
    assert.equal(
      validateImage({ ...base, DeprecationTime: "2026-11-01T00:00:00Z" }, { ...req, includeDeprecated: true }).ok,
      true,
    );
    assert.equal(
      validateImage({ ...base, OwnerId: "123456789012" }, { ...req, trustedOwners: ["self"], ownedBySelf: true }).ok,
      true,
    );
  });

  it("uses preferred_architecture when the region's sources offer it, else the one they offer", () => {
    const t = template({
      ami_config: {
        preferred_architecture: "arm64",
        ami_mappings: {
          "us-east-1": { x86_64: "ami-00c41000000000002" },
          "us-west-2": { x86_64: "ami-00c41000000000002", arm64: "ami-00c41000000000003" },
        },
      },
    });
    const warnings: string[] = [];
    assert.equal(chooseArchitecture(t, { region: "us-west-2" }), "arm64");
    assert.equal(chooseArchitecture(t, { region: "us-east-1" }, warnings), "x86_64");
    assert.match(warnings[0], /preferred_architecture arm64 is not offered in us-east-1/);
    assert.equal(chooseArchitecture(t, { region: "us-west-2", instanceType: "m7i.large" }), "x86_64");
  });

  it("parses and prints fallback_timeout durations", () => {
    assert.equal(parseDuration("10m"), 600_000);
    assert.equal(parseDuration("90s"), 90_000);
    assert.equal(formatDuration(600_000), "10m");
    assert.equal(formatDuration(150), "150ms");
    assert.throws(() => parseDuration("ten minutes"), /not a duration/);
  });
});
