import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AmiResolution } from "../../src/dynamic/ami-resolution";
import { check, diff } from "../../src/dynamic/ami-resolution/provider";
import { FLEET_QUESTION_KEYS } from "../../src/dynamic/fleet-prefetch";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy";
import { startMoto, type MotoServer } from "../../harness/moto";
import { LAB_PARAMETER, publishLabParameterBuild } from "../../harness/fleet-shape";
import { publishBaseParameters, TEST_ACCOUNT_ID } from "../../harness/seed";
import { defaultImageCache } from "../../src/core/image-cache";
import type { AwsClients } from "../../src/core/clients";

const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"];
const TEMPLATES = ["ubuntu-24.04-base", "ubuntu-22.04-base", "r-research", "data-science"];

/** The lab-fleet shape: every template in every region, each asked by two workstations. */
function fleet(): Record<string, unknown>[] {
  return REGIONS.flatMap((region) => TEMPLATES.map((template) => ({ template, region })));
}

describe("a fleet's resolutions answered together (the provider's check, moto behind the fault proxy counting calls)", () => {
  let moto: MotoServer;
  let proxy: FaultProxy;
  let clients: AwsClients;
  before(async () => {
    moto = await startMoto();
    for (const region of REGIONS) await publishBaseParameters(moto.clients().ssm(region));
    proxy = await startFaultProxy(moto.endpoint);
  });
  after(async () => {
    await proxy?.stop();
    await moto?.stop();
  });
  beforeEach(() => {
    proxy.clear();
    // Fresh clients: the process-wide lookup cache is per client, so nothing from an earlier test is reused.
    clients = proxy.clients();
  });

  it("answers every question of the wave in the carrier's check: the checks that follow make no AWS call", async () => {
    const questions = fleet();
    const [first, ...rest] = questions;
    const carrier = await check({}, { ...first, fleetQuestions: questions }, clients);
    assert.equal(carrier.failures, undefined);
    assert.ok(!("fleetQuestions" in carrier.inputs), "the answered questions are not kept in state");
    const prefetched = proxy.actions.length;
    // One GetParameters and one DescribeImages per region answer 16 questions (one at a time: 4 per region or more).
    assert.ok(prefetched <= 2 * REGIONS.length, `${prefetched} calls: ${proxy.actions.join(", ")}`);
    for (const question of [...rest, ...questions]) {
      const checked = await check({}, question, clients);
      assert.equal(checked.failures, undefined, JSON.stringify(checked.failures));
      assert.match(String(checked.inputs.resolvedAmiId), /^ami-/);
    }
    assert.equal(proxy.actions.length, prefetched, `calls after the carrier: ${proxy.actions.slice(prefetched)}`);
  });

  it("without the wave's questions, the same checks one at a time cost more calls (what the prefetch saves)", async () => {
    for (const question of fleet()) await check({}, question, clients);
    assert.ok(proxy.actions.length > 2 * REGIONS.length, `${proxy.actions.length} calls`);
  });

  it("a question of the wave that cannot be answered does not fail the carrier; its own check reports it", async () => {
    const broken = { template: "no-such-template", region: "us-east-1" };
    const carrier = await check({}, { ...fleet()[0], fleetQuestions: [broken, ...fleet()] }, clients);
    assert.equal(carrier.failures, undefined);
    const own = await check({}, broken, clients);
    assert.equal(own.failures?.[0].property, "template");
    assert.match(own.failures?.[0].reason ?? "", /no-such-template/);
  });

  it("previews no change when only the carried questions differ (the fleet grew by one workstation)", async () => {
    const before = await check({}, { ...fleet()[0], fleetQuestions: fleet().slice(0, 4) }, clients);
    const after = await check(before.inputs, { ...fleet()[0], fleetQuestions: fleet() }, clients);
    assert.equal(diff(before.inputs, after.inputs).changes, false);
  });
});

describe("a wave's pins from its previous run (the provider's check, moto behind the fault proxy counting calls)", () => {
  const regions = ["us-east-1", "eu-west-1"];
  /** The lab's own image, published to its own parameter (owned by the lab's account). */
  const lab = {
    name: "lab-ssm",
    base: "ubuntu-24.04",
    ami_config: { strategy: "ami_required", ssm_parameter: LAB_PARAMETER, trusted_owners: [TEST_ACCOUNT_ID] },
  };
  const questions = regions.flatMap((region) => [
    { templateObject: lab, region, size: "M" },
    { templateObject: lab, region, size: "L" },
  ]);
  let moto: MotoServer;
  let proxy: FaultProxy;
  before(async () => {
    moto = await startMoto();
    proxy = await startFaultProxy(moto.endpoint);
  });
  after(async () => {
    await proxy?.stop();
    await moto?.stop();
  });

  const publishBuild = (build: string) => publishLabParameterBuild(moto.clients(), regions, build);

  /** One preview's checks, in a fresh provider process (empty process-wide cache), the first carrying the wave. */
  async function previewRun(olds: Record<string, unknown>[]) {
    defaultImageCache.clear();
    proxy.clear();
    const clients = proxy.clients();
    const results = [];
    // The provider prints a "newer image available" line per kept pin (asserted in test/e2e/fleet.test.ts).
    const printError = console.error;
    console.error = () => undefined;
    try {
      for (const [index, question] of questions.entries()) {
        const news = index === 0 ? { ...question, fleetQuestions: questions } : question;
        results.push(await check(olds[index] ?? {}, news, clients));
      }
    } finally {
      console.error = printError;
    }
    return { results, describeImages: proxy.actions.filter((action) => action === "DescribeImages").length };
  }

  it("validates pins no answer returns any more in the same DescribeImages as the new answers: one call per region", async () => {
    const v1 = await publishBuild("20261101");
    const first = await previewRun([]);
    assert.deepEqual(first.results[0].inputs.fleetPins, {
      "eu-west-1": [v1["eu-west-1"]],
      "us-east-1": [v1["us-east-1"]],
    });
    assert.ok(
      first.results.slice(1).every((result) => !("fleetPins" in result.inputs)),
      "only the carrier keeps them",
    );
    const v2 = await publishBuild("20261201");

    const olds = first.results.map((result) => result.inputs);
    const second = await previewRun(olds);
    for (const [index, result] of second.results.entries()) {
      assert.equal(result.failures, undefined);
      assert.equal(result.inputs.amiId, olds[index].amiId, "every pin is kept");
      assert.equal((result.inputs.freshness as { candidateAmiId: string }).candidateAmiId, v2[questions[index].region]);
      assert.equal(diff(olds[index], result.inputs).changes, false);
    }
    assert.equal(second.describeImages, regions.length, `${second.describeImages} DescribeImages`);
    assert.deepEqual(second.results[0].inputs.fleetPins, {
      "eu-west-1": [v2["eu-west-1"], v1["eu-west-1"]],
      "us-east-1": [v2["us-east-1"], v1["us-east-1"]],
    });

    // Without the carried pins (a stack from before them), each region's pin costs a call of its own.
    const { fleetPins: _pins, ...carrierWithout } = olds[0];
    const without = await previewRun([carrierWithout, ...olds.slice(1)]);
    assert.equal(without.describeImages, 2 * regions.length, `${without.describeImages} DescribeImages`);
  });
});

describe("a program's AmiResolutions join one wave (runtime mocks)", () => {
  interface Registration {
    name: string;
    inputs: Record<string, unknown>;
  }
  let registered: Registration[];
  beforeEach(async () => {
    registered = [];
    await pulumi.runtime.setMocks(
      {
        newResource: async (args) => {
          registered.push({ name: args.name, inputs: args.inputs as Record<string, unknown> });
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
      },
      "project",
      "stack",
      true,
    );
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  it("gives the first resolution every distinct question of the wave and registers the others after it", async () => {
    new AmiResolution("a", { template: "python-ml", region: "us-east-1", refresh: "latest" });
    new AmiResolution("b", { template: "python-ml", region: "us-east-1", size: "L" });
    new AmiResolution("c", { template: "python-ml", region: "us-east-1" });
    new AmiResolution("d", { template: "r-research", region: pulumi.output("eu-west-1") });
    await settle();
    assert.equal(registered[0].name, "a");
    assert.deepEqual(registered[0].inputs.fleetQuestions, [
      { template: "python-ml", region: "us-east-1" },
      { template: "python-ml", region: "us-east-1", size: "L" },
      { template: "r-research", region: "eu-west-1" },
    ]);
    // The others wait for the carrier's registration (their order among themselves is the SDK's).
    assert.deepEqual(
      registered
        .slice(1)
        .map((r) => [r.name, "fleetQuestions" in r.inputs])
        .sort(),
      [
        ["b", false],
        ["c", false],
        ["d", false],
      ],
    );
    for (const question of registered[0].inputs.fleetQuestions as Record<string, unknown>[])
      assert.ok(Object.keys(question).every((key) => (FLEET_QUESTION_KEYS as readonly string[]).includes(key)));
  });

  it("starts a new wave for a resolution made in a later turn of the program (after an await)", async () => {
    new AmiResolution("early", { template: "python-ml", region: "us-east-1" });
    await settle();
    new AmiResolution("late", { template: "r-research", region: "us-west-2" });
    await settle();
    const late = registered.find((r) => r.name === "late") as Registration;
    assert.deepEqual(late.inputs.fleetQuestions, [{ template: "r-research", region: "us-west-2" }]);
  });

  it("leaves a secret question out of the carrier's inputs, and still registers the others", async () => {
    new AmiResolution("carrier", { template: "python-ml", region: "us-east-1" });
    new AmiResolution("secret", { template: "python-ml", region: "us-east-1", parameters: pulumi.secret({ k: "v" }) });
    await settle();
    const carrier = registered.find((r) => r.name === "carrier") as Registration;
    assert.deepEqual(carrier.inputs.fleetQuestions, [{ template: "python-ml", region: "us-east-1" }]);
    assert.ok(registered.some((r) => r.name === "secret"));
  });
});
