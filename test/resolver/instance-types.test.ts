import assert from "node:assert/strict";
import { ARCHITECTURES, SIZES } from "../../src/templates/schema";
import { InvalidInputError } from "../../src/core/errors";
import { loadTemplateFromObject } from "../../src/templates";
import { architectureOfInstanceType, chooseInstance, selectInstanceType } from "../../src/resolver/instance-types";
import {
  KNOWN_INSTANCE_FAMILIES,
  SIZE_TABLE,
  findInSizeTable,
  instanceTypesOffered,
  sizeTableInstanceTypes,
  validateInstanceType,
} from "../../src/resolver/instance-families";
import { PRICE_SNAPSHOT } from "../../src/resolver/prices";

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

/** Asserts that `fn` throws an InvalidInputError naming `field`, and returns its message for further checks. */
function invalidInput(fn: () => unknown, field: string, pattern?: RegExp): string {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof InvalidInputError, `expected InvalidInputError, got ${String(caught)}`);
  assert.equal(caught.field, field);
  if (pattern) assert.match(caught.message, pattern);
  return caught.message;
}

describe("the size table", () => {
  it("lists every instance type once, under the architecture its name implies", () => {
    const seen = new Map<string, string>();
    for (const size of SIZES) {
      for (const architecture of ARCHITECTURES) {
        for (const option of SIZE_TABLE[size][architecture]) {
          assert.equal(seen.get(option.instanceType), undefined, `${option.instanceType} appears twice`);
          seen.set(option.instanceType, `${size}/${architecture}`);
          assert.equal(
            architectureOfInstanceType(option.instanceType),
            architecture,
            `${option.instanceType} in ${size}/${architecture}`,
          );
          assert.equal(option.instanceType.split(".")[0], option.family);
        }
      }
    }
    assert.equal(seen.size, sizeTableInstanceTypes().length);
  });

  it("gives every size at least one x86_64 type offered in each of the 17 original regions", () => {
    for (const region of ORIGINAL_REGIONS) {
      for (const size of SIZES) {
        const choice = selectInstanceType({ region, size, architecture: "x86_64" });
        assert.equal(choice.architecture, "x86_64");
        assert.ok(
          instanceTypesOffered(region).instanceTypes.includes(choice.instanceType),
          `${choice.instanceType} in ${region}`,
        );
      }
    }
  });

  it("marks GPU sizes as GPU and the others as not", () => {
    for (const size of SIZES) {
      for (const architecture of ARCHITECTURES) {
        for (const option of SIZE_TABLE[size][architecture]) {
          assert.equal(Boolean(option.gpu), size.startsWith("GPU-"), option.instanceType);
        }
      }
    }
  });
});

describe("architectureOfInstanceType", () => {
  it("reads every Graviton family as arm64, including ones outside the size table", () => {
    for (const type of [
      "t4g.medium",
      "m6g.large",
      "m7g.xlarge",
      "m7gd.large",
      "c7g.large",
      "c7gn.large",
      "r7g.large",
      "r8g.large",
      "c8g.large",
      "m8g.xlarge",
      "g5g.xlarge",
      "x2gd.large",
      "im4gn.large",
      "is4gen.large",
      "hpc7g.4xlarge",
      "a1.large",
      "r8g.metal-24xl",
    ]) {
      assert.equal(architectureOfInstanceType(type), "arm64", type);
    }
  });

  it("reads Intel, AMD and accelerator families as x86_64, even when their names contain a g", () => {
    for (const type of [
      "m7i.xlarge",
      "m7i-flex.large",
      "m7a.large",
      "t3.medium",
      "g4dn.xlarge",
      "g4ad.xlarge",
      "g6e.xlarge",
      "gr6.4xlarge",
      "p5en.48xlarge",
      "c5n.large",
      "m5zn.large",
      "inf2.xlarge",
      "trn1.2xlarge",
      "u7i-12tb.224xlarge",
      "x2iedn.xlarge",
    ]) {
      assert.equal(architectureOfInstanceType(type), "x86_64", type);
    }
  });

  it("refuses strings that are not shaped like an instance type, naming the field", () => {
    for (const bad of ["m7i", "M7I.xlarge", "m7i.", ".xlarge", "m7i xlarge", "7i.large", "m7i.x large", ""]) {
      invalidInput(() => architectureOfInstanceType(bad), "instanceType", /not an EC2 instance type/);
    }
  });
});

describe("selectInstanceType", () => {
  describe("precedence", () => {
    it("lets an explicit instance type win over size and template defaults", () => {
      const choice = selectInstanceType({
        region: "us-east-1",
        instanceType: "c7i.large",
        size: "XL",
        defaults: { size: "GPU-S" },
      });
      assert.equal(choice.instanceType, "c7i.large");
      assert.equal(choice.source, "instanceType");
      assert.equal(choice.size, undefined, "c7i.large is not in the size table");
    });

    it("lets a size win over the template's default type", () => {
      const choice = selectInstanceType({ region: "us-east-1", size: "L", defaults: { type: "t3.medium" } });
      assert.equal(choice.instanceType, SIZE_TABLE.L.x86_64[0].instanceType);
      assert.equal(choice.source, "size");
    });

    it("uses the template's default type before its default size", () => {
      const choice = selectInstanceType({ region: "us-east-1", defaults: { type: "r7i.large", size: "XL" } });
      assert.equal(choice.instanceType, "r7i.large");
      assert.equal(choice.source, "instance_defaults.type");
    });

    it("uses the template's default size when nothing else is given", () => {
      const choice = selectInstanceType({ region: "us-east-1", defaults: { size: "XS" } });
      assert.equal(choice.instanceType, SIZE_TABLE.XS.x86_64[0].instanceType);
      assert.equal(choice.size, "XS");
      assert.equal(choice.source, "instance_defaults.size");
    });

    it("falls back to size M on x86_64", () => {
      const choice = selectInstanceType({ region: "us-east-1" });
      assert.deepEqual(
        [choice.instanceType, choice.architecture, choice.size, choice.source],
        ["m7i.xlarge", "x86_64", "M", "default"],
      );
    });

    it("reports the size-table size of an explicit type that is in the table", () => {
      const choice = selectInstanceType({ region: "us-east-1", instanceType: "g5g.2xlarge" });
      assert.deepEqual([choice.size, choice.gpu, choice.architecture, choice.family], ["GPU-M", true, "arm64", "g5g"]);
    });
  });

  describe("architecture", () => {
    it("picks the size's arm64 row when arm64 is explicit", () => {
      const choice = selectInstanceType({ region: "us-east-1", size: "M", architecture: "arm64" });
      assert.deepEqual([choice.instanceType, choice.architecture], ["m7g.xlarge", "arm64"]);
    });

    it("infers arm64 from a Graviton instance type when no architecture is given", () => {
      assert.equal(selectInstanceType({ region: "us-east-1", instanceType: "t4g.large" }).architecture, "arm64");
    });

    it("lets the instance type's architecture override the preferred one", () => {
      const choice = selectInstanceType({
        region: "us-east-1",
        instanceType: "m7i.large",
        preferredArchitecture: "arm64",
      });
      assert.equal(choice.architecture, "x86_64");
      assert.match(choice.reason, /overrides preferred architecture arm64/);
    });

    it("uses the preferred architecture for a size", () => {
      assert.equal(
        selectInstanceType({ region: "us-east-1", size: "S", preferredArchitecture: "arm64" }).instanceType,
        "m7g.large",
      );
    });

    it("lets a preferred arm64 yield to x86_64 when the size has no arm64 type, and says so", () => {
      const choice = selectInstanceType({ region: "us-east-1", size: "GPU-L", preferredArchitecture: "arm64" });
      assert.equal(choice.architecture, "x86_64");
      assert.equal(choice.instanceType, SIZE_TABLE["GPU-L"].x86_64[0].instanceType);
      assert.match(choice.reason, /preferred arm64 has no GPU-L type/);
    });

    it("refuses an explicit instance type that contradicts the explicit architecture, naming instanceType", () => {
      invalidInput(
        () => selectInstanceType({ region: "us-east-1", instanceType: "m7i.xlarge", architecture: "arm64" }),
        "instanceType",
        /x86_64.*arm64/,
      );
    });

    it("refuses a template default type that contradicts the explicit architecture, naming instance_defaults.type", () => {
      invalidInput(
        () => selectInstanceType({ region: "us-east-1", architecture: "x86_64", defaults: { type: "m7g.large" } }),
        "instance_defaults.type",
      );
    });

    it("refuses GPU-L on arm64, naming the size field and the x86_64 alternatives", () => {
      const message = invalidInput(
        () => selectInstanceType({ region: "us-east-1", size: "GPU-L", architecture: "arm64" }),
        "size",
      );
      assert.match(message, /no arm64 instance type/);
      assert.ok(message.includes(SIZE_TABLE["GPU-L"].x86_64[0].instanceType));
    });

    it("names instance_defaults.size when the template's default size is the one without an arm64 type", () => {
      invalidInput(
        () => selectInstanceType({ region: "us-east-1", architecture: "arm64", defaults: { size: "GPU-L" } }),
        "instance_defaults.size",
      );
    });

    it("refuses a malformed explicit type, and a malformed default type under its own field", () => {
      invalidInput(() => selectInstanceType({ region: "us-east-1", instanceType: "large" }), "instanceType");
      invalidInput(
        () => selectInstanceType({ region: "us-east-1", defaults: { type: "m7i" } }),
        "instance_defaults.type",
      );
    });
  });

  describe("family preference and regions", () => {
    it("tries the template's preferred families in order within the size's row", () => {
      assert.equal(
        selectInstanceType({ region: "us-east-1", size: "M", familyPreference: ["m6i", "m5"] }).instanceType,
        "m6i.xlarge",
      );
      assert.equal(
        selectInstanceType({ region: "us-east-1", size: "GPU-S", familyPreference: ["g6", "g5"] }).instanceType,
        "g6.xlarge",
      );
    });

    it("ignores preferred families that are not in the size's row", () => {
      const choice = selectInstanceType({ region: "us-east-1", size: "M", familyPreference: ["c7i", "m5"] });
      assert.equal(choice.instanceType, "m5.xlarge");
    });

    it("warns, naming each family and why, when no preferred family is in the size's row", () => {
      const warnings: string[] = [];
      const choice = selectInstanceType(
        { region: "us-east-1", size: "M", architecture: "arm64", familyPreference: ["t4g", "m6i", "c6i"] },
        warnings,
      );
      assert.equal(choice.instanceType, "m7g.xlarge");
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /^instance_family_preference \[t4g, m6i, c6i\] had no effect for size M on arm64/);
      assert.match(warnings[0], /t4g is not in size M \(only in XS\); m6i is x86_64, not arm64; c6i is in no size/);
      assert.match(warnings[0], /m7g\.xlarge was chosen, the first of the size's arm64 row \(m7g, m8g, m6g\)/);
      assert.match(choice.reason, /instance_family_preference ignores t4g is not in size M/);
    });

    it("names ignored families in the reason, without a warning, when another preferred family applies", () => {
      const warnings: string[] = [];
      const choice = selectInstanceType(
        { region: "us-east-1", size: "GPU-S", familyPreference: ["g6", "g6e", "g5g"] },
        warnings,
      );
      assert.equal(choice.instanceType, "g6.xlarge");
      assert.deepEqual(warnings, []);
      assert.match(choice.reason, /instance_family_preference ignores g6e is in no size of the table, g5g is arm64/);
    });

    it("passes the warning on through chooseInstance (the engine's and cws costs' choice)", () => {
      const template = loadTemplateFromObject({
        name: "t",
        ami_config: { preferred_architecture: "arm64", instance_family_preference: ["t4g", "m6i", "c6i"] },
      }).template;
      const warnings: string[] = [];
      assert.equal(chooseInstance(template, { region: "us-east-1" }, warnings).instanceType, "m7g.xlarge");
      assert.match(warnings.join("\n"), /instance_family_preference \[t4g, m6i, c6i\] had no effect/);
    });

    it("skips a preferred family the region lacks and moves on", () => {
      assert.ok(
        PRICE_SNAPSHOT.regionLacksFamilies["us-west-1"].includes("m8g"),
        "fixture assumption: us-west-1 lacks m8g",
      );
      const choice = selectInstanceType({
        region: "us-west-1",
        size: "M",
        architecture: "arm64",
        familyPreference: ["m8g"],
      });
      assert.equal(choice.instanceType, "m7g.xlarge");
    });

    it("skips families the region lacks and says which", () => {
      const choice = selectInstanceType({ region: "us-west-1", size: "GPU-S" });
      const lacking = PRICE_SNAPSHOT.regionLacksFamilies["us-west-1"];
      const expected = SIZE_TABLE["GPU-S"].x86_64.find((o) => !lacking.includes(o.family))!;
      assert.equal(choice.instanceType, expected.instanceType);
      assert.notEqual(
        choice.instanceType,
        SIZE_TABLE["GPU-S"].x86_64[0].instanceType,
        "the first choice should be missing here",
      );
      assert.match(choice.reason, /us-west-1 lacks g5/);
    });

    it("refuses an explicit type whose family the region lacks, naming instanceType", () => {
      invalidInput(
        () => selectInstanceType({ region: "us-west-1", instanceType: "g6.xlarge" }),
        "instanceType",
        /not offered in us-west-1/,
      );
    });

    it("refuses a size with no type of the architecture offered in the region", () => {
      invalidInput(
        () => selectInstanceType({ region: "eu-west-3", size: "GPU-S", architecture: "arm64" }),
        "size",
        /no arm64 instance type offered in eu-west-3.*g5g/,
      );
    });

    it("does not filter in regions the snapshot does not cover (availability unknown, not absent)", () => {
      const offering = instanceTypesOffered("ap-east-1");
      assert.equal(offering.known, false);
      assert.deepEqual(offering.instanceTypes, sizeTableInstanceTypes());
      assert.equal(
        selectInstanceType({ region: "ap-east-1", size: "GPU-S" }).instanceType,
        SIZE_TABLE["GPU-S"].x86_64[0].instanceType,
      );
    });
  });
});

describe("instanceTypesOffered", () => {
  it("offers every size-table type in us-east-1", () => {
    const offering = instanceTypesOffered("us-east-1");
    assert.equal(offering.known, true);
    assert.deepEqual(offering.instanceTypes, sizeTableInstanceTypes());
  });

  it("leaves out exactly the families the snapshot says a region lacks", () => {
    for (const region of ORIGINAL_REGIONS) {
      const offering = instanceTypesOffered(region);
      const lacking = PRICE_SNAPSHOT.regionLacksFamilies[region];
      for (const type of sizeTableInstanceTypes()) {
        const family = findInSizeTable(type)!.option.family;
        assert.equal(offering.instanceTypes.includes(type), !lacking.includes(family), `${type} in ${region}`);
      }
    }
  });
});

describe("validateInstanceType", () => {
  it("accepts every size-table type and real types outside the table", () => {
    for (const type of [...sizeTableInstanceTypes(), "c7i.large", "r7iz.metal-16xl", "m7i-flex.2xlarge", "t3.nano"])
      assert.deepEqual(validateInstanceType(type).family, type.slice(0, type.indexOf(".")), type);
  });

  it("refuses a size EC2 does not have, suggesting the family's known types", () => {
    const message = invalidInput(() => validateInstanceType("m7i.huge", "--instance-type"), "--instance-type");
    assert.match(message, /"huge" is not an instance size/);
    assert.match(message, /known m7i types: m7i\.2xlarge, m7i\.4xlarge, m7i\.large, m7i\.xlarge/);
    assert.match(
      invalidInput(() => validateInstanceType("m7i.xlarg"), "instanceType"),
      /did you mean "m7i\.xlarge"\?/,
    );
  });

  it("refuses an unknown family with a did-you-mean", () => {
    assert.match(
      invalidInput(() => validateInstanceType("x9.huge"), "instanceType"),
      /no instance family "x9"/,
    );
    assert.match(
      invalidInput(() => validateInstanceType("m7ii.large"), "instanceType"),
      /did you mean "m7i\.large"\?/,
    );
  });

  it("keeps the family list free of duplicates and shaped like EC2 families", () => {
    assert.equal(new Set(KNOWN_INSTANCE_FAMILIES).size, KNOWN_INSTANCE_FAMILIES.length);
    for (const type of sizeTableInstanceTypes()) assert.ok(KNOWN_INSTANCE_FAMILIES.includes(type.split(".")[0]), type);
  });
});

describe("chooseInstance (the one instance choice for the engine, components and cws costs)", () => {
  const armMapped = loadTemplateFromObject({
    name: "arm-mapped",
    ami_config: {
      preferred_architecture: "arm64",
      ami_mappings: { "us-east-1": { x86_64: "ami-00c41000000000001" } },
    },
  }).template;

  it("follows the template's sources: a preferred arm64 not offered in the region yields to the one offered", () => {
    const warnings: string[] = [];
    const choice = chooseInstance(armMapped, { region: "us-east-1" }, warnings);
    assert.equal(choice.architecture, "x86_64");
    assert.equal(choice.instanceType, "m7i.xlarge");
    assert.match(warnings[0], /preferred_architecture arm64 is not offered in us-east-1/);
    assert.equal(chooseInstance(armMapped, { region: "eu-west-1" }).architecture, "arm64");
  });

  it("rejects unknown instance types from the caller and from instance_defaults, naming the field", () => {
    invalidInput(() => chooseInstance({}, { region: "us-east-1", instanceType: "m7i.huge" }), "instanceType");
    invalidInput(
      () =>
        chooseInstance(loadTemplateFromObject({ name: "t", instance_defaults: { type: "x9.huge" } }).template, {
          region: "us-east-1",
        }),
      "instance_defaults.type",
      /no instance family "x9"/,
    );
  });
});
