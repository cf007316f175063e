import assert from "node:assert/strict";
import { DescribeImagesCommand, EC2Client, EC2ServiceException, type Image } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { createAwsClients } from "../../src/core/clients";
import { ImageCache, MAX_EXPECTED_IMAGES } from "../../src/core/image-cache";
import { TEST_CREDENTIALS } from "../../harness/moto";

/**
 * Expected image ids (a fleet's pins from its previous run) ride along with the next by-id DescribeImages, and a batch
 * refused for one missing id is asked once more without it. aws-sdk-client-mock, so every call's ImageIds are seen
 * (and because moto answers an unknown id with nothing, where AWS refuses the whole call with InvalidAMIID.NotFound).
 */
const image = (id: string): Image => ({ ImageId: id, State: "available", OwnerId: "123456789012" });
const known = ["ami-00000000000000a01", "ami-00000000000000a02", "ami-00000000000000a03", "ami-00000000000000a04"];
const GONE = "ami-00000000000000dead";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("expected image ids and one-missing-id batches (aws-sdk-client-mock)", () => {
  let ec2Mock: ReturnType<typeof mockClient>;
  let calls: string[][];
  let ec2: EC2Client;
  beforeEach(() => {
    ec2Mock = mockClient(EC2Client);
    calls = [];
    ec2Mock.on(DescribeImagesCommand).callsFake((input: { ImageIds?: string[] }) => {
      const ids = input.ImageIds ?? [];
      calls.push(ids);
      const missing = ids.filter((id) => !known.includes(id));
      if (missing.length)
        throw new EC2ServiceException({
          name: "InvalidAMIID.NotFound",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
          message: `The image id '[${missing.join(", ")}]' does not exist`,
        });
      return { Images: ids.map(image) };
    });
    ec2 = createAwsClients({ endpoint: "http://127.0.0.1:9", credentials: TEST_CREDENTIALS, maxAttempts: 1 }).ec2(
      "us-east-1",
    );
  });
  afterEach(() => ec2Mock.restore());

  it("never asks for expected ids by themselves, sends them with the next lookup's call, and answers them from it", async () => {
    const cache = new ImageCache();
    cache.expectImages(ec2, [known[1], known[2]]);
    await sleep(20);
    assert.deepEqual(calls, [], "expecting an image is not asking for it");
    assert.equal((await cache.getImage(ec2, known[0]))?.ImageId, known[0]);
    assert.deepEqual(
      calls.map((ids) => [...ids].sort()),
      [[known[0], known[1], known[2]]],
    );
    assert.equal((await cache.getImage(ec2, known[1]))?.ImageId, known[1]);
    assert.equal((await cache.getImage(ec2, known[2]))?.ImageId, known[2]);
    assert.equal(calls.length, 1, "the expected ids were answered by the first call");
  });

  it("skips expected ids the cache already knows, and keeps at most MAX_EXPECTED_IMAGES waiting", async () => {
    const cache = new ImageCache();
    await cache.getImage(ec2, known[0]);
    assert.equal(cache.knownImage(ec2, known[0]), "present");
    const many = Array.from({ length: 80 }, (_, i) => `ami-${String(i).padStart(17, "0")}`);
    cache.expectImages(ec2, [known[0], ...many]);
    calls = [];
    await cache.getImage(ec2, known[3]).catch(() => undefined);
    assert.ok(!calls[0].includes(known[0]), "a cached id is not asked again");
    assert.ok(calls[0].includes(known[3]));
    assert.equal(calls[0].length, MAX_EXPECTED_IMAGES + 1, `${calls[0].length} ids in the first call`);
  });

  it("asks once more without the id AWS says does not exist, instead of once per id", async () => {
    const cache = new ImageCache();
    cache.expectImages(ec2, [GONE, known[1]]);
    const found = await cache.getImage(ec2, known[0]);
    assert.equal(found?.ImageId, known[0]);
    assert.equal(calls.length, 2, JSON.stringify(calls));
    assert.deepEqual([...calls[1]].sort(), [known[0], known[1]]);
    assert.equal(cache.knownImage(ec2, GONE), "absent");
    assert.equal(cache.knownImage(ec2, known[1]), "present");
  });

  it("looks the ids up one by one when the refusal names none of them (the fallback it had before)", async () => {
    ec2Mock.on(DescribeImagesCommand).callsFake((input: { ImageIds?: string[] }) => {
      const ids = input.ImageIds ?? [];
      calls.push(ids);
      if (ids.some((id) => !known.includes(id)))
        throw new EC2ServiceException({
          name: "InvalidAMIID.NotFound",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
          message: "An image id does not exist",
        });
      return { Images: ids.map(image) };
    });
    const cache = new ImageCache();
    const answers = await Promise.all([GONE, known[0], known[1]].map((id) => cache.getImage(ec2, id)));
    assert.deepEqual(
      answers.map((answer) => answer?.ImageId),
      [undefined, known[0], known[1]],
    );
    assert.equal(calls.length, 4, "one batch, then one call per id");
  });
});
