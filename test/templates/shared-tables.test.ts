import assert from "node:assert/strict";
import { BASES, loadTemplateFromObject } from "../../src/templates";
import {
  AMI_ID_PATTERN,
  INSTANCE_ID_PATTERN,
  INSTANCE_TYPE_PATTERN,
  REGION_NAME_PATTERN,
  SNAPSHOT_ID_PATTERN,
} from "../../src/core/aws-ids";
import { BASE_PUBLISHER, PUBLISHERS, STOCK_OS_ACCOUNTS } from "../../src/templates/publishers";
import { BASE_PUBLISHERS } from "../../src/resolver/tiers/fallback-script";
import { KNOWN_REGIONS } from "../../src/core/regions";

describe("shared tables of AWS facts", () => {
  it("gives script provisioning the base publishers of the one publishers table", () => {
    for (const base of BASES) assert.deepEqual(BASE_PUBLISHERS[base], [BASE_PUBLISHER[base].account], base);
    assert.equal(BASE_PUBLISHER["rocky-9"], PUBLISHERS.rocky);
  });

  it("counts every stock OS publisher, and not the DLAMI, when warning about stock images", () => {
    assert.ok(STOCK_OS_ACCOUNTS.has(PUBLISHERS.rocky.account));
    assert.ok(!STOCK_OS_ACCOUNTS.has(PUBLISHERS.dlami.account));
    const loaded = loadTemplateFromObject({
      name: "t",
      packages: { system: ["git"] },
      ami_config: { ami_search: { owners: [PUBLISHERS.rocky.account], name_pattern: "Rocky-9-*" } },
    });
    assert.match(loaded.warnings.join("\n"), /ami_search finds a stock OS image/);
  });

  it("matches AWS id shapes and refuses near misses", () => {
    assert.ok(AMI_ID_PATTERN.test("ami-0123456789abcdef0") && !AMI_ID_PATTERN.test("ami-0123"));
    assert.ok(INSTANCE_ID_PATTERN.test("i-12345678") && !INSTANCE_ID_PATTERN.test("i-1234567"));
    assert.ok(SNAPSHOT_ID_PATTERN.test("snap-0123456789abcdef0") && !SNAPSHOT_ID_PATTERN.test("snap-XYZ12345"));
    assert.ok(INSTANCE_TYPE_PATTERN.test("m7i.large") && !INSTANCE_TYPE_PATTERN.test("m7i"));
    for (const region of KNOWN_REGIONS) assert.ok(REGION_NAME_PATTERN.test(region), region);
  });
});
