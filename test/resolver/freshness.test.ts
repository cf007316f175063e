import assert from "node:assert/strict";
import { DeregisterImageCommand, DescribeImagesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { countCalls } from "../../harness/call-counter";
import { startMoto, type MotoServer } from "../../harness/moto";
import {
  createImageFromInstance,
  FIXTURE_BASE_IMAGES,
  publishBaseParameters,
  publishPublicParameter,
  TEST_ACCOUNT_ID,
} from "../../harness/seed";
import { checkFreshness, type FreshnessQuestion } from "../../src/resolver/freshness";
import { IMAGE_TAGS } from "../../src/core/image-tags";
import type { AwsClients } from "../../src/core/clients";
import { template } from "./support";

const PARAMETER = "/lab/images/fresh/x86_64";
const UBUNTU = FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64;
const UBUNTU_PARAMETER = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id";
const LAB = template({
  name: "fresh",
  base: "ubuntu-24.04",
  ami_config: { ssm_parameter: PARAMETER, trusted_owners: [TEST_ACCOUNT_ID] },
});

describe("freshness of AMIs in use (checkFreshness) against moto", () => {
  let moto: MotoServer;
  let clients: AwsClients;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    clients = moto.clients();
  });

  async function labImage(region: string, name: string, tags: Record<string, string> = {}): Promise<string> {
    return createImageFromInstance(clients.ec2(region), { sourceAmiId: UBUNTU, name, tags });
  }

  it("current when the template still resolves to the AMI in use", async () => {
    const ami = await labImage("us-east-1", "fresh-1");
    await publishPublicParameter(clients.ssm("us-east-1"), PARAMETER, ami);
    const [result] = await checkFreshness([{ name: "alice", template: LAB, region: "us-east-1", amiId: ami }], clients);
    assert.equal(result.status, "current");
    assert.equal(result.name, "alice");
    assert.equal(result.candidateAmiId, undefined);
  });

  it("newer_available names what a fresh resolution picks now, with its date, and keeps the AMI in use as it is", async () => {
    const old = await labImage("us-east-1", "fresh-1");
    const newer = await labImage("us-east-1", "fresh-2");
    await publishPublicParameter(clients.ssm("us-east-1"), PARAMETER, newer);
    const [result] = await checkFreshness([{ template: LAB, region: "us-east-1", amiId: old }], clients);
    assert.equal(result.status, "newer_available");
    assert.equal(result.candidateAmiId, newer);
    assert.match(result.candidateDate ?? "", /^\d{4}-\d{2}-\d{2}T/);
    assert.match(result.reason, new RegExp(`now resolves to ${newer} \\(ssm_parameter`));
    assert.equal(result.amiId, old);
  });

  it("deregistered when the AMI in use no longer exists", async () => {
    const ami = await labImage("us-east-1", "fresh-1");
    await publishPublicParameter(clients.ssm("us-east-1"), PARAMETER, ami);
    await clients.ec2("us-east-1").send(new DeregisterImageCommand({ ImageId: ami }));
    const [result] = await checkFreshness([{ template: LAB, region: "us-east-1", amiId: ami }], clients);
    assert.equal(result.status, "deregistered");
    assert.match(result.reason, /no longer exists in us-east-1/);
  });

  it("base_outdated when an image built on base X finds its base parameter now pointing at Y", async () => {
    await publishBaseParameters(clients.ssm("us-east-1"), ["ubuntu-24.04"]);
    const built = await labImage("us-east-1", "built-1", {
      [IMAGE_TAGS.baseAmi]: "ami-00c41000000000001",
      [IMAGE_TAGS.baseParameter]: UBUNTU_PARAMETER,
    });
    await publishPublicParameter(clients.ssm("us-east-1"), PARAMETER, built);
    const [result] = await checkFreshness([{ template: LAB, region: "us-east-1", amiId: built }], clients);
    assert.equal(result.status, "base_outdated");
    assert.equal(result.candidateAmiId, UBUNTU);
    assert.match(result.reason, /was built on ami-00c41000000000001; .* now points at ami-00c41000000000002/);
  });

  it("revoked when the catalog says so (the revocation hook), before anything else", async () => {
    const ami = await labImage("us-east-1", "fresh-1");
    await publishPublicParameter(clients.ssm("us-east-1"), PARAMETER, ami);
    const [result] = await checkFreshness([{ template: LAB, region: "us-east-1", amiId: ami }], clients, {
      revocation: async (q) =>
        q.amiId === ami ? { revoked: true, reason: "fresh 1.0.0 was revoked: CVE" } : undefined,
    });
    assert.equal(result.status, "revoked");
    assert.equal(result.reason, "fresh 1.0.0 was revoked: CVE");
  });

  it("a 200-workstation fleet in 4 regions costs one GetParameters and one DescribeImages per region", async () => {
    const regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"];
    const questions: FreshnessQuestion[] = [];
    for (const region of regions) {
      const old = await labImage(region, `fresh-old-${region}`);
      const newer = await labImage(region, `fresh-new-${region}`);
      await publishPublicParameter(clients.ssm(region), PARAMETER, newer);
      await publishBaseParameters(clients.ssm(region), ["ubuntu-24.04"]);
      for (let i = 0; i < 50; i++) {
        questions.push({ name: `ws-${region}-${i}`, template: LAB, region, amiId: i % 2 ? old : newer });
      }
    }
    const counter = countCalls(moto.clients());
    const results = await checkFreshness(questions, counter.clients);
    assert.equal(results.length, 200);
    assert.equal(results.filter((r) => r.status === "newer_available").length, 100);
    assert.equal(results.filter((r) => r.status === "current").length, 100);
    assert.equal(counter.count("EC2:DescribeImages"), 4, JSON.stringify(Object.fromEntries(counter.counts)));
    assert.equal(counter.count("SSM:GetParameters"), 4, JSON.stringify(Object.fromEntries(counter.counts)));
    assert.equal(counter.total("EC2") + counter.total("SSM"), 8);
  });
});

describe("freshness with deprecation times (aws-sdk-client-mock: moto keeps no DeprecationTime)", () => {
  const ec2 = new EC2Client({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  const ssm = new SSMClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  const clients: AwsClients = { ec2: () => ec2, ssm: () => ssm };
  const now = new Date("2026-11-29T00:00:00Z");
  const image = (deprecation: string) => ({
    ImageId: "ami-0aaaaaaaaaaaaaaaa",
    State: "available",
    OwnerId: TEST_ACCOUNT_ID,
    Architecture: "x86_64",
    CreationDate: "2026-10-01T00:00:00.000Z",
    DeprecationTime: deprecation,
  });

  function mockAws(deprecation: string) {
    const ec2Mock = mockClient(ec2);
    const ssmMock = mockClient(ssm);
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [image(deprecation) as never] });
    ssmMock.on(GetParametersCommand).callsFake(async (input: { Names?: string[] }) => ({
      Parameters: (input.Names ?? []).map((Name) => ({ Name, Value: "ami-0aaaaaaaaaaaaaaaa" })),
      InvalidParameters: [],
    }));
    return () => {
      ec2Mock.restore();
      ssmMock.restore();
    };
  }

  it("deprecated when its DeprecationTime has passed", async () => {
    const restore = mockAws("2026-11-01T00:00:00.000Z");
    try {
      const [result] = await checkFreshness(
        [{ template: LAB, region: "us-east-1", amiId: "ami-0aaaaaaaaaaaaaaaa" }],
        clients,
        { now },
      );
      assert.equal(result.status, "deprecated");
      assert.equal(result.deprecationTime, "2026-11-01T00:00:00.000Z");
    } finally {
      restore();
    }
  });

  it("deprecated_soon within --days, current beyond it", async () => {
    const restore = mockAws("2026-12-15T00:00:00.000Z");
    try {
      const question = [{ template: LAB, region: "us-east-1", amiId: "ami-0aaaaaaaaaaaaaaaa" }];
      const [soon] = await checkFreshness(question, clients, { now, days: 30 });
      assert.equal(soon.status, "deprecated_soon");
      assert.match(soon.reason, /will be deprecated on 2026-12-15/);
      const [later] = await checkFreshness(question, clients, { now, days: 7 });
      assert.equal(later.status, "current");
    } finally {
      restore();
    }
  });
});
