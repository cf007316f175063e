import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { DescribeImagesCommand, type Image } from "@aws-sdk/client-ec2";
import { GetParametersCommand } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { createAwsClients } from "../../src/core/clients";
import { resolveAmi } from "../../src/resolver/engine";
import { ImageCache } from "../../src/core/image-cache";
import { SharedCall } from "../../src/core/shared-call";
import { TEST_CREDENTIALS } from "../../harness/moto";
import { CANONICAL, NOBLE_AMD64_PATTERN, template, UBUNTU_2404_AMD64_PARAMETER } from "../resolver/support";

const image = (id: string): Image => ({
  ImageId: id,
  Name: `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-${id}`,
  OwnerId: CANONICAL,
  Architecture: "x86_64",
  State: "available",
  CreationDate: "2026-10-01T00:00:00.000Z",
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mockedClients = () =>
  createAwsClients({ endpoint: "http://127.0.0.1:9", credentials: TEST_CREDENTIALS, maxAttempts: 1 });

describe("lookup internals", () => {
  describe("SharedCall", () => {
    function pendingCall() {
      const call = new SharedCall<string>();
      let underlying!: AbortSignal;
      let finish!: (value: string) => void;
      call.start((abort) => {
        underlying = abort;
        return new Promise<string>((resolve) => (finish = resolve));
      });
      return { call, underlying: () => underlying, finish: (value: string) => finish(value) };
    }

    it("keeps the underlying call running while one caller gives up and another still waits", async () => {
      const { call, underlying, finish } = pendingCall();
      const first = new AbortController();
      const second = new AbortController();
      const gaveUp = call.wait(first.signal);
      const stayed = call.wait(second.signal);
      first.abort(new Error("first caller's deadline"));
      await assert.rejects(gaveUp, /first caller's deadline/);
      assert.equal(underlying().aborted, false);
      assert.equal(call.abandoned, false);
      finish("ami-0123456789abcdef0");
      assert.equal(await stayed, "ami-0123456789abcdef0");
    });

    it("aborts the underlying call only when every caller has given up", async () => {
      const { call, underlying } = pendingCall();
      const controllers = [new AbortController(), new AbortController()];
      const waits = controllers.map((c) => call.wait(c.signal).catch(() => "gave up"));
      controllers[0].abort();
      assert.equal(underlying().aborted, false);
      controllers[1].abort();
      assert.equal(underlying().aborted, true);
      assert.equal(call.abandoned, true);
      assert.deepEqual(await Promise.all(waits), ["gave up", "gave up"]);
    });

    it("gives a newcomer a fresh batch instead of joining the aborted one every earlier caller abandoned (a loopback EC2 stub that honours aborts)", async () => {
      // A real client against a tiny EC2 stand-in: unlike a mocked `send`, the SDK really aborts the request.
      const server = http.createServer((request, response) => {
        let body = "";
        request.on("data", (chunk: Buffer) => (body += String(chunk)));
        request.on("end", () => {
          const ids = [...new URLSearchParams(body).entries()]
            .filter(([k]) => k.startsWith("ImageId."))
            .map(([, v]) => v);
          const items = ids.map((id) => `<item><imageId>${id}</imageId><imageState>available</imageState></item>`);
          setTimeout(() => {
            response.writeHead(200, { "content-type": "text/xml" });
            response.end(`<DescribeImagesResponse><imagesSet>${items.join("")}</imagesSet></DescribeImagesResponse>`);
          }, 30);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const ec2 = createAwsClients({ endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 }).ec2("us-east-1");
        const cache = new ImageCache({ batchWindowMs: 20 });
        const early = new AbortController();
        const abandoned = cache.getImage(ec2, "ami-00000000000000001", early.signal);
        early.abort(new Error("gave up"));
        await assert.rejects(abandoned, /gave up/);
        const newcomer = await cache.getImage(ec2, "ami-00000000000000002");
        assert.equal(newcomer?.ImageId, "ami-00000000000000002");
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });

  it("never has more than maxInFlightPerRegion calls in flight per region, and regions do not share the limit (aws-sdk-client-mock)", async () => {
    const clients = mockedClients();
    const inFlight = new Map<string, number>();
    const peak = new Map<string, number>();
    for (const region of ["us-east-1", "eu-west-1"]) {
      mockClient(clients.ec2(region))
        .on(DescribeImagesCommand)
        .callsFake(async (input: { ImageIds?: string[] }) => {
          inFlight.set(region, (inFlight.get(region) ?? 0) + 1);
          peak.set(region, Math.max(peak.get(region) ?? 0, inFlight.get(region) as number));
          await sleep(15);
          inFlight.set(region, (inFlight.get(region) ?? 0) - 1);
          return { Images: (input.ImageIds ?? []).map(image) };
        });
    }
    const cache = new ImageCache({ batching: false, maxInFlightPerRegion: 2 });
    const ids = [1, 2, 3, 4, 5, 6].map((n) => `ami-0000000000000000${n}`);
    const results = await Promise.all(
      ["us-east-1", "eu-west-1"].flatMap((region) => ids.map((id) => cache.getImage(clients.ec2(region), id))),
    );
    assert.equal(results.filter(Boolean).length, 12);
    assert.equal(peak.get("us-east-1"), 2);
    assert.equal(peak.get("eu-west-1"), 2);
  });

  it("bounds the script tier's base-image lookup by scriptTierTimeoutMs (aws-sdk-client-mock)", async () => {
    const clients = mockedClients();
    mockClient(clients.ssm("us-east-1"))
      .on(GetParametersCommand)
      .callsFake(async () => {
        await sleep(2_000);
        return { Parameters: [{ Name: UBUNTU_2404_AMD64_PARAMETER, Value: "ami-00000000000000001" }] };
      });
    mockClient(clients.ec2("us-east-1")).on(DescribeImagesCommand).resolves({ Images: [] });
    const started = Date.now();
    const result = await resolveAmi(template({}), { region: "us-east-1", size: "M" }, clients, {
      cache: new ImageCache(),
      scriptTierTimeoutMs: 50,
    });
    assert.ok(Date.now() - started < 1_500, "did not wait for the slow lookup");
    assert.equal(result.method, "failed");
    const step = result.fallbackChain.find((s) => s.tier === "fallback_script");
    assert.equal(step?.outcome, "error");
    assert.equal(step?.detail, "timed out after 50ms finding a base image");
  });

  it("walks as far as crossRegionMaxHops: an image two hops from ca-central-1 is found with 2, not with 1 (aws-sdk-client-mock)", async () => {
    const clients = mockedClients();
    const asked: string[] = [];
    for (const region of ["ca-central-1", "us-east-1", "us-east-2", "us-west-2", "us-west-1"]) {
      mockClient(clients.ec2(region))
        .on(DescribeImagesCommand)
        .callsFake(async () => {
          asked.push(region);
          return { Images: region === "us-west-2" ? [image("ami-00000000000000aa")] : [] };
        });
    }
    const t = template({
      ami_config: {
        ami_search: { owners: [CANONICAL], name_pattern: NOBLE_AMD64_PATTERN },
        allow_cross_region_copy: true,
        strategy: "ami_required",
      },
    });
    const options = { region: "ca-central-1", size: "M" as const };
    const near = await resolveAmi(t, options, clients, { cache: new ImageCache(), crossRegionMaxHops: 1 });
    assert.equal(near.method, "failed");
    // The neighbours are asked alongside ca-central-1 itself, so the order of the calls is not fixed.
    assert.deepEqual([...new Set(asked)].sort(), ["ca-central-1", "us-east-1", "us-east-2"]);
    asked.length = 0;
    const far = await resolveAmi(t, options, clients, { cache: new ImageCache(), crossRegionMaxHops: 2 });
    assert.equal(far.method, "cross_region");
    assert.equal(far.amiId, "ami-00000000000000aa");
    assert.equal(far.sourceRegion, "us-west-2");
  });
});
