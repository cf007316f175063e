import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AmiResolution, AMI_RESOLUTION_TYPE, type AmiResolutionArgs } from "../../src/dynamic/ami-resolution";
import { EXPOSED_OUTPUT_KEYS, OUTPUT_KEYS, RESOLUTION_OUTPUTS } from "../../src/dynamic/ami-resolution/fields";
import { valueOf } from "../components/moto-mocks";

/** An AmiResolution's fields are declared once (ami-resolution/fields.ts); what is derived must match what was. */
describe("AmiResolution's fields, declared once", () => {
  let registered: Record<string, unknown> | undefined;
  beforeEach(async () => {
    registered = undefined;
    await pulumi.runtime.setMocks(
      {
        call: (args) => args.inputs,
        newResource: (args) => {
          if (args.type === AMI_RESOLUTION_TYPE) registered = args.inputs as Record<string, unknown>;
          return { id: undefined, state: { ...args.inputs, amiId: "ami-0123456789abcdef0", method: "ssm_parameter" } };
        },
      },
      "lab",
      "dev",
      true,
    );
  });

  it("keeps from a previous state exactly the outputs it kept before, so a recorded resolution is kept as it was", () => {
    assert.deepEqual(OUTPUT_KEYS, [
      "amiId",
      "resolvedAmiId",
      "method",
      "fallbackChain",
      "resolutionNote",
      "userDataHash",
      "estimatedLaunchSeconds",
      "sourceRegion",
      "templateName",
      "templateVersion",
      "estimatedCostPerHour",
      "costLabel",
      "costComparison",
      "warnings",
      "request",
      "pinKey",
      "templateHash",
      "copyPending",
      "copiedImageId",
      "copyMadeByUs",
      "freshness",
    ]);
  });

  it("makes every exposed output a property of the class and registers the inputs it registered before, without __provider", async () => {
    const resolution = new AmiResolution("ws-ami", { template: "python-ml", region: "us-east-1", size: "M" });
    for (const key of EXPOSED_OUTPUT_KEYS) assert.ok(pulumi.Output.isInstance(resolution[key]), key);
    for (const key of Object.keys(RESOLUTION_OUTPUTS).filter((key) => !EXPOSED_OUTPUT_KEYS.includes(key as never)))
      assert.equal(key in resolution, false, `${key} is kept in state only`);
    assert.equal(await valueOf(resolution.amiId), "ami-0123456789abcdef0");
    assert.ok(registered);
    const { fleetQuestions, ...inputs } = registered;
    assert.ok(Array.isArray(fleetQuestions));
    assert.deepEqual(inputs, {
      template: "python-ml",
      region: "us-east-1",
      size: "M",
      copyOwner: "lab/dev/ws-ami",
    });
  });

  it("refuses at compile time what the resource sets itself and what it does not expose", () => {
    // @ts-expect-error: copyOwner is set by the resource (from the project, stack and name), never by its caller
    const args: AmiResolutionArgs = { region: "us-east-1", copyOwner: "someone/else/ws" };
    assert.ok(args);
    const check = (resolution: AmiResolution) =>
      // @ts-expect-error: `request` is kept in state only
      resolution.request;
    assert.equal(typeof check, "function");
  });
});
