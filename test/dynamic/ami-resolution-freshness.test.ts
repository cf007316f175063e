import assert from "node:assert/strict";
import { check, diff } from "../../src/dynamic/ami-resolution/provider";
import { freshnessWarning } from "../../src/dynamic/pin/shared-freshness-line";
import { startMoto, type MotoServer } from "../../harness/moto";
import { createImageFromInstance, FIXTURE_BASE_IMAGES } from "../../harness/seed";

/** The `freshness` output of the AmiResolution provider's check, against moto. */
describe("the AmiResolution provider's freshness (moto)", () => {
  let moto: MotoServer;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  const labImage = (name: string) =>
    createImageFromInstance(moto.clients().ec2("us-east-1"), {
      sourceAmiId: FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64,
      name,
      tags: { Project: "cloudworkstation" },
    });
  const news = {
    templateObject: {
      name: "lab",
      base: "ubuntu-24.04",
      ami_config: { ami_search: { owners: ["self"], name_pattern: "cws-lab-x86_64-*" } },
    },
    region: "us-east-1",
    architecture: "x86_64",
    copyOwner: "proj/dev/alice-ami",
  };

  it("keeps the pinned AMI when a newer one appears, says so in freshness and on stderr, and shows no change", async () => {
    const older = await labImage("cws-lab-x86_64-20261101");
    const first = await check({}, news, moto.clients());
    assert.equal(first.inputs.amiId, older);
    assert.deepEqual(first.inputs.freshness, {
      status: "current",
      candidateAmiId: null,
      reason: `${older} is what the template resolves to`,
    });

    // moto dates images to the second: the newer one must be created in a later second to be newer.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const newer = await labImage("cws-lab-x86_64-20261201");
    const printed: string[] = [];
    const original = console.error;
    console.error = (line: string) => printed.push(line);
    let next;
    try {
      // A new preview is a new provider process: fresh clients, so nothing is answered from the first check's cache.
      next = await check(first.inputs, news, moto.clients());
    } finally {
      console.error = original;
    }
    assert.equal(next.inputs.amiId, older);
    const freshness = next.inputs.freshness as { status: string; candidateAmiId: string; reason: string };
    assert.equal(freshness.status, "newer_available");
    assert.equal(freshness.candidateAmiId, newer);
    assert.match(freshness.reason, new RegExp(`^${newer} \\(\\d{4}-\\d\\d-\\d\\d\\)$`));
    assert.deepEqual(printed, [`warning: ${freshnessWarning("alice-ami", freshness, older)}`]);
    assert.match(printed[0], /alice-ami: newer image available: ami-\w+ \(.*\); pinned ami-\w+ — set refresh: latest/);
    assert.equal(diff(first.inputs, next.inputs).changes, false);
  });
});
