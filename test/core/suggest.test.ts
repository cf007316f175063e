import assert from "node:assert/strict";
import { closestMatch, didYouMean, editDistance } from "../../src/core/suggest";

describe("did-you-mean suggestions", () => {
  it("counts an adjacent transposition as one edit", () => {
    assert.equal(editDistance("ami_saerch", "ami_search"), 1);
    assert.equal(editDistance("kitten", "sitting"), 3);
    assert.equal(editDistance("", "abc"), 3);
  });

  it("suggests the closest candidate only when it is a plausible typo", () => {
    assert.equal(closestMatch("ami_serch", ["ami_search", "ami_mappings"]), "ami_search");
    assert.equal(closestMatch("Name", ["name", "description"]), "name");
    assert.equal(closestMatch("zzz", ["name", "description"]), undefined);
    assert.equal(closestMatch("ab", ["xy"]), undefined);
  });

  it("maps other tools' architecture names to ours rather than to the nearest spelling", () => {
    assert.equal(closestMatch("amd64", ["x86_64", "arm64"]), "x86_64");
    assert.equal(closestMatch("aarch64", ["x86_64", "arm64"]), "arm64");
  });

  it("phrases the suggestion ready to append to a message", () => {
    assert.equal(didYouMean("us-east1", ["us-east-1", "us-west-1"]), '; did you mean "us-east-1"?');
    assert.equal(didYouMean("mars-1", ["us-east-1"]), "");
  });
});
