import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { startMoto, type MotoServer } from "../../harness/moto";
import {
  createImageFromInstance,
  FIXTURE_BASE_IMAGES,
  publishPublicParameter,
  TEST_ACCOUNT_ID,
} from "../../harness/seed";
import { runCws } from "./in-process";
import { stackExportJson } from "./stack-export";

const PARAMETER = "/lab/images/upgrade/x86_64";

const FLEET = `# The lab's workstations (reviewed in pull requests)
defaults:
  region: us-east-1
workstations:
  # Alice's GPU work
  - name: alice
    template: upgrade-lab
  - name: bob
    template: upgrade-lab # bob keeps data across upgrades
    amiGeneration: 2
    dataVolumeGb: 200
  - name: carol
    template: upgrade-lab
`;

describe("cws ami upgrade --plan (runCli in-process, moto)", () => {
  let moto: MotoServer;
  let dir: string;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-upgrade-"));
    fs.writeFileSync(
      path.join(dir, "upgrade-lab.yml"),
      `name: upgrade-lab\nbase: ubuntu-24.04\nami_config:\n  ssm_parameter: ${PARAMETER}\n  trusted_owners: ["${TEST_ACCOUNT_ID}"]\n`,
    );
    fs.writeFileSync(path.join(dir, "fleet.yaml"), FLEET);
  });

  const run = (argv: string[]) => runCws(argv, { clients: moto.clients(), templatesDir: dir });

  async function image(name: string) {
    return createImageFromInstance(moto.clients().ec2("us-east-1"), {
      sourceAmiId: FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64,
      name,
    });
  }

  /** alice and bob deployed on `amiId`; carol not deployed yet. */
  function deployed(amiId: string): string {
    const file = path.join(dir, "stack.json");
    fs.writeFileSync(
      file,
      stackExportJson([
        { name: "alice-ami", amiId, template: "upgrade-lab" },
        { name: "bob-ami", amiId, template: "upgrade-lab" },
      ]),
    );
    return file;
  }

  it("exits 0 with nothing to do while every deployed workstation is current", async () => {
    const old = await image("upgrade-1");
    await publishPublicParameter(moto.clients().ssm("us-east-1"), PARAMETER, old);
    const fleet = path.join(dir, "fleet.yaml");
    const result = await run(["ami", "upgrade", "--plan", "--fleet", fleet, "--stack-export", deployed(old)]);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /Nothing to upgrade on purpose\./);
    assert.equal(fs.readFileSync(fleet, "utf8"), FLEET);
  });

  it("proposes amiGeneration N → N+1 with the fleet file's line for each stale workstation, says the instance is replaced and the data volume kept, and exits 3", async () => {
    const old = await image("upgrade-1");
    await publishPublicParameter(moto.clients().ssm("us-east-1"), PARAMETER, old);
    const stack = deployed(old);
    const newer = await image("upgrade-2");
    await publishPublicParameter(moto.clients().ssm("us-east-1"), PARAMETER, newer);
    const fleet = path.join(dir, "fleet.yaml");

    const plan = await run(["ami", "upgrade", "--plan", "--fleet", fleet, "--stack-export", stack]);
    assert.equal(plan.code, 3, plan.err);
    assert.match(plan.out, new RegExp(`${fleet.replace(/[.]/g, "\\.")}:6  alice: amiGeneration 0 → 1`));
    assert.match(plan.out, new RegExp(`${fleet.replace(/[.]/g, "\\.")}:10  bob: amiGeneration 2 → 3`));
    assert.match(plan.out, new RegExp(`alice +us-east-1 +${old} +newer_available +→ ${newer}`));
    assert.match(
      plan.out,
      /alice: moves to ami-[0-9a-f]+; replaces the instance: its root volume and everything on it are lost/,
    );
    assert.match(
      plan.out,
      /bob: moves to ami-[0-9a-f]+; replaces the instance .*the 200 GiB data volume at \/data is kept/,
    );
    assert.match(plan.out, /carol +– +– +not_deployed +none/);
    assert.equal(fs.readFileSync(fleet, "utf8"), FLEET, "--plan alone writes nothing");

    const json = await run(["ami", "upgrade", "--plan", "--fleet", fleet, "--stack-export", stack, "--json"]);
    const rows = JSON.parse(json.out);
    assert.deepEqual(rows[0], {
      workstation: "alice",
      region: "us-east-1",
      amiId: old,
      status: "newer_available",
      action: "bump",
      targetAmiId: newer,
      generation: { from: 0, to: 1 },
      where: `${fleet}:6`,
      note: rows[0].note,
    });
  });

  it("--write bumps amiGeneration in the fleet file through the Document API, keeping every comment", async () => {
    const old = await image("upgrade-1");
    await publishPublicParameter(moto.clients().ssm("us-east-1"), PARAMETER, old);
    const stack = deployed(old);
    await publishPublicParameter(moto.clients().ssm("us-east-1"), PARAMETER, await image("upgrade-2"));
    const fleet = path.join(dir, "fleet.yaml");
    const result = await run(["ami", "upgrade", "--plan", "--write", "--fleet", fleet, "--stack-export", stack]);
    assert.equal(result.code, 3, result.err);
    assert.match(result.out, /Written to /);
    const text = fs.readFileSync(fleet, "utf8");
    for (const comment of ["# The lab's workstations", "# Alice's GPU work", "# bob keeps data across upgrades"])
      assert.ok(text.includes(comment), `${comment} kept:\n${text}`);
    const parsed = parse(text) as { workstations: { name: string; amiGeneration?: number }[] };
    assert.deepEqual(
      parsed.workstations.map((w) => [w.name, w.amiGeneration]),
      [
        ["alice", 1],
        ["bob", 3],
        ["carol", undefined],
      ],
    );
  });

  it("reads a fleet kept in Pulumi.<stack>.yaml (cloudworkstation:fleet) and edits it there", async () => {
    const old = await image("upgrade-1");
    await publishPublicParameter(moto.clients().ssm("us-east-1"), PARAMETER, old);
    const stack = deployed(old);
    await publishPublicParameter(moto.clients().ssm("us-east-1"), PARAMETER, await image("upgrade-2"));
    const config = path.join(dir, "Pulumi.dev.yaml");
    fs.writeFileSync(
      config,
      "config:\n  aws:region: us-east-1\n  cloudworkstation:fleet:\n    - name: alice # alice\n      template: upgrade-lab\n",
    );
    const result = await run(["ami", "upgrade", "--plan", "--write", "--fleet", config, "--stack-export", stack]);
    assert.equal(result.code, 3, result.err);
    assert.match(result.out, /Pulumi\.dev\.yaml:4 {2}alice: amiGeneration 0 → 1/);
    const text = fs.readFileSync(config, "utf8");
    assert.match(text, /# alice/);
    assert.equal(
      (parse(text) as { config: Record<string, { amiGeneration: number }[]> }).config["cloudworkstation:fleet"][0]
        .amiGeneration,
      1,
    );
  });

  it("exits 2 naming the file, line and field for an invalid fleet, and says how to point at the fleet when none is given", async () => {
    const old = await image("upgrade-1");
    await publishPublicParameter(moto.clients().ssm("us-east-1"), PARAMETER, old);
    const stack = deployed(old);
    const fleet = path.join(dir, "fleet.yaml");
    fs.writeFileSync(fleet, FLEET.replace("amiGeneration: 2", "amiGeneration: -1"));
    const bad = await run(["ami", "upgrade", "--plan", "--fleet", fleet, "--stack-export", stack]);
    assert.equal(bad.code, 2);
    assert.match(
      bad.err,
      /fleet\.yaml:10:\d+ workstations\[1\]\.amiGeneration \(bob\): amiGeneration is a whole number ≥ 0/,
    );

    const cwd = process.cwd();
    process.chdir(os.tmpdir());
    try {
      const missing = await run(["ami", "upgrade", "--plan", "--stack-export", stack]);
      assert.equal(missing.code, 2);
      assert.match(missing.err, /--fleet fleet\.yaml: cannot read it .*give --fleet FILE/);
    } finally {
      process.chdir(cwd);
    }
    const noPlan = await run(["ami", "upgrade", "--fleet", fleet, "--stack-export", stack]);
    assert.equal(noPlan.code, 2);
    assert.match(noPlan.err, /give --plan/);
  });
});
