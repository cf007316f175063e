import assert from "node:assert/strict";
import { CHAIN_SYMBOLS, chainLine } from "../../../src/resolver/chain-symbols";
import {
  canonicalJson,
  decidePin,
  formatChain,
  latestReplacedLine,
  pinKey,
  pinnedImageState,
  type PreviousResolution,
} from "../../../src/dynamic/pin/shared-decision";

const amiConfig = { strategy: "ami_preferred", ami_search: { owners: ["099720109477"], name_pattern: "ubuntu/*" } };
const question = { amiConfig, region: "us-east-1", architecture: "x86_64" };
const previous: PreviousResolution = {
  amiId: "ami-00c41000000000002",
  pinKey: pinKey(question),
  templateHash: "t1",
  method: "dynamic_search",
  region: "us-east-1",
};

describe("pinning decisions", () => {
  it("hashes ami_config the same whatever the key order, and differently when a value changes", () => {
    const reordered = { ami_search: { name_pattern: "ubuntu/*", owners: ["099720109477"] }, strategy: "ami_preferred" };
    assert.equal(pinKey({ ...question, amiConfig: reordered }), pinKey(question));
    assert.notEqual(pinKey({ ...question, region: "eu-west-1" }), pinKey(question));
    assert.notEqual(pinKey({ ...question, architecture: "arm64" }), pinKey(question));
    assert.notEqual(pinKey({ ...question, strategy: "ami_required" }), pinKey(question));
    assert.notEqual(pinKey({ ...question, amiConfig: { ...amiConfig, strategy: "ami_required" } }), pinKey(question));
    assert.equal(canonicalJson({ b: 1, a: [2, { d: 1, c: undefined }] }), '{"a":[2,{"d":1}],"b":1}');
  });

  it("keeps a pinned resolution while the question is unchanged and the image is launchable", () => {
    assert.deepEqual(
      decidePin({
        refresh: "pinned",
        previous,
        pinKey: previous.pinKey,
        templateHash: "t2",
        imageState: { valid: true },
      }),
      { keep: true },
    );
  });

  it("resolves afresh for a new resource, and for refresh: latest", () => {
    assert.deepEqual(decidePin({ refresh: "pinned", previous: undefined, pinKey: "k", templateHash: "t" }), {
      keep: false,
    });
    assert.equal(
      decidePin({
        refresh: "latest",
        previous,
        pinKey: previous.pinKey,
        templateHash: "t1",
        imageState: { valid: true },
      }).keep,
      false,
    );
  });

  it("re-resolves and says why when the ami_config, region or architecture changed", () => {
    const decision = decidePin({ refresh: "pinned", previous, pinKey: "other", templateHash: "t1" });
    assert.equal(decision.keep, false);
    assert.match((decision as { why: string }).why, /^↻ re-resolved: .*ami_config.*ami-00c41000000000002 was pinned/);
  });

  it("re-resolves when the pinned image is no longer launchable, naming the image and the reason", () => {
    const state = pinnedImageState(undefined, new Date());
    const decision = decidePin({
      refresh: "pinned",
      previous,
      pinKey: previous.pinKey,
      templateHash: "t1",
      imageState: state,
    });
    assert.deepEqual(decision, {
      keep: false,
      why: "↻ re-resolved: pinned ami-00c41000000000002 was deregistered (DescribeImages no longer returns it)",
    });
  });

  it("re-resolves a script-provisioned workstation when its template changed, but not an AMI-path one", () => {
    const script = { ...previous, method: "fallback_script" };
    assert.equal(
      decidePin({
        refresh: "pinned",
        previous: script,
        pinKey: previous.pinKey,
        templateHash: "t2",
        imageState: { valid: true },
      }).keep,
      false,
    );
    assert.equal(
      decidePin({
        refresh: "pinned",
        previous,
        pinKey: previous.pinKey,
        templateHash: "t2",
        imageState: { valid: true },
      }).keep,
      true,
    );
  });

  it("judges a pinned image by state and deprecation time", () => {
    const now = new Date("2026-11-22T00:00:00Z");
    assert.deepEqual(pinnedImageState({ State: "available" }, now), { valid: true });
    assert.deepEqual(pinnedImageState({ State: "available", DeprecationTime: "2027-01-01T00:00:00Z" }, now), {
      valid: true,
    });
    assert.deepEqual(pinnedImageState({ State: "available", DeprecationTime: "2026-11-01T00:00:00Z" }, now), {
      valid: false,
      reason: "is deprecated since 2026-11-01T00:00:00Z",
    });
    assert.equal(pinnedImageState({ State: "pending" }, now).valid, false);
  });

  it("formats one line per tier with an outcome mark, and the region for cross-region steps", () => {
    const lines = formatChain([
      { tier: "direct_mapping", outcome: "not_configured", detail: "no ami_mappings" },
      { tier: "dynamic_search", outcome: "selected", detail: "selected ami-1 (x)", amiId: "ami-1" },
      { tier: "cross_region", outcome: "not_found", detail: "nothing", region: "us-east-2" },
      { tier: "fallback_script", outcome: "error", detail: "boom" },
    ]);
    assert.deepEqual(lines, [
      "– direct_mapping: no ami_mappings",
      "✓ dynamic_search: selected ami-1 (x)",
      "✗ cross_region [us-east-2]: nothing",
      "⚠ fallback_script: boom",
    ]);
    assert.match(latestReplacedLine("ami-old", "ami-new"), /ami-new replaced ami-old/);
  });

  it("takes every chain symbol from the one table in resolver/chain-symbols, so an edit there shows in every chain", () => {
    const table = CHAIN_SYMBOLS as Record<string, string>;
    const original = table.error;
    table.error = "!";
    try {
      const step = { tier: "ssm_parameter" as const, outcome: "error" as const, detail: "AccessDenied" };
      assert.deepEqual(formatChain([step]), ["! ssm_parameter: AccessDenied"]);
      assert.deepEqual(formatChain([step]), [chainLine(step)]);
    } finally {
      table.error = original;
    }
  });
});
