import assert from "node:assert/strict";
import * as net from "node:net";
import { DescribeImagesCommand, EC2ServiceException, type Image } from "@aws-sdk/client-ec2";
import { GetParametersCommand, SSMServiceException } from "@aws-sdk/client-ssm";
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { createAwsClients, type AwsClients } from "../../src/core/clients";
import { resolveAmi } from "../../src/resolver/engine";
import { AwsCallError } from "../../src/core/errors";
import { ImageCache } from "../../src/core/image-cache";
import type { ResolutionResult } from "../../src/resolver/types";
import { useMotoBehindFaultProxy } from "../../harness/fault-proxy";
import { startMoto, TEST_CREDENTIALS } from "../../harness/moto";
import { publishPublicParameter } from "../../harness/seed";
import {
  CANONICAL,
  MARKETPLACE_SELLER,
  NOBLE_AMD64_PATTERN,
  RSTUDIO_PRODUCT_CODE,
  template,
  UBUNTU_2404_AMD64_PARAMETER,
} from "./support";

const REGION = "us-east-1";
const options = { region: REGION, size: "M" as const, now: new Date("2026-11-22T00:00:00Z") };
const LAB_PARAMETER = "/lab/workstation/ami";
/** The parameter names the older image; the search tier would pick the newer one: a fall-through shows as a different AMI. */
const PARAMETER_AMI = "ami-00c41000000000001";
const SEARCH_AMI = "ami-00c41000000000002";

const layered = () =>
  template({
    ami_config: {
      ssm_parameter: LAB_PARAMETER,
      ami_search: { owners: [CANONICAL], name_pattern: NOBLE_AMD64_PATTERN },
      marketplace_search: { product_code: RSTUDIO_PRODUCT_CODE },
      trusted_owners: [CANONICAL, MARKETPLACE_SELLER],
    },
  });

async function failure(promise: Promise<ResolutionResult>): Promise<AwsCallError> {
  const outcome = await promise.then(
    (result) => result,
    (error: unknown) => error,
  );
  assert.ok(outcome instanceof AwsCallError, `expected an AwsCallError, got ${JSON.stringify(outcome)}`);
  return outcome;
}

/** A deterministic PRNG (mulberry32) so a failing randomized run can be replayed from its seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("when AWS calls fail, resolution stops instead of answering with another tier's image", () => {
  describe("fault proxy in front of moto", () => {
    // The proxy draws its random faults from this seed, so a failing run can be replayed.
    const random = seeded(2026);
    const emulator = useMotoBehindFaultProxy({ resetEachTest: true, random: () => random() });
    const clients = (maxAttempts = 2) =>
      createAwsClients({ endpoint: emulator.proxy.endpoint, credentials: TEST_CREDENTIALS, maxAttempts });

    beforeEach(async () => {
      const ssm = emulator.moto.clients().ssm(REGION);
      await publishPublicParameter(ssm, LAB_PARAMETER, PARAMETER_AMI);
      await publishPublicParameter(ssm, UBUNTU_2404_AMD64_PARAMETER, SEARCH_AMI);
      emulator.proxy.clear();
    });

    it("answers from the SSM parameter when nothing fails (the baseline the fault tests compare with)", async () => {
      const result = await resolveAmi(layered(), options, clients(), { cache: new ImageCache() });
      assert.equal(result.method, "ssm_parameter");
      assert.equal(result.amiId, PARAMETER_AMI);
    });

    it("throws AwsCallError naming tier, region, operation and code when GetParameters stays throttled, and never asks the search tier (fault proxy)", async () => {
      emulator.proxy.fail({ action: "GetParameters", always: true, code: "ThrottlingException" });
      const error = await failure(resolveAmi(layered(), options, clients(), { cache: new ImageCache() }));
      assert.equal(error.kind, "throttling");
      assert.equal(error.details.tier, "ssm_parameter");
      assert.equal(error.details.region, REGION);
      assert.equal(error.details.service, "SSM");
      assert.equal(error.details.operation, "GetParameters");
      assert.equal(error.details.code, "ThrottlingException");
      assert.match(error.message, /SSM GetParameters in us-east-1 \(tier ssm_parameter\) failed/);
      assert.ok(!emulator.proxy.actions.includes("DescribeImages"), emulator.proxy.actions.join(","));
      assert.equal(emulator.proxy.actions.filter((a) => a === "GetParameters").length, 2, "the SDK retried first");
    });

    it("stops at a throttled DescribeImages of the mapped id instead of searching (fault proxy)", async () => {
      emulator.proxy.fail({ action: "DescribeImages", always: true, code: "RequestLimitExceeded" });
      const error = await failure(resolveAmi(layered(), options, clients(), { cache: new ImageCache() }));
      assert.equal(error.kind, "throttling");
      assert.equal(error.details.tier, "ssm_parameter");
      assert.equal(error.details.operation, "DescribeImages");
    });

    it("classifies a 503 as a service failure and a garbage answer as service (200) or permission (403) (fault proxy)", async () => {
      emulator.proxy.fail({ action: "GetParameters", always: true, code: "ServiceUnavailable", status: 503 });
      const unavailable = await failure(resolveAmi(layered(), options, clients(), { cache: new ImageCache() }));
      assert.equal(unavailable.kind, "service");

      emulator.proxy.clear();
      emulator.proxy.fail({ action: "DescribeImages", always: true, status: 200, body: "<html><body>proxy says hi" });
      const garbage = await failure(resolveAmi(layered(), options, clients(), { cache: new ImageCache() }));
      assert.equal(garbage.kind, "service");
      assert.equal(garbage.details.operation, "DescribeImages");

      emulator.proxy.clear();
      emulator.proxy.fail({ action: "DescribeImages", always: true, status: 403, body: "<html>Forbidden</html>" });
      const forbidden = await failure(resolveAmi(layered(), options, clients(), { cache: new ImageCache() }));
      assert.equal(forbidden.kind, "permission");
      assert.match(forbidden.details.hint, /allow ec2:DescribeImages/);
    });

    it("stops when a neighbour region's call fails in the cross-region tier, naming that region (fault proxy in front of the neighbours only)", async () => {
      const search = template({
        ami_config: {
          ami_search: { owners: [CANONICAL], name_pattern: "no-such-image-*" },
          allow_cross_region_copy: true,
          fallback_strategy: "error",
        },
      });
      // The neighbours are asked alongside the target region, so "the Nth call" is no longer a neighbour's: the
      // target region talks to moto directly and only the neighbours' calls pass the failing proxy.
      const direct = emulator.moto.clients();
      const proxied = clients(1);
      const neighboursProxied: AwsClients = {
        ec2: (region) => (region === REGION ? direct.ec2(region) : proxied.ec2(region)),
        ssm: (region) => (region === REGION ? direct.ssm(region) : proxied.ssm(region)),
      };
      emulator.proxy.fail({ action: "DescribeImages", always: true, code: "InternalError", status: 500 });
      const error = await failure(resolveAmi(search, options, neighboursProxied, { cache: new ImageCache() }));
      assert.equal(error.kind, "service");
      assert.equal(error.details.tier, "cross_region/dynamic_search");
      assert.equal(error.details.region, "us-east-2");
    });

    it("gives, over 150 seeded runs with 30 % random faults on every call, either the fault-free answer or an AwsCallError, never another AMI (fault proxy)", async function () {
      this.timeout(120_000);
      let answered = 0;
      let failed = 0;
      for (let run = 0; run < 150; run++) {
        emulator.proxy.clear();
        emulator.proxy.fail({ action: "*", probability: 0.3, code: run % 2 ? "ThrottlingException" : "InternalError" });
        const outcome = await resolveAmi(layered(), options, clients(1), { cache: new ImageCache() }).then(
          (result) => result,
          (error: unknown) => error,
        );
        if (outcome instanceof AwsCallError) {
          failed++;
          continue;
        }
        assert.ok(!(outcome instanceof Error), `run ${run}: ${String(outcome)}`);
        const result = outcome as ResolutionResult;
        assert.equal(result.method, "ssm_parameter", `run ${run}: ${JSON.stringify(result.fallbackChain)}`);
        assert.equal(result.amiId, PARAMETER_AMI, `run ${run}`);
        answered++;
      }
      assert.ok(answered > 0 && failed > 0, `answered ${answered}, failed ${failed}: both paths must be exercised`);
    });
  });

  describe("aws-sdk-client-mock", () => {
    const image = (id: string, extra: Partial<Image> = {}): Image => ({
      ImageId: id,
      Name: `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-${id}`,
      OwnerId: CANONICAL,
      Architecture: "x86_64",
      State: "available",
      CreationDate: "2026-10-01T00:00:00.000Z",
      ...extra,
    });

    function mocked() {
      const clients = createAwsClients({
        endpoint: "http://127.0.0.1:9",
        credentials: TEST_CREDENTIALS,
        maxAttempts: 1,
      });
      return { clients, ec2: mockClient(clients.ec2(REGION)), ssm: mockClient(clients.ssm(REGION)) };
    }

    it("stops with a credentials error and a sign-in hint at the first tier when the token has expired (aws-sdk-client-mock)", async () => {
      const { clients, ec2, ssm } = mocked();
      ssm.on(GetParametersCommand).rejects(
        new SSMServiceException({
          name: "ExpiredTokenException",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
          message: "The security token included in the request is expired",
        }),
      );
      ec2.on(DescribeImagesCommand).resolves({ Images: [image(SEARCH_AMI)] });
      const error = await failure(resolveAmi(layered(), options, clients, { cache: new ImageCache() }));
      assert.equal(error.kind, "credentials");
      assert.equal(error.details.code, "ExpiredTokenException");
      assert.match(error.message, /credentials have expired/);
      assert.match(error.details.hint, /aws sso login/);
      assert.match(error.details.hint, /AWS_PROFILE/);
      assert.equal(ec2.commandCalls(DescribeImagesCommand).length, 0, "no later tier ran");
    });

    it("names the denied action from the UnauthorizedOperation message (aws-sdk-client-mock)", async () => {
      const { clients, ec2 } = mocked();
      ec2.on(DescribeImagesCommand).rejects(
        new EC2ServiceException({
          name: "UnauthorizedOperation",
          $fault: "client",
          $metadata: { httpStatusCode: 403 },
          message:
            "You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/lab is not authorized to perform: ec2:DescribeImages",
        }),
      );
      const t = template({ ami_config: { ami_search: { owners: [CANONICAL], name_pattern: NOBLE_AMD64_PATTERN } } });
      const error = await failure(resolveAmi(t, options, clients, { cache: new ImageCache() }));
      assert.equal(error.kind, "permission");
      assert.equal(error.details.operation, "DescribeImages");
      assert.equal(error.details.tier, "dynamic_search");
      assert.match(error.details.hint, /allow ec2:DescribeImages .*docs\/iam/);
    });

    it("still reads AWS's 'not found' answers as ordinary steps: a missing parameter and a malformed or missing id (aws-sdk-client-mock)", async () => {
      const { clients, ec2, ssm } = mocked();
      ssm.on(GetParametersCommand).resolves({ Parameters: [], InvalidParameters: [LAB_PARAMETER] });
      ec2.on(DescribeImagesCommand).rejects(
        new EC2ServiceException({
          name: "InvalidAMIID.NotFound",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
          message: "The image id '[ami-00000000000000bad]' does not exist",
        }),
      );
      const t = template({
        ami_config: { ssm_parameter: LAB_PARAMETER, ami_mappings: { [REGION]: "ami-00000000000000bad" } },
      });
      const result = await resolveAmi(t, { ...options, strategy: "ami_required" }, clients, {
        cache: new ImageCache(),
      });
      assert.equal(result.method, "failed");
      assert.equal(result.fallbackChain.find((s) => s.tier === "direct_mapping")?.outcome, "rejected");
      assert.equal(result.fallbackChain.find((s) => s.tier === "ssm_parameter")?.outcome, "not_found");
    });

    it("does not cache a failed lookup as absent: the next resolution asks again and answers (aws-sdk-client-mock)", async () => {
      const { clients, ec2 } = mocked();
      const throttled = new EC2ServiceException({
        name: "RequestLimitExceeded",
        $fault: "client",
        $metadata: { httpStatusCode: 503 },
        message: "Request limit exceeded.",
      });
      ec2
        .on(DescribeImagesCommand)
        .rejectsOnce(throttled)
        .resolves({ Images: [image(PARAMETER_AMI)] });
      const t = template({ ami_config: { ami_mappings: { [REGION]: PARAMETER_AMI } } });
      const cache = new ImageCache();
      const first = await failure(resolveAmi(t, options, clients, { cache }));
      assert.equal(first.kind, "throttling");
      const second = await resolveAmi(t, options, clients, { cache });
      assert.equal(second.amiId, PARAMETER_AMI);
    });

    it("fails every waiter of a failed batch: 5 concurrent resolutions sharing one DescribeImages all get the AwsCallError (aws-sdk-client-mock)", async () => {
      const { clients, ec2 } = mocked();
      ec2.on(DescribeImagesCommand).rejects(
        new EC2ServiceException({
          name: "InternalError",
          $fault: "server",
          $metadata: { httpStatusCode: 500 },
          message: "An internal error has occurred",
        }),
      );
      const cache = new ImageCache();
      const ids = [1, 2, 3, 4, 5].map((n) => `ami-00c4100000000000${n}`);
      const outcomes = await Promise.allSettled(
        ids.map((id) =>
          resolveAmi(template({ ami_config: { ami_mappings: { [REGION]: id } } }), options, clients, { cache }),
        ),
      );
      assert.equal(ec2.commandCalls(DescribeImagesCommand).length, 1, "one batched call");
      for (const outcome of outcomes) {
        assert.equal(outcome.status, "rejected");
        assert.ok((outcome as PromiseRejectedResult).reason instanceof AwsCallError);
      }
    });
  });

  describe("credentials, permissions and endpoints against real clients", () => {
    const t = template({ ami_config: { ami_search: { owners: [CANONICAL], name_pattern: NOBLE_AMD64_PATTERN } } });

    it("says the endpoint cannot be reached (network) for a closed loopback port", async () => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const port = (server.address() as net.AddressInfo).port;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const endpoint = `http://127.0.0.1:${port}`;
      const clients = createAwsClients({ endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
      const error = await failure(resolveAmi(t, options, clients, { cache: new ImageCache() }));
      assert.equal(error.kind, "network");
      assert.equal(error.details.code, "ECONNREFUSED");
      assert.match(error.details.hint, /AWS_ENDPOINT_URL/);
    });

    it("says no credentials were found, and how to provide them, with an empty environment and no shared config", async () => {
      const saved = { ...process.env };
      for (const key of Object.keys(process.env))
        if (key.startsWith("AWS_") || key.startsWith("ECS_")) delete process.env[key];
      process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/cws-test/credentials";
      process.env.AWS_CONFIG_FILE = "/nonexistent/cws-test/config";
      process.env.AWS_EC2_METADATA_DISABLED = "true";
      try {
        const clients = createAwsClients({ endpoint: "http://127.0.0.1:9", maxAttempts: 1 });
        const error = await failure(resolveAmi(t, options, clients, { cache: new ImageCache() }));
        assert.equal(error.kind, "credentials");
        assert.match(error.message, /no AWS credentials were found/);
        assert.match(error.details.hint, /AWS_ACCESS_KEY_ID/);
      } finally {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
      }
    });

    it("names the denied action for an IAM user without ec2:DescribeImages (moto enforcing IAM)", async function () {
      this.timeout(60_000);
      // The first three calls (CreateUser, PutUserPolicy, CreateAccessKey) are made before moto starts authorizing.
      const previous = process.env.INITIAL_NO_AUTH_ACTION_COUNT;
      process.env.INITIAL_NO_AUTH_ACTION_COUNT = "3";
      const moto = await startMoto().finally(() => {
        if (previous === undefined) delete process.env.INITIAL_NO_AUTH_ACTION_COUNT;
        else process.env.INITIAL_NO_AUTH_ACTION_COUNT = previous;
      });
      try {
        const iam = new IAMClient({ endpoint: moto.endpoint, region: REGION, credentials: TEST_CREDENTIALS });
        await iam.send(new CreateUserCommand({ UserName: "lab" }));
        await iam.send(
          new PutUserPolicyCommand({
            UserName: "lab",
            PolicyName: "ssm-only",
            PolicyDocument: JSON.stringify({
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Action: ["ssm:GetParameter*"], Resource: "*" }],
            }),
          }),
        );
        const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: "lab" }));
        const clients = createAwsClients({
          endpoint: moto.endpoint,
          credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! },
          maxAttempts: 1,
        });
        const error = await failure(resolveAmi(t, options, clients, { cache: new ImageCache() }));
        assert.equal(error.kind, "permission");
        assert.equal(error.details.operation, "DescribeImages");
        assert.match(error.details.hint, /allow ec2:DescribeImages/);

        const stranger = createAwsClients({
          endpoint: moto.endpoint,
          credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wrong" },
          maxAttempts: 1,
        });
        const rejected = await failure(resolveAmi(t, options, stranger, { cache: new ImageCache() }));
        assert.equal(rejected.kind, "credentials");
        assert.match(rejected.message, /credentials were rejected/);
      } finally {
        await moto.stop();
      }
    });
  });
});
