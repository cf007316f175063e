import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
// A lab's test imports these from "cloudworkstation" and "cloudworkstation/testing" (docs/pulumi.md).
import { ResearchWorkstation } from "../../src/components/research-workstation";
import { AMI_RESOLUTION_TYPE } from "../../src/dynamic/ami-resolution";
import { workstationMocks, type WorkstationMocks } from "../../src/testing";

/**
 * The test a lab writes for its own program with `cloudworkstation/testing`: no AWS, no moto, no engine — Pulumi's
 * runtime mocks, with each template's AMI given per region.
 */

const LAB_AMI = "ami-0123456789abcdef0";

/** What an Output holds (undefined while unknown), as a lab's test reads it. */
function valueOf<T>(output: pulumi.Output<T>): Promise<T | undefined> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

describe("cloudworkstation/testing: workstationMocks under pulumi.runtime.setMocks", () => {
  let mocks: WorkstationMocks;
  const instances: Record<string, unknown>[] = [];

  beforeEach(async () => {
    instances.length = 0;
    mocks = workstationMocks({
      answers: { "python-ml": { "us-east-1": LAB_AMI } },
      // The lab's own mocks for everything else: here, recording the instances launched.
      mocks: {
        call: (args) => args.inputs,
        newResource: async (args) => {
          if (args.type === "aws:ec2/instance:Instance") instances.push(args.inputs);
          return { id: `${args.name}-id`, state: args.inputs };
        },
      },
    });
    await pulumi.runtime.setMocks(mocks, "lab", "dev", false);
  });

  it("launches a shipped template's workstation on the AMI given for its template and region", async () => {
    const alice = new ResearchWorkstation("alice", {
      template: "python-ml",
      region: "us-east-1",
      size: "M",
      owner: "alice",
      allowedCidrs: ["203.0.113.0/24"],
    });
    assert.equal(await valueOf(alice.amiId), LAB_AMI);
    assert.equal(await valueOf(alice.resolutionMethod), "direct_mapping");
    assert.equal(await valueOf(alice.instanceType), "m7i.xlarge", "size M, chosen as the real resolution would");
    assert.match(
      (await valueOf(alice.fallbackChain))![0],
      /ami-0123456789abcdef0 \(the answer given to workstationMocks/,
    );
    await valueOf(alice.instanceId);
    assert.equal(instances.length, 1);
    assert.equal(instances[0].ami, LAB_AMI);
    assert.equal(instances[0].instanceType, "m7i.xlarge");
    assert.deepEqual(mocks.resolutions, [
      { name: "alice-ami", template: "python-ml", region: "us-east-1", amiId: LAB_AMI, instanceType: "m7i.xlarge" },
    ]);
  });

  it("is needed: under plain mocks that echo inputs, the same workstation's AMI is not there", async () => {
    await pulumi.runtime.setMocks(
      { call: (args) => args.inputs, newResource: async (args) => ({ id: `${args.name}-id`, state: args.inputs }) },
      "lab",
      "dev",
      false,
    );
    const alice = new ResearchWorkstation("alice", { template: "python-ml", region: "us-east-1", owner: "alice" });
    assert.equal(await valueOf(alice.amiId), undefined);
  });

  it("refuses a resolution it has no answer for, naming the template, the region and the answer to add", async () => {
    await assert.rejects(
      async () =>
        mocks.newResource({
          type: AMI_RESOLUTION_TYPE,
          name: "bob",
          inputs: { template: "python-ml", region: "eu-west-1" },
          custom: true,
        }),
      /no AMI for template "python-ml" in eu-west-1; add answers\["python-ml"\]\["eu-west-1"\] \(answers given: python-ml: us-east-1\)/,
    );
  });

  it("refuses a template that does not validate, as the real resolution does", async () => {
    await assert.rejects(
      async () =>
        mocks.newResource({
          type: AMI_RESOLUTION_TYPE,
          name: "carol",
          inputs: { templateObject: { name: "python-ml", instance_defaults: { size: "HUGE" } }, region: "us-east-1" },
          custom: true,
        }),
      /instance_defaults\.size: expected one of/,
    );
  });
});
