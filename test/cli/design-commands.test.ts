import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DescribeImagesCommand, DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { EXIT } from "../../src/cli/command";
import { DESIGN_COMMANDS } from "../../src/cli/design-commands";
import { MotoServer, startMoto } from "../../harness/moto";
import { entry, makeKey, tempDir, writeCatalog, type TestKey } from "../catalog/helpers";
import { ownImages, runInstance } from "../imaging/helpers";
import { runCws } from "./in-process";

/** The commands `here` names (e.g. "cws catalog review"), which an answer must print. */
function commandsNamed(here: string): string[] {
  return [...here.matchAll(/cws [a-z-]+(?: [a-z-]+)?/g)].map((m) => m[0].replace(/ (then|and|with|to)$/, ""));
}

describe("the original design's commands (src/cli/design-commands.ts, runCli in-process)", () => {
  let moto: MotoServer;
  let dir: string;
  let keys: string;
  let ml: TestKey;
  before(async function () {
    this.timeout(120_000);
    moto = await startMoto();
    keys = tempDir("cws-keys-");
    ml = makeKey(keys, "ml@uni.edu");
  });
  after(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-design-"));
  });
  const cws = (...argv: string[]) =>
    runCws(argv, {
      clients: moto.clients(),
      templatesDir: dir,
      // XDG_CONFIG_HOME: a workstation name is looked up in cws launch's default state there (empty: none exist).
      env: { AWS_REGION: "us-east-1", CWS_CATALOG_CACHE: path.join(keys, "cache"), XDG_CONFIG_HOME: dir },
    });

  for (const row of DESIGN_COMMANDS) {
    it(`cws ${row.example.join(" ")} (${row.kind}) is never an unknown command or option`, async () => {
      const run = await cws(...row.example);
      assert.doesNotMatch(run.err, /unknown (command|option)/);
      if (row.kind === "ours") {
        assert.equal(run.code, EXIT.ok, run.err);
        assert.match(run.out, new RegExp(`^usage: cws ${row.path.join(" ")} `));
      } else if (row.kind === "elsewhere") {
        assert.equal(run.code, EXIT.invalidInput);
        assert.match(run.err, new RegExp(`^cws: "cws ${row.path.join(" ")}" is the original design's command; here:`));
        for (const command of commandsNamed(row.here)) assert.ok(run.err.includes(command), `${command} in ${run.err}`);
      } else {
        // The design's examples name workstations, which are not instance ids: the alias says which command takes one.
        // The alias's own checks (or those of the command it runs) answer, with the usage it takes.
        assert.equal(run.code, EXIT.invalidInput, run.err);
        assert.ok(
          run.err.includes(commandsNamed(row.here)[0]) || run.err.includes(`usage: ${row.usage}`),
          `${row.here} in ${run.err}`,
        );
      }
    });
  }

  it("cws launch with the design's --size GPU-L --dry-run --show-ami-resolution shows the resolution and launches nothing", async () => {
    const run = await cws(
      "launch",
      "python-ml",
      "my-research",
      "--size",
      "GPU-L",
      "--dry-run",
      "--show-ami-resolution",
    );
    assert.equal(run.code, EXIT.ok, run.err);
    assert.match(run.out, /Region\s+us-east-1/);
    assert.match(run.out, /Instance\s+g\S+ \(x86_64\)/);
    assert.match(run.out, /Fallback chain:/);
    assert.match(run.out, /Dry run: nothing was created \(no stack "my-research", no instance\)/);
    const { Reservations = [] } = await moto.clients().ec2("us-east-1").send(new DescribeInstancesCommand({}));
    assert.deepEqual(Reservations, []);
  });

  it("cws ami create <template> <instance-id> --name N --public runs cws save, the name becoming the description", async () => {
    const ec2 = moto.clients().ec2("us-east-1");
    const instanceId = await runInstance(ec2);
    const run = await cws("ami", "create", "my-env", instanceId, "--name", "My env v2.1.0", "--yes");
    assert.equal(run.code, EXIT.ok, run.err);
    const images = await ownImages(ec2);
    assert.equal(images.length, 1);
    assert.equal(images[0].Description, "My env v2.1.0");
    assert.match(
      run.err,
      /--name: images are named after the template here; "My env v2\.1\.0" becomes the description/,
    );
    assert.equal(fs.existsSync(path.join(dir, "my-env.yml")), true);
  });

  it("cws ami create-multi <template> <instance-id> --regions copies the image to the other regions", async () => {
    const ec2 = moto.clients().ec2("us-east-1");
    const instanceId = await runInstance(ec2);
    const run = await cws("ami", "create-multi", "my-env", instanceId, "--regions", "us-east-1,eu-west-1", "--yes");
    assert.equal(run.code, EXIT.ok, run.err);
    assert.equal((await ownImages(ec2)).length, 1);
    const { Images = [] } = await moto
      .clients()
      .ec2("eu-west-1")
      .send(new DescribeImagesCommand({ Owners: ["self"] }));
    assert.equal(Images.length, 1);
    assert.match(fs.readFileSync(path.join(dir, "my-env.yml"), "utf8"), /eu-west-1:/);
  });

  it("cws ami browse is cws catalog browse, with the design's --category and --creator as filters", async () => {
    const root = tempDir();
    writeCatalog(root, {
      signers: [ml],
      entries: [
        { value: entry({ template: "python-ml", version: "1.0.0" }) },
        { value: entry({ template: "r-research", version: "2.0.0", creator: "stats@uni.edu" }) },
      ],
    });
    const browse = await cws("ami", "browse", "--catalog", root, "--category", "machine-learning", "--json");
    assert.equal(browse.code, EXIT.ok, browse.err);
    assert.deepEqual(
      (JSON.parse(browse.out) as { template: string }[]).map((r) => r.template),
      ["python-ml"],
    );
    const same = await cws("catalog", "browse", "--catalog", root, "--category", "machine-learning", "--json");
    assert.equal(browse.out, same.out);
    const byCreator = await cws("ami", "browse", "--catalog", root, "--creator", "stats@uni.edu", "--json");
    assert.deepEqual(
      (JSON.parse(byCreator.out) as { template: string }[]).map((r) => r.template),
      ["r-research"],
    );
  });

  it("docs/cli.md lists every command of the design with what it is here", () => {
    const docs = fs.readFileSync(path.resolve(__dirname, "..", "..", "docs", "cli.md"), "utf8");
    for (const row of DESIGN_COMMANDS) assert.ok(docs.includes(`| \`${row.design}\``), `docs/cli.md: ${row.design}`);
  });
});
