import assert from "node:assert/strict";
import type { EC2Client } from "@aws-sdk/client-ec2";
import { startMoto, TEST_CREDENTIALS, type MotoServer } from "../../harness/moto";
import { checkAccountRegions } from "../../src/core/account-regions";
import { createAwsClients, type AwsClients } from "../../src/core/clients";
import { AwsCallError, InvalidInputError } from "../../src/core/errors";

/** moto's clients, counting the EC2 requests sent (and in which region). */
function countingClients(moto: MotoServer): { clients: AwsClients; calls: string[] } {
  const calls: string[] = [];
  const inner = moto.clients();
  const clients: AwsClients = {
    ec2: (region) => {
      const client = inner.ec2(region);
      const send = client.send.bind(client) as EC2Client["send"];
      client.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
        calls.push(`${command.constructor.name} in ${region}`);
        return (send as (...args: unknown[]) => unknown)(command, ...rest);
      }) as EC2Client["send"];
      return client;
    },
    ssm: (region) => inner.ssm(region),
  };
  return { clients, calls };
}

describe("checkAccountRegions: a region list against the account's regions (moto's DescribeRegions)", () => {
  let moto: MotoServer;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  it("accepts enabled regions with one DescribeRegions call, asked in the command's own region", async () => {
    const { clients, calls } = countingClients(moto);
    await checkAccountRegions(clients, "us-east-1", ["us-west-2", "eu-west-1", "af-south-1", "us-west-2"], "--to");
    assert.deepEqual(calls, ["DescribeRegionsCommand in us-east-1"]);
  });

  it("makes no call for an empty list", async () => {
    const { clients, calls } = countingClients(moto);
    await checkAccountRegions(clients, "us-east-1", [], "--to");
    assert.deepEqual(calls, []);
  });

  it("reports every unknown name (with a did-you-mean) and every region not enabled (with how to enable it) at once, under the field", async () => {
    const { clients } = countingClients(moto);
    await assert.rejects(
      checkAccountRegions(clients, "us-east-1", ["us-west-2", "eu-west-9", "ap-east-1", "xx-nowhere-1"], "--to"),
      (error: unknown) => {
        assert.ok(error instanceof InvalidInputError);
        assert.equal(error.field, "--to");
        assert.match(
          error.message,
          /^--to: "eu-west-9" is not a region of this AWS account's partition; did you mean "eu-west-\d"\?/,
        );
        assert.match(
          error.message,
          /region "ap-east-1" exists but is not enabled for this account \(opt-in status not-opted-in\)/,
        );
        assert.match(error.message, /aws account enable-region --region-name ap-east-1/);
        assert.match(error.message, /"xx-nowhere-1" is not a region of this AWS account's partition/);
        assert.doesNotMatch(error.message, /us-west-2/);
        assert.match(error.message, /nothing was changed$/);
        return true;
      },
    );
  });

  it("turns a failed DescribeRegions (here: endpoint refused) into an AwsCallError naming the call, never a pass", async () => {
    const dead = createAwsClients({ endpoint: "http://127.0.0.1:9", credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    await assert.rejects(checkAccountRegions(dead, "us-east-1", ["us-west-2"], "--to"), (error: unknown) => {
      assert.ok(error instanceof AwsCallError);
      assert.equal(error.kind, "network");
      assert.match(error.message, /EC2 DescribeRegions in us-east-1 failed/);
      return true;
    });
  });
});
