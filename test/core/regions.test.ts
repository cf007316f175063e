import assert from "node:assert/strict";
import path from "node:path";
import { checkRegionName, KNOWN_REGIONS, loadTemplate } from "../../src/templates";
import { at, fixtureDir, issueWith, templateErrorOf, yaml } from "../templates/helpers";

const load = (text: string) => loadTemplate(path.join(fixtureDir({ "t.yml": text }), "t.yml"));

describe("region names", () => {
  it("knows the regions launched in 2024-2025 as well as the older ones", () => {
    for (const region of [
      "ap-east-2",
      "ap-southeast-6",
      "ap-southeast-7",
      "ap-southeast-5",
      "ap-southeast-4",
      "mx-central-1",
      "ca-west-1",
      "il-central-1",
      "me-central-1",
      "ap-south-2",
      "eu-south-2",
      "eu-central-2",
    ]) {
      assert.deepEqual(checkRegionName(region), { ok: true }, region);
    }
    assert.equal(new Set(KNOWN_REGIONS).size, KNOWN_REGIONS.length);
  });

  it("accepts a well-formed region it does not know, with a warning", () => {
    const check = checkRegionName("eu-southwest-3");
    assert.equal(check.ok, true);
    assert.match((check as { warning: string }).warning, /"eu-southwest-3" is not one of the AWS regions/);
    assert.equal(checkRegionName("us-gov-west-1").ok, true);
  });

  it("refuses a malformed region, with a suggestion when one is close", () => {
    assert.deepEqual(checkRegionName("us-east1"), {
      ok: false,
      error: 'unknown region "us-east1"; did you mean "us-east-1"?',
    });
    const traversal = checkRegionName("../../etc");
    assert.equal(traversal.ok, false);
    assert.match((traversal as { error: string }).error, /not formed like an AWS region name/);
  });

  it("loads a template mapping a new region, warning at the region's key", () => {
    const loaded = load(
      yaml(
        "name: t",
        "ami_config:",
        "  ami_mappings:",
        "    ap-southeast-6: ami-12345678",
        "    ap-southeast-9: ami-12345678",
      ),
    );
    assert.equal(loaded.warnings.length, 1, loaded.warnings.join("\n"));
    assert.match(
      loaded.warnings[0],
      /t\.yml:5:5 ami_config\.ami_mappings\.ap-southeast-9: region "ap-southeast-9" is not one of the AWS regions/,
    );
  });

  it("keeps a malformed region in a template an error at its key", () => {
    const error = templateErrorOf(() =>
      load(yaml("name: t", "ami_config:", "  ami_mappings:", "    ../../etc: ami-12345678")),
    );
    assert.equal(at(issueWith(error.issues, 'unknown region "../../etc"')), "4:5");
  });
});
