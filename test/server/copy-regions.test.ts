import assert from "node:assert/strict";
import { startMoto, type MotoServer } from "../../harness/moto";
import { createImageFromInstance, FIXTURE_BASE_IMAGES } from "../../harness/seed";
import { ownImages } from "../imaging/helpers";
import { call, listen, waitForJob } from "./helpers";

describe("cws serve: POST /ami/copy-region checks its target regions against the account first (moto)", function () {
  this.timeout(60_000);
  let moto: MotoServer;
  let server: Awaited<ReturnType<typeof listen>>;

  before(async () => {
    moto = await startMoto();
    server = await listen({ clients: moto.clients() });
  });
  after(async () => {
    await server?.close();
    await moto?.stop();
  });

  it("fails the job as invalid input, naming the region not enabled for the account, and copies to none of the targets", async () => {
    const ec2 = moto.clients().ec2("us-east-1");
    const amiId = await createImageFromInstance(ec2, {
      sourceAmiId: FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64,
      name: "copy-source",
    });
    // moto lists ap-east-1 as an opt-in region this account has not enabled.
    const started = await call(server.url, "POST", "/api/v1/ami/copy-region", {
      token: true,
      body: { amiId, sourceRegion: "us-east-1", targetRegions: ["eu-west-1", "ap-east-1"] },
    });
    assert.equal(started.status, 202, started.text);
    const job = await waitForJob(server.url, started.body.id);
    assert.equal(job.body.status, "failed", JSON.stringify(job.body));
    assert.equal(job.body.error.code, "invalid_input");
    assert.match(
      job.body.error.message,
      /targetRegions: region "ap-east-1" exists but is not enabled for this account/,
    );
    assert.deepEqual(await ownImages(moto.clients().ec2("eu-west-1")), [], "no copy to the valid target either");
  });
});
