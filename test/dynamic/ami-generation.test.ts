import assert from "node:assert/strict";
import { check, create, diff } from "../../src/dynamic/ami-resolution/provider";
import { decidePin, pinKey } from "../../src/dynamic/pinning";
import type { AwsClients } from "../../src/core/clients";
import { MotoServer, startMoto } from "../../harness/moto";
import { createImageFromInstance } from "../../harness/seed";

/** `amiGeneration`: an upgrade on purpose. Bumping it re-resolves a pinned AmiResolution once; 0 changes nothing. */

const NOBLE_AMD64_NEWEST = "ami-00c41000000000002";
const nobleSearch = {
  name: "noble-search",
  version: "1.4",
  base: "ubuntu-24.04",
  ami_config: {
    ami_search: {
      owners: ["099720109477", "self"],
      name_pattern: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-*-server-*",
    },
  },
};
const question = { amiConfig: nobleSearch.ami_config, region: "us-east-1", architecture: "x86_64" };

describe("amiGeneration in the pin key", () => {
  it("leaves the pin key of generation 0 exactly as a key from before generations existed", () => {
    assert.equal(pinKey({ ...question, generation: 0 }), pinKey(question));
    assert.match(pinKey(question), /^[0-9a-f]{64}$/);
    assert.equal(pinKey({ ...question, generation: 2 }), `${pinKey(question)}@generation:2`);
  });

  it("re-resolves a pinned answer when only the generation changed, saying 'amiGeneration 1 → 2'", () => {
    const previous = {
      amiId: "ami-0aaa0000000000001",
      pinKey: pinKey({ ...question, generation: 1 }),
      templateHash: "h",
      method: "dynamic_search",
      region: "us-east-1",
    };
    const decision = decidePin({
      refresh: "pinned",
      previous,
      pinKey: pinKey({ ...question, generation: 2 }),
      templateHash: "h",
    });
    assert.equal(decision.keep, false);
    assert.match(String(!decision.keep && decision.why), /^↻ re-resolved: amiGeneration 1 → 2 /);
    // Another change of the question still reads as one.
    const moved = decidePin({
      refresh: "pinned",
      previous,
      pinKey: pinKey({ ...question, region: "eu-west-1", generation: 1 }),
      templateHash: "h",
    });
    assert.match(String(!moved.keep && moved.why), /ami_config, the region/);
  });
});

describe("amiGeneration in the AmiResolution provider against moto", () => {
  let moto: MotoServer;
  let clients: () => AwsClients;
  before(async () => {
    moto = await startMoto();
    clients = () => moto.clients();
  });
  after(async () => {
    await moto?.stop();
  });

  it("keeps the pinned AMI while the generation is unchanged and moves to the newer image when it is bumped", async () => {
    const news = (generation?: number) => ({
      templateObject: nobleSearch,
      region: "us-east-1",
      architecture: "x86_64",
      copyOwner: "proj/dev/ws-ami",
      ...(generation === undefined ? {} : { generation }),
    });
    const first = await check({}, news(), clients());
    assert.equal(first.inputs.amiId, NOBLE_AMD64_NEWEST);
    const newer = await createImageFromInstance(moto.clients().ec2("us-east-1"), {
      sourceAmiId: NOBLE_AMD64_NEWEST,
      name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261121",
    });
    const created = await create(first.inputs, clients());

    const pinned = await check(created.outs, news(), clients());
    assert.equal(pinned.inputs.amiId, NOBLE_AMD64_NEWEST, "pinned: the newer image does not move it");
    assert.equal(diff(created.outs, pinned.inputs).changes, false);

    const bumped = await check(created.outs, news(1), clients());
    assert.equal(bumped.inputs.amiId, newer, "generation 0 → 1 re-resolves and picks the newer image");
    assert.match(String(bumped.inputs.resolutionNote), /^↻ re-resolved: amiGeneration 0 → 1 /);
    assert.deepEqual(diff(created.outs, bumped.inputs), { changes: true, replaces: [], deleteBeforeReplace: false });

    const settled = await check((await create(bumped.inputs, clients())).outs, news(1), clients());
    assert.equal(settled.inputs.amiId, newer, "the new pick is pinned at generation 1");
  });
});
