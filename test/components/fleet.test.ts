import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FleetConfigError, loadFleetFile, parseFleet, parseFleetYaml } from "../../src/components/fleet";

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof FleetConfigError, `expected FleetConfigError, got ${String(error)}`);
    return error.message
      .split("\n")
      .slice(1)
      .map((line) => line.trim());
  }
  assert.fail("expected the fleet to be rejected");
}

describe("fleet configuration", () => {
  it("accepts a list of entries from stack config", () => {
    const fleet = parseFleet([
      { name: "alice", template: "python-ml", size: "M", owner: "alice", allowedCidrs: ["203.0.113.0/24"] },
      { name: "bob", template: "r-research", region: "eu-west-1", refresh: "latest", tags: { grant: "R01" } },
    ]);
    assert.deepEqual(
      fleet.map((entry) => entry.name),
      ["alice", "bob"],
    );
    assert.equal(fleet[1].refresh, "latest");
  });

  it("names the entry index, the workstation and the field for every problem at once", () => {
    const issues = issuesOf(() =>
      parseFleet([
        { name: "alice", template: "python-ml", size: "HUGE" },
        { name: "bob", template: "python-ml", region: "us-east1", allowedCidrs: ["10.0.0.0/40"] },
        { name: "carol" },
        { name: "dave", template: "python-ml", sise: "M" },
      ]),
    );
    assert.equal(issues.length, 5);
    assert.match(issues[0], /^fleet\[0\]\.size \(alice\): /);
    assert.match(issues[1], /^fleet\[1\]\.region \(bob\): unknown region "us-east1"/);
    assert.match(issues[2], /^fleet\[1\]\.allowedCidrs\[0\] \(bob\): "10\.0\.0\.0\/40" is not an IPv4 CIDR block/);
    assert.match(issues[3], /^fleet\[2\]\.template \(carol\): is required: template is a template name/);
    assert.match(issues[4], /^fleet\[3\]\.sise \(dave\): unknown field; expected one of name, template, region/);
  });

  it("accepts amiGeneration and a data volume per entry, and refuses a negative or fractional generation", () => {
    const [alice] = parseFleet([
      { name: "alice", template: "python-ml", amiGeneration: 3, dataVolumeGb: 200, dataVolumeType: "gp3" },
    ]);
    assert.equal(alice.amiGeneration, 3);
    assert.equal(alice.dataVolumeGb, 200);
    const issues = issuesOf(() =>
      parseFleet([
        { name: "a", template: "t", amiGeneration: -1 },
        { name: "b", template: "t", amiGeneration: 1.5 },
        { name: "c", template: "t", dataVolumeType: "ssd" },
      ]),
    );
    assert.match(issues[0], /^fleet\[0\]\.amiGeneration \(a\): amiGeneration is a whole number ≥ 0/);
    assert.match(issues[1], /^fleet\[1\]\.amiGeneration \(b\): amiGeneration is a whole number ≥ 0/);
    assert.match(issues[2], /^fleet\[2\]\.dataVolumeType \(c\): /);
  });

  it("rejects duplicate names, pointing at both entries", () => {
    const issues = issuesOf(() =>
      parseFleet([
        { name: "alice", template: "a" },
        { name: "bob", template: "b" },
        { name: "alice", template: "c" },
      ]),
    );
    assert.deepEqual(issues, [
      'fleet[2].name (alice): duplicate name "alice" (also fleet[0]); every workstation needs its own name',
    ]);
  });

  it("rejects size together with instanceType, and a fleet that is not a non-empty list", () => {
    assert.match(
      issuesOf(() => parseFleet([{ name: "a", template: "t", size: "M", instanceType: "m7i.large" }]))[0],
      /^fleet\[0\]\.size \(a\): give size or instanceType, not both/,
    );
    assert.match(issuesOf(() => parseFleet({ alice: {} }))[0], /^fleet: must be a list of workstations/);
    assert.match(issuesOf(() => parseFleet([]))[0], /^fleet: list at least one workstation/);
  });

  it("reports fleet.yaml problems as file:line:column with the entry path", () => {
    const text = [
      "defaults:",
      "  region: us-east-1",
      "  tags: { lab: smith }",
      "workstations:",
      "  - name: alice",
      "    template: python-ml",
      "  - name: bob",
      "    template: python-ml",
      "    size: XXL",
      "  - name: alice",
      "    template: r-research",
      "    colour: blue",
      "",
    ].join("\n");
    const issues = issuesOf(() => parseFleetYaml(text, "fleet.yaml"));
    assert.equal(issues.length, 2);
    assert.match(issues[0], /^fleet\.yaml:9:11 workstations\[1\]\.size \(bob\): /);
    assert.match(issues[1], /^fleet\.yaml:12:5 workstations\[2\]\.colour \(alice\): unknown field/);
  });

  it("applies file defaults (entries win, tags merge) and resolves template paths relative to the file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-fleet-"));
    const file = path.join(dir, "fleet.yaml");
    fs.writeFileSync(
      file,
      [
        "defaults:",
        "  region: us-east-1",
        "  owner: lab",
        "  tags: { lab: smith, cost-centre: '42' }",
        "workstations:",
        "  - { name: alice, template: python-ml, owner: alice, tags: { lab: jones } }",
        "  - { name: bob, template: ./templates/custom.yml, region: eu-west-1 }",
      ].join("\n"),
    );
    const fleet = loadFleetFile(file);
    assert.deepEqual(fleet[0], {
      name: "alice",
      template: "python-ml",
      region: "us-east-1",
      owner: "alice",
      tags: { lab: "jones", "cost-centre": "42" },
    });
    assert.equal(fleet[1].region, "eu-west-1");
    assert.equal(fleet[1].owner, "lab");
    assert.equal(
      fleet[1].template,
      path.join(dir, "templates", "custom.yml"),
      "outside the working directory: absolute",
    );
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      // Inside the project: relative, so every checkout records the same path in state.
      assert.equal(loadFleetFile("fleet.yaml")[1].template, `.${path.sep}${path.join("templates", "custom.yml")}`);
    } finally {
      process.chdir(cwd);
    }
  });

  it("says which file could not be read", () => {
    assert.match(
      issuesOf(() => loadFleetFile("/nonexistent/fleet.yaml"))[0],
      /cannot read the fleet file: .*check cloudworkstation:fleetFile/,
    );
  });
});
