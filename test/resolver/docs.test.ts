import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ARCHITECTURES, SIZES } from "../../src/templates/schema";
import { formatRateUsd, hourlyPriceUsd, PRICE_SNAPSHOT } from "../../src/resolver/cost";
import { SIZE_TABLE } from "../../src/resolver/instance-families";

const doc = readFileSync(join(__dirname, "../../docs/costs-and-provisioning.md"), "utf8");

describe("docs/costs-and-provisioning.md", () => {
  it("lists every size-table row in the table's order, with each type's us-east-1 price", () => {
    for (const size of SIZES) {
      for (const architecture of ARCHITECTURES) {
        const line = doc.split("\n").find((l) => l.startsWith(`| ${size} | ${architecture} |`));
        assert.ok(line, `no row for ${size}/${architecture}`);
        const documented = [...line.matchAll(/`([a-z0-9-]+\.[a-z0-9-]+)` \([^;]+; (\$[\d.]+)\)/g)].map((m) => [
          m[1],
          m[2],
        ]);
        const expected = SIZE_TABLE[size][architecture].map((o) => [
          o.instanceType,
          formatRateUsd(hourlyPriceUsd(o.instanceType, "us-east-1")!),
        ]);
        assert.deepEqual(documented, expected, `${size}/${architecture}`);
      }
    }
  });

  it("names the snapshot's caveat and every regional multiplier", () => {
    assert.ok(doc.includes(PRICE_SNAPSHOT.caveat));
    for (const [region, multiplier] of Object.entries(PRICE_SNAPSHOT.regionalMultipliers)) {
      assert.ok(doc.includes(`| ${region} | ×${multiplier.toFixed(2)} |`), region);
    }
  });
});
