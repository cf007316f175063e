import assert from "node:assert/strict";
import { DescribeImagesCommand, type Image } from "@aws-sdk/client-ec2";
import { GetParametersCommand } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { createAwsClients } from "../../src/core/clients";
import { resolveAmi } from "../../src/resolver/engine";
import { AwsCallError } from "../../src/core/errors";
import { ImageCache } from "../../src/core/image-cache";
import type { FallbackStep, ResolutionResult, TierName } from "../../src/resolver/types";
import { useMotoBehindFaultProxy } from "../../harness/fault-proxy";
import { TEST_CREDENTIALS } from "../../harness/moto";
import { publishBaseParameters } from "../../harness/seed";
import { CANONICAL, NOBLE_AMD64_PATTERN, template, UBUNTU_2404_AMD64_PARAMETER } from "./support";

const step = (result: ResolutionResult, tier: TierName): FallbackStep =>
  result.fallbackChain.find((s) => s.tier === tier) as FallbackStep;

const image = (id: string, created: string, extra: Partial<Image> = {}): Image => ({
  ImageId: id,
  Name: `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-${id}`,
  OwnerId: CANONICAL,
  Architecture: "x86_64",
  State: "available",
  CreationDate: created,
  ...extra,
});
const BASE = image("ami-0base0000000000001", "2026-10-01T00:00:00.000Z");

/** Clients whose EC2/SSM sends are answered by aws-sdk-client-mock (no network). */
function mockedClients() {
  const clients = createAwsClients({ endpoint: "http://127.0.0.1:9", credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  const ec2 = mockClient(clients.ec2("us-east-1"));
  const ssm = mockClient(clients.ssm("us-east-1"));
  // The script tier's base: the Ubuntu parameter and its image.
  ssm
    .on(GetParametersCommand, { Names: [UBUNTU_2404_AMD64_PARAMETER] })
    .resolves({ Parameters: [{ Name: UBUNTU_2404_AMD64_PARAMETER, Value: BASE.ImageId }] });
  ec2.on(DescribeImagesCommand, { ImageIds: [BASE.ImageId as string] }).resolves({ Images: [BASE] });
  return { clients, ec2, ssm };
}

const searchTemplate = (extra: object = {}) =>
  template({ ami_config: { ami_search: { owners: [CANONICAL], name_pattern: NOBLE_AMD64_PATTERN, ...extra } } });

describe("resolver behaviour moto cannot emulate", () => {
  const options = { region: "us-east-1", size: "M" as const, now: new Date("2026-11-22T00:00:00Z") };

  it("refuses a deprecated image unless include_deprecated (aws-sdk-client-mock: moto has no deprecation)", async () => {
    const deprecated = image("ami-0dep0000000000002", "2026-11-01T00:00:00.000Z", {
      DeprecationTime: "2026-11-15T00:00:00.000Z",
    });
    const current = image("ami-0cur0000000000001", "2026-10-01T00:00:00.000Z");
    const { clients, ec2 } = mockedClients();
    ec2.on(DescribeImagesCommand, { Owners: [CANONICAL] }).resolves({ Images: [current, deprecated] });
    const refused = await resolveAmi(searchTemplate(), options, clients, { cache: new ImageCache() });
    assert.equal(refused.amiId, "ami-0cur0000000000001");
    assert.match(
      step(refused, "dynamic_search").detail,
      /rejected ami-0dep0000000000002 : deprecated since 2026-11-15/,
    );
    const allowed = await resolveAmi(searchTemplate({ include_deprecated: true }), options, clients, {
      cache: new ImageCache(),
    });
    assert.equal(allowed.amiId, "ami-0dep0000000000002");
  });

  it("follows DescribeImages pagination to the newest image on a later page (aws-sdk-client-mock: moto does not paginate)", async () => {
    const { clients, ec2 } = mockedClients();
    ec2
      .on(DescribeImagesCommand, { Owners: [CANONICAL], NextToken: undefined })
      .resolves({ Images: [image("ami-0page100000000001", "2026-09-01T00:00:00.000Z")], NextToken: "page-2" })
      .on(DescribeImagesCommand, { Owners: [CANONICAL], NextToken: "page-2" })
      .resolves({ Images: [image("ami-0page200000000002", "2026-10-01T00:00:00.000Z")] });
    const result = await resolveAmi(searchTemplate(), options, clients, { cache: new ImageCache() });
    assert.equal(result.amiId, "ami-0page200000000002");
    assert.equal(ec2.commandCalls(DescribeImagesCommand, { Owners: [CANONICAL] }).length, 2);
  });

  it("breaks a CreationDate tie by ImageId descending, whatever order EC2 returns (aws-sdk-client-mock)", async () => {
    const a = image("ami-0aaa0000000000001", "2026-10-30T07:45:00.000Z");
    const b = image("ami-0bbb0000000000002", "2026-10-30T07:45:00.000Z");
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      const { clients, ec2 } = mockedClients();
      ec2.on(DescribeImagesCommand, { Owners: [CANONICAL] }).resolves({ Images: order });
      const result = await resolveAmi(searchTemplate(), options, clients, { cache: new ImageCache() });
      assert.equal(result.amiId, "ami-0bbb0000000000002");
    }
  });

  it("honours the timeout: a slow search is recorded as timed out and the script fallback still runs (aws-sdk-client-mock)", async () => {
    const { clients, ec2 } = mockedClients();
    ec2
      .on(DescribeImagesCommand, { Owners: [CANONICAL] })
      .callsFake(() => new Promise((resolve) => setTimeout(() => resolve({ Images: [] }), 3_000)));
    const t = template({
      ami_config: {
        ami_search: { owners: [CANONICAL], name_pattern: NOBLE_AMD64_PATTERN },
        marketplace_search: { product_code: "4xsv6kuy9rz3wrj0k7s8wfjxa" },
      },
    });
    const result = await resolveAmi(t, { ...options, timeoutMs: 100 }, clients, { cache: new ImageCache() });
    assert.equal(step(result, "dynamic_search").outcome, "error");
    assert.equal(step(result, "dynamic_search").detail, "timed out after 100ms (fallback_timeout)");
    assert.equal(step(result, "marketplace").outcome, "error");
    assert.equal(result.method, "fallback_script");
    assert.equal(result.amiId, BASE.ImageId);
    const required = await resolveAmi(t, { ...options, timeoutMs: 100, strategy: "ami_required" }, clients, {
      cache: new ImageCache(),
    });
    assert.equal(required.method, "failed");
  });

  it("asks once more without the id AWS names when one id in a batch does not exist (aws-sdk-client-mock: AWS fails the whole call, moto does not)", async () => {
    const clients = createAwsClients({ endpoint: "http://127.0.0.1:9", credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    const ec2 = mockClient(clients.ec2("us-east-1"));
    const known = new Map([
      ["ami-0aaa0000000000001", image("ami-0aaa0000000000001", "2026-10-01T00:00:00.000Z")],
      ["ami-0bbb0000000000002", image("ami-0bbb0000000000002", "2026-10-01T00:00:00.000Z")],
    ]);
    ec2.on(DescribeImagesCommand).callsFake((input: { ImageIds?: string[] }) => {
      const ids = input.ImageIds ?? [];
      const missing = ids.filter((id) => !known.has(id));
      if (missing.length)
        throw Object.assign(new Error(`The image id '[${missing.join(", ")}]' does not exist`), {
          name: "InvalidAMIID.NotFound",
        });
      return { Images: ids.map((id) => known.get(id)) };
    });
    const cache = new ImageCache();
    const ids = ["ami-0aaa0000000000001", "ami-0ccc0000000000003", "ami-0bbb0000000000002"];
    const found = await Promise.all(ids.map((id) => cache.getImage(clients.ec2("us-east-1"), id)));
    assert.deepEqual(
      found.map((i) => i?.ImageId),
      ["ami-0aaa0000000000001", undefined, "ami-0bbb0000000000002"],
    );
    const calls = ec2.commandCalls(DescribeImagesCommand).map((c) => c.args[0].input.ImageIds);
    assert.deepEqual(calls[0], ids, "one batched call first");
    assert.deepEqual(calls.slice(1), [["ami-0aaa0000000000001", "ami-0bbb0000000000002"]], "then one without it");
  });

  describe("throttling (fault-injecting proxy in front of moto)", () => {
    const emulator = useMotoBehindFaultProxy();

    it("retries DescribeImages after RequestLimitExceeded and still resolves", async () => {
      await publishBaseParameters(emulator.moto.clients().ssm("us-east-1"), ["ubuntu-24.04"]);
      emulator.proxy.clear();
      emulator.proxy.fail({ action: "DescribeImages", nth: 1, code: "RequestLimitExceeded" });
      emulator.proxy.fail({ action: "DescribeImages", nth: 2, code: "RequestLimitExceeded" });
      const clients = createAwsClients({
        endpoint: emulator.proxy.endpoint,
        credentials: TEST_CREDENTIALS,
        maxAttempts: 4,
      });
      const result = await resolveAmi(searchTemplate(), options, clients, { cache: new ImageCache() });
      assert.equal(result.method, "dynamic_search");
      assert.equal(result.amiId, "ami-00c41000000000002");
      assert.ok(
        emulator.proxy.actions.filter((a) => a === "DescribeImages").length >= 3,
        emulator.proxy.actions.join(","),
      );
    });

    it("stops with a throttling AwsCallError naming the tier (not a crash, not a failed step) when throttling outlasts the bounded attempts", async () => {
      emulator.proxy.clear();
      emulator.proxy.fail({ action: "DescribeImages", nth: 1, always: true, code: "RequestLimitExceeded" });
      const clients = createAwsClients({
        endpoint: emulator.proxy.endpoint,
        credentials: TEST_CREDENTIALS,
        maxAttempts: 2,
      });
      const error = await resolveAmi(searchTemplate(), { ...options, strategy: "ami_required" }, clients, {
        cache: new ImageCache(),
      }).catch((e: unknown) => e);
      assert.ok(error instanceof AwsCallError, String(error));
      assert.equal(error.kind, "throttling");
      assert.equal(error.details.tier, "dynamic_search");
      assert.equal(error.details.code, "RequestLimitExceeded");
    });
  });
});
