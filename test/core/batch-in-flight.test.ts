import assert from "node:assert/strict";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { ImageCache } from "../../src/core/image-cache";

/** A stand-in SSM client (no AWS): answers GetParameters after a delay and counts the calls. */
function slowSsm(delayMs: number) {
  const calls: string[][] = [];
  const client = {
    config: { region: async () => "us-east-1" },
    async send(command: { input: { Names: string[] } }) {
      calls.push(command.input.Names);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return { Parameters: command.input.Names.map((Name) => ({ Name, Value: `ami-for-${Name.length}` })) };
    },
  };
  return { client: client as unknown as SSMClient, calls };
}

describe("the lookup cache's batches while in flight (a stand-in SSM client)", () => {
  it("answers a name asked again while its batch is in flight from that batch, with no second call", async () => {
    const { client, calls } = slowSsm(30);
    const cache = new ImageCache();
    const first = cache.getParameter(client, "/a");
    // Later than the batch window: the first batch has been sent and is waiting for its answer.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const again = cache.getParameter(client, "/a");
    const other = cache.getParameter(client, "/b");
    assert.deepEqual(await Promise.all([first, again, other]), ["ami-for-2", "ami-for-2", "ami-for-2"]);
    assert.deepEqual(calls, [["/a"], ["/b"]]);
  });

  it("asks again after a failed batch: a failure is never an answer", async () => {
    let fail = true;
    const cache = new ImageCache();
    const client = {
      config: { region: async () => "us-east-1" },
      async send(command: { input: { Names: string[] } }) {
        if (fail) throw Object.assign(new Error("boom"), { name: "InternalServerError", $metadata: {} });
        return { Parameters: command.input.Names.map((Name) => ({ Name, Value: "ami-1" })) };
      },
    } as unknown as SSMClient;
    await assert.rejects(cache.getParameter(client, "/a"));
    fail = false;
    assert.equal(await cache.getParameter(client, "/a"), "ami-1");
  });
});
