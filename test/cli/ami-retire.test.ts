import assert from "node:assert/strict";
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { startMoto, type MotoServer } from "../../harness/moto";
import { createImageFromInstance, FIXTURE_BASE_IMAGES } from "../../harness/seed";
import { IMAGE_TAGS } from "../../src/core/image-tags";
import { runCws } from "./in-process";

describe("cws ami retire (runCli in-process, moto)", () => {
  let moto: MotoServer;
  const ids: string[] = [];
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    ids.length = 0;
    for (const name of ["older", "newer"]) {
      if (ids.length) await new Promise((resolve) => setTimeout(resolve, 1_050)); // moto dates images to the second
      ids.push(
        await createImageFromInstance(moto.clients().ec2("us-east-1"), {
          sourceAmiId: FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64,
          name: `retire-${name}`,
          tags: { [IMAGE_TAGS.managed]: "true", [IMAGE_TAGS.template]: "retire-lab" },
        }),
      );
    }
  });

  const run = (argv: string[]) => runCws(argv, { clients: moto.clients() });

  async function exists(id: string): Promise<boolean> {
    const { Images = [] } = await moto
      .clients()
      .ec2("us-east-1")
      .send(new DescribeImagesCommand({ Owners: ["self"] }));
    return Images.some((image) => image.ImageId === id);
  }

  it("--plan lists what would go and why the rest stays, and changes nothing", async () => {
    const { code, out } = await run(["ami", "retire", "--keep", "1", "--plan"]);
    assert.equal(code, 0);
    assert.match(out, new RegExp(`RETIRE +us-east-1 +${ids[0]} +retire-lab`));
    assert.match(out, new RegExp(`keep +us-east-1 +${ids[1]} +retire-lab .*one of the newest 1`));
    assert.match(out, /1 to retire, 1 kept; \d+ GB of snapshots, ~\$\d+\.\d\d\/month saved \(estimate/);
    assert.ok((await exists(ids[0])) && (await exists(ids[1])));
  });

  it("--apply asks first: without a terminal and --yes it exits 2 and removes nothing; with --yes it removes the retired image only", async () => {
    const refused = await run(["ami", "retire", "--keep", "1", "--apply"]);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /pass --yes/);
    assert.ok(await exists(ids[0]));
    const applied = await run(["ami", "retire", "--keep", "1", "--apply", "--yes", "--json"]);
    assert.equal(applied.code, 0, applied.err);
    const { report } = JSON.parse(applied.out);
    assert.deepEqual(
      report.removed.map((r: { amiId: string }) => r.amiId),
      [ids[0]],
    );
    assert.equal(await exists(ids[0]), false);
    assert.equal(await exists(ids[1]), true);
  });

  it("--older-than keeps an image whose last launch time moto cannot give, in one readable line (no raw SDK parse error)", async () => {
    const { code, out, err } = await run(["ami", "retire", "--keep", "0", "--older-than", "1h", "--plan", "--json"]);
    assert.equal(code, 0, err);
    const images = JSON.parse(out).plan.images as { amiId: string; action: string; reasons: string[] }[];
    for (const image of images) {
      assert.equal(image.action, "keep");
      const reason = image.reasons.find((r) => /last launch/.test(r));
      assert.equal(
        reason,
        "last launch time unavailable (ec2:DescribeImageAttribute lastLaunchedTime: no readable answer (an emulator such as moto lacks the attribute)), so it is kept",
      );
    }
    const table = await run(["ami", "retire", "--keep", "0", "--older-than", "1h", "--plan"]);
    assert.doesNotMatch(table.out, /<\?xml|Deserialization|\$response/);
    assert.equal(table.out.split("\n").filter((line) => line.includes(ids[0])).length, 1, "one line per image");
  });

  it("says what is wrong with --keep -1 in its own words, not Node's parseArgs advice", async () => {
    for (const flags of [["--keep", "-1"], ["--keep=-1"]]) {
      const { code, err } = await run(["ami", "retire", "--plan", ...flags]);
      assert.equal(code, 2);
      assert.match(err, /^cws: --keep -1 is not a whole number \(0–1000\)/);
      assert.doesNotMatch(err, /ambiguous|To specify an option argument/);
    }
  });

  it("--help says --older-than has no default (without it, age keeps nothing)", async () => {
    const { code, out } = await run(["ami", "retire", "--help"]);
    assert.equal(code, 0);
    assert.match(out, /--older-than D +.*no default: without it, age protects no image/);
  });

  it("rejects missing or conflicting modes and bad numbers with exit 2", async () => {
    for (const flags of [
      [],
      ["--plan", "--apply"],
      ["--plan", "--keep", "-1"],
      ["--plan", "--older-than", "old"],
      ["--plan", "--region", "us-east-1", "--all-regions"],
    ]) {
      const { code, err } = await run(["ami", "retire", ...flags]);
      assert.equal(code, 2, `${flags.join(" ")}: ${err}`);
    }
  });
});
