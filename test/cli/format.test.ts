import assert from "node:assert/strict";
import { estimateCost } from "../../src/resolver/cost";
import { CHAIN_SYMBOLS, chainLine } from "../../src/resolver/chain-symbols";
import type { FallbackStep, ResolutionResult, StepOutcome } from "../../src/resolver/types";
import { PassThrough } from "node:stream";
import {
  checkRegion,
  cleanParseArgsMessage,
  parseCommandArgs,
  parseListFlag,
  parseRegionList,
  UsageError,
} from "../../src/cli/args";
import { extractGlobalOptions, matchCommand, reportError } from "../../src/cli/cli";
import { ImagingError } from "../../src/imaging/errors";
import { AwsCallError } from "../../src/core/errors";
import type { CliCommand } from "../../src/cli/command";
import { testExitCode } from "../../src/cli/commands/ami-test";
import {
  displayWidth,
  formatApproxSeconds,
  formatFallbackChain,
  formatImageList,
  formatResolution,
  formatTable,
  formatTestReport,
  formatUsd,
  outcomeSymbol,
  stripAnsi,
} from "../../src/cli/format";
import type { RegionOutcome } from "../../src/ops/region-outcome";

function result(overrides: Partial<ResolutionResult> = {}): ResolutionResult {
  const method = overrides.method ?? "ssm_parameter";
  return {
    template: "demo",
    region: "us-east-1",
    strategy: "ami_preferred",
    method,
    amiId: method === "failed" ? undefined : "ami-00c41000000000002",
    architecture: "x86_64",
    instanceType: "m7i.large",
    fallbackChain: [
      { tier: "direct_mapping", outcome: "not_configured", detail: "no ami_mappings in ami_config" },
      {
        tier: "ssm_parameter",
        outcome: "selected",
        detail: "selected ami-00c41000000000002 from parameter /p",
        amiId: "ami-00c41000000000002",
      },
      { tier: "dynamic_search", outcome: "skipped", detail: "an earlier tier selected ami-00c41000000000002" },
      { tier: "marketplace", outcome: "rejected", detail: "owner 210987654321 not in trusted_owners" },
      { tier: "cross_region", outcome: "error", detail: "AccessDenied", region: "us-east-2" },
      { tier: "fallback_script", outcome: "skipped", detail: "an earlier tier selected ami-00c41000000000002" },
    ],
    warnings: [],
    estimatedLaunchSeconds: 45,
    cost: estimateCost({ instanceType: "m7i.large", region: "us-east-1", method, setupMinutes: 6 }),
    ...overrides,
  };
}

describe("cws formatters (pure)", () => {
  it("maps every step outcome to ✓, ✗, ⚠ or – from the resolver's one symbol table", () => {
    assert.equal(outcomeSymbol("selected"), "✓");
    for (const outcome of ["rejected", "not_found"] as const) assert.equal(outcomeSymbol(outcome), "✗");
    assert.equal(outcomeSymbol("error"), "⚠", "an AWS failure must not look like 'nothing found'");
    for (const outcome of ["not_configured", "skipped"] as const) assert.equal(outcomeSymbol(outcome), "–");
    for (const outcome of Object.keys(CHAIN_SYMBOLS) as StepOutcome[])
      assert.equal(outcomeSymbol(outcome), CHAIN_SYMBOLS[outcome]);
  });

  it("writes one chain line per step with the same symbols as the CLI table, and the region when foreign", () => {
    const steps = result().fallbackChain as FallbackStep[];
    assert.equal(chainLine(steps[4]), "⚠ cross_region [us-east-2]: AccessDenied");
    assert.equal(chainLine(steps[1]), "✓ ssm_parameter: selected ami-00c41000000000002 from parameter /p");
  });

  it("prints one aligned chain line per step with its symbol, tier, outcome, detail and foreign region", () => {
    const steps = result().fallbackChain as FallbackStep[];
    const lines = formatFallbackChain(steps).split("\n");
    assert.equal(lines.length, steps.length);
    assert.match(lines[1], /^ {2}✓ {2}ssm_parameter +selected +selected ami-00c41000000000002 from parameter \/p$/);
    assert.match(lines[0], /^ {2}– {2}direct_mapping +not configured +no ami_mappings/);
    assert.match(lines[4], /⚠ {2}cross_region +error +\[us-east-2\] AccessDenied/);
    // The detail column starts at the same position on every line (the region prefix is part of the column).
    const starts = lines.map((line, i) => line.indexOf(steps[i].region ? `[${steps[i].region}]` : steps[i].detail));
    assert.equal(new Set(starts).size, 1, `columns misaligned: ${starts.join(", ")}`);
  });

  it("aligns columns by display width, ignoring colour codes, without trailing blanks", () => {
    const table = formatTable([
      ["\x1b[32m✓\x1b[0m", "a", "x"],
      ["✗", "longer", "y"],
    ]);
    const lines = table.split("\n").map(stripAnsi);
    assert.equal(lines[0].indexOf("x"), lines[1].indexOf("y"));
    assert.ok(lines.every((line) => line === line.trimEnd()));
    assert.equal(displayWidth("\x1b[31m✗\x1b[0m"), 1);
  });

  it("labels launch time and costs as estimates and names the price snapshot", () => {
    const text = formatResolution(result());
    assert.match(text, /Launch +~45 s until usable \(estimate\)/);
    assert.match(text, /Cost \(estimate\):/);
    assert.match(text, /Hourly +\$0\.1008\/h \(estimate, on-demand\)/);
    assert.match(text, /Estimates, not measurements/);
    assert.match(text, /Result +AMI ami-00c41000000000002 \(via ssm_parameter\)/);
    assert.ok(!text.includes("\x1b["), "no colour codes without a TTY");
  });

  it("uses colour codes only when the style asks for them", () => {
    assert.ok(formatResolution(result(), { color: true }).includes("\x1b[32m✓\x1b[0m"));
  });

  it("says a failed resolution is unresolvable and shows no launch time", () => {
    const text = formatResolution(result({ method: "failed", estimatedLaunchSeconds: 0, strategy: "ami_required" }));
    assert.match(text, /Result +unresolvable/);
    assert.doesNotMatch(text, /Launch/);
  });

  it("describes a cross-region result as a copy with its estimated time and cost and whether it was consented", () => {
    const text = formatResolution(
      result({
        method: "cross_region",
        sourceRegion: "us-east-2",
        copyPlan: {
          sourceRegion: "us-east-2",
          sourceAmiId: "ami-00c41000000000001",
          targetRegion: "us-east-1",
          estimatedMinutes: 17,
          estimatedCostUsd: 2.1,
          consented: false,
        },
      }),
    );
    assert.match(
      text,
      /copy needed: ami-00c41000000000001 in us-east-2 → us-east-1 \(not consented: pass --allow-copy\)/,
    );
    assert.match(
      text,
      /Copy plan +ami-00c41000000000001 \(us-east-2\) → us-east-1, ~17 min and \$2\.10 \(estimate\), not consented/,
    );
  });

  it("rounds durations and dollars for people", () => {
    assert.equal(formatApproxSeconds(45), "~45 s");
    assert.equal(formatApproxSeconds(405), "~7 min");
    assert.equal(formatApproxSeconds(3900), "~1 h 5 min");
    assert.equal(formatUsd(0.021), "$0.021");
    assert.equal(formatUsd(0.45), "$0.45");
    assert.equal(formatUsd(12.3), "$12.30");
    assert.equal(formatUsd(undefined), "unknown");
  });

  it("summarises a multi-region run with one row per region and counts per outcome", () => {
    const entries: RegionOutcome[] = [
      result({ region: "us-east-1" }),
      result({ region: "eu-west-1", method: "fallback_script", amiId: undefined, estimatedLaunchSeconds: 405 }),
      result({ region: "ap-south-1", method: "failed", amiId: undefined }),
      { template: "demo", region: "sa-east-1", error: { name: "Error", message: "boom" } },
    ];
    const text = formatTestReport("demo", entries);
    const rows = text.split("\n").filter((line) => /^ {2}\S/.test(line));
    assert.equal(rows.length, 4);
    assert.match(text, /us-east-1 +ami-00c41000000000002 +ssm_parameter, m7i\.large/);
    assert.match(text, /eu-west-1 +script +~7 min setup \(estimate\)/);
    assert.match(text, /ap-south-1 +failed +cross_region: AccessDenied/);
    assert.match(text, /4 regions: 1 AMI, 1 script fallback, 0 copy needed, 1 failed, 1 error$/m);
  });

  it("gives a multi-region run exit 1 for an unexpected error, 2 for invalid input, 3 for failed, else 0", () => {
    const ok = result();
    const failed = result({ method: "failed" });
    const invalid: RegionOutcome = { template: "t", region: "r", error: { name: "InvalidInputError", message: "m" } };
    const crash: RegionOutcome = { template: "t", region: "r", error: { name: "TypeError", message: "m" } };
    assert.equal(testExitCode([ok, ok]), 0);
    assert.equal(testExitCode([ok, result({ method: "fallback_script" })]), 0);
    assert.equal(testExitCode([ok, failed]), 3);
    assert.equal(testExitCode([failed, invalid]), 2);
    assert.equal(testExitCode([invalid, crash, failed]), 1);
  });

  it("marks untrusted and missing images in an image list", () => {
    const text = formatImageList({
      template: "t",
      region: "us-east-1",
      images: [
        {
          source: "ami_search",
          via: "owners [1]",
          amiId: "ami-1",
          exists: true,
          ownerId: "210987654321",
          architecture: "x86_64",
          creationDate: "2026-11-20T00:00:00Z",
          state: "available",
          deprecated: false,
          trusted: false,
          trust: "owner 210987654321 not in trusted_owners [099720109477]",
        },
        {
          source: "ami_mappings",
          via: "ami_mappings.us-east-1",
          amiId: "ami-2",
          exists: false,
          deprecated: false,
          trusted: false,
          trust: "does not exist in us-east-1",
        },
      ],
      notes: ["ssm_parameter /x not found in us-east-1"],
    });
    assert.match(text, /ami-1 +210987654321 +x86_64 +2026-11-20 +available +no +ami_search$/m);
    assert.match(text, /searched ami_search: owners \[1\]/);
    assert.match(text, /ami-2 +- +- +- +missing +no/);
    assert.match(text, /✗ ami-1: owner 210987654321 not in trusted_owners/);
    assert.match(text, /note: ssm_parameter \/x not found/);
  });
});

describe("cws argument handling (pure)", () => {
  const commands = [
    { path: ["ami", "resolve"], summary: "", usage: "", run: async () => 0 },
    { path: ["ami", "test"], summary: "", usage: "", run: async () => 0 },
    { path: ["costs"], summary: "", usage: "", run: async () => 0 },
  ] as CliCommand[];

  it("rejects unknown flags instead of ignoring them", () => {
    assert.throws(
      () => parseCommandArgs(["x", "--bogus"], { json: { type: "boolean" } }, { min: 1, max: 1, names: "<t>" }),
      (e: Error) => e instanceof UsageError && e.message === "unknown option --bogus",
    );
    assert.throws(() => parseCommandArgs([], {}, { min: 1, max: 1, names: "<template>" }), /missing <template>/);
    assert.throws(() => parseCommandArgs(["a", "b"], {}, { min: 1, max: 1, names: "<t>" }), /unexpected argument "b"/);
    assert.equal(
      cleanParseArgsMessage("Option '--region <value>' argument missing"),
      "Option '--region <value>' argument missing",
    );
  });

  it("takes --templates-dir from anywhere and --region/--json/--help only before the command", () => {
    const { globals, rest } = extractGlobalOptions([
      "--region",
      "eu-west-1",
      "--json",
      "ami",
      "resolve",
      "t",
      "--templates-dir",
      "/a",
      "--templates-dir=/b",
      "--size",
      "M",
    ]);
    assert.deepEqual(globals.templatesDirs, ["/a", "/b"]);
    assert.equal(globals.region, "eu-west-1");
    assert.equal(globals.json, true);
    assert.deepEqual(rest, ["ami", "resolve", "t", "--size", "M"]);
    assert.throws(() => extractGlobalOptions(["--nope", "ami"]), /unknown option --nope/);
    assert.throws(() => extractGlobalOptions(["ami", "--templates-dir"]), /--templates-dir needs a value/);
  });

  it("matches the longest command path and recognises a bare group", () => {
    assert.equal(matchCommand(["ami", "test", "x"], commands).command?.path.join(" "), "ami test");
    assert.equal(matchCommand(["costs", "x"], commands).command?.path.join(" "), "costs");
    const group = matchCommand(["ami"], commands);
    assert.equal(group.command, undefined);
    assert.deepEqual(group.consumed, ["ami"]);
    assert.equal(matchCommand(["nope"], commands).command, undefined);
  });

  it("parses region lists, refusing empty entries and unknown regions", () => {
    assert.deepEqual(parseRegionList("us-east-1, eu-west-1,us-east-1"), ["us-east-1", "eu-west-1"]);
    assert.throws(() => parseRegionList("us-east-1,,eu-west-1"), /empty entry/);
    assert.throws(() => parseRegionList("us-east1"), /unknown region "us-east1"; did you mean "us-east-1"/);
  });

  it("accepts well-formed regions missing from the list with a warning, refuses malformed ones", () => {
    const stderr = new PassThrough();
    let warned = "";
    stderr.on("data", (c) => (warned += String(c)));
    assert.equal(checkRegion("ap-southeast-9", "--region", { stderr }), "ap-southeast-9");
    assert.equal(checkRegion("eu-north-3", "--region", { stderr }), "eu-north-3");
    assert.equal(checkRegion("us-east-1", "--region", { stderr }), "us-east-1");
    stderr.end();
    assert.equal(warned.match(/is not one of the AWS regions CloudWorkstation knows/g)?.length, 2, warned);
    for (const bad of ["../../etc", "us-east1", "US-EAST-1", "us-east-1 ", "xx-east-1", "us-middle-1"])
      assert.throws(
        () => checkRegion(bad),
        (e: Error) => e instanceof UsageError && /unknown region/.test(e.message),
      );
    assert.throws(() => checkRegion("us-east1"), /did you mean "us-east-1"\?/);
  });

  it("flattens repeatable comma-separated flags and refuses empty entries", () => {
    assert.deepEqual(parseListFlag("--accounts", ["1,2", "3", "2"]), ["1", "2", "3"]);
    assert.deepEqual(parseListFlag("--accounts", undefined), []);
    assert.throws(() => parseListFlag("--accounts", "1,,2"), /--accounts has an empty entry/);
  });

  it("reports an imaging step that failed on an AwsCallError with what was undone and what to do, exit 1", () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    let err = "";
    stdout.on("data", (c) => (out += String(c)));
    stderr.on("data", (c) => (err += String(c)));
    const denied = new AwsCallError("permission", "not allowed to call ec2:CreateImage", {
      service: "EC2",
      operation: "CreateImage",
      hint: "allow ec2:CreateImage for this role",
    });
    const code = reportError(new ImagingError("CreateImage", denied, ["instance i-0123456789abcdef0 restarted"]), {
      stdout,
      stderr,
      debug: false,
      json: true,
    });
    assert.equal(code, 1);
    assert.match(
      err,
      /CreateImage failed \(.*not allowed to call ec2:CreateImage\); undone: instance i-0123456789abcdef0 restarted/,
    );
    assert.match(err, /what to do: allow ec2:CreateImage for this role/);
    assert.equal(JSON.parse(out).error.kind, "permission");
  });
});
