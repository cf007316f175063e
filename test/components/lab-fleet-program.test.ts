import assert from "node:assert/strict";
import { TIER_ORDER } from "../../src/resolver/types";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import requireFromString from "require-from-string";
import type { WorkstationSummary } from "../../src/components/lab-fleet";
import { MotoServer, startMoto } from "../../harness/moto";
import { publishBaseParameters } from "../../harness/seed";

/**
 * The lab-fleet program (index.ts at the repository root, and examples/lab-fleet) run under runtime mocks.
 *
 * As in research-workstation.test.ts, the AmiResolution is not invented by the mocks: its serialized provider is
 * loaded from the registered `__provider` and its real `check` (and `create`, outside preview) runs against moto.
 * The program runs at module load, so every test loads it afresh (cleared from the require cache) after setting
 * the stack config for that test; Pulumi's runtime settings are process-wide, so each test also sets its mocks.
 */

const ROOT = path.resolve(__dirname, "..", "..");
const ROOT_PROGRAM = path.join(ROOT, "index.ts");
const EXAMPLE_PROGRAM = path.join(ROOT, "examples", "lab-fleet", "index.ts");

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

async function valueOf<T>(output: pulumi.Output<T>): Promise<T | undefined> {
  const internal = output as unknown as { isKnown: Promise<boolean>; promise(): Promise<T> };
  return (await internal.isKnown) ? internal.promise() : undefined;
}

function loadProgram(file: string): { workstations: pulumi.Output<Record<string, WorkstationSummary>> } {
  for (const key of Object.keys(require.cache)) {
    if (key === file || key.includes(`${path.sep}src${path.sep}components${path.sep}lab-fleet`))
      delete require.cache[key];
  }
  return require(file);
}

describe("the lab-fleet program", () => {
  let moto: MotoServer;
  const saved: Record<string, string | undefined> = {};
  let registered: Registered[];
  let cwd: string;

  before(async () => {
    moto = await startMoto();
    for (const [key, value] of Object.entries(moto.env())) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
    cwd = process.cwd();
  });
  after(async () => {
    process.chdir(cwd);
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await moto?.stop();
  });

  async function useMocks(preview: boolean, config: Record<string, string>): Promise<void> {
    registered = [];
    pulumi.runtime.setAllConfig(config);
    await pulumi.runtime.setMocks(
      {
        newResource: async (args) => {
          registered.push({ type: args.type, name: args.name, inputs: args.inputs });
          if (args.type === "pulumi-nodejs:dynamic:AmiResolution") {
            const { __provider, ...inputs } = args.inputs as Record<string, unknown>;
            const provider = requireFromString(String(__provider)).handler() as pulumi.dynamic.ResourceProvider;
            const checked = await provider.check!({}, inputs);
            if (checked.failures?.length) throw new Error(checked.failures.map((failure) => failure.reason).join("\n"));
            if (preview) return { id: undefined, state: checked.inputs };
            const created = await provider.create!(checked.inputs);
            return { id: created.id, state: created.outs };
          }
          if (args.type === "aws:ec2/instance:Instance") {
            return {
              id: preview ? undefined : `i-${args.name.replace(/-instance$/, "")}`,
              state: { ...args.inputs, ...(preview ? {} : { privateIp: "10.0.0.9", publicIp: "" }) },
            };
          }
          return { id: preview ? undefined : `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
      },
      "cloudworkstation-lab",
      "dev",
      preview,
    );
  }

  const stockImages = async (...regions: string[]) => {
    for (const region of regions) await publishBaseParameters(moto.clients().ssm(region), ["ubuntu-24.04"]);
  };

  it("makes one workstation per config entry and exports each one's AMI, chain, launch mode, estimate and connection", async () => {
    await moto.reset();
    await stockImages("us-east-1", "eu-west-1");
    const fleet = [
      { name: "alice", template: "python-ml", size: "M", owner: "alice", allowedCidrs: ["203.0.113.0/24"] },
      { name: "bob", template: "r-research", region: "eu-west-1", owner: "bob", tags: { grant: "R01" } },
    ];
    await useMocks(false, { "cloudworkstation:fleet": JSON.stringify(fleet), "aws:region": "us-east-1" });
    const program = loadProgram(ROOT_PROGRAM);
    const outputs = (await valueOf(program.workstations))!;
    assert.deepEqual(Object.keys(outputs).sort(), ["alice", "bob"]);
    for (const name of ["alice", "bob"]) {
      const summary = outputs[name];
      assert.match(summary.amiId, /^ami-/);
      assert.equal(
        summary.resolutionMethod,
        "fallback_script",
        "the shipped templates provision on the stock image (ami_fallback)",
      );
      assert.equal(summary.launchMode, "script");
      assert.equal(summary.fallbackChain.length, TIER_ORDER.length);
      assert.equal(typeof summary.estimatedCostPerHour, "number");
      assert.match(
        summary.connection.sessionManager,
        new RegExp(`--target i-${name} --region ${name === "bob" ? "eu-west-1" : "us-east-1"}$`),
      );
    }
    const instances = registered.filter((resource) => resource.type === "aws:ec2/instance:Instance");
    assert.deepEqual(instances.map((instance) => instance.name).sort(), ["alice-instance", "bob-instance"]);
    for (const instance of instances) {
      assert.match(String(instance.inputs.userData), /^#!\/bin\/bash/, "script path: the rendered provisioning script");
      assert.equal((instance.inputs.metadataOptions as Record<string, unknown>).httpTokens, "required");
    }
    const bob = instances.find((instance) => instance.name === "bob-instance")!;
    assert.equal((bob.inputs.tags as Record<string, string>).grant, "R01");
    assert.equal((bob.inputs.tags as Record<string, string>)["cloudworkstation:template"], "r-research");
  });

  it("previews the example's fleet.yaml: AMIs and chains are known before anything is created", async () => {
    await moto.reset();
    await stockImages("us-east-1", "eu-west-1");
    process.chdir(path.dirname(EXAMPLE_PROGRAM));
    try {
      await useMocks(true, { "cloudworkstation:fleetFile": "fleet.yaml", "aws:region": "us-east-1" });
      const program = loadProgram(EXAMPLE_PROGRAM);
      await valueOf(program.workstations); // unknown in preview (instance ids), but the resolutions are registered
      for (
        let attempt = 0;
        attempt < 500 && registered.filter((r) => r.type === "aws:ec2/instance:Instance").length < 3;
        attempt++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      process.chdir(cwd);
    }
    const instances = registered.filter((resource) => resource.type === "aws:ec2/instance:Instance");
    assert.deepEqual(instances.map((instance) => instance.name).sort(), [
      "alice-instance",
      "bob-instance",
      "carol-gpu-instance",
    ]);
    for (const instance of instances)
      assert.match(String(instance.inputs.ami), /^ami-/, `${instance.name} has a concrete AMI in preview`);
    const carol = instances.find((instance) => instance.name === "carol-gpu-instance")!;
    assert.equal(carol.inputs.instanceType, "g5.xlarge");
    assert.equal((carol.inputs.tags as Record<string, string>)["cost-centre"], "4711", "file defaults apply");
    const groups = registered.filter((resource) => resource.type === "aws:ec2/securityGroup:SecurityGroup");
    assert.equal(groups.length, 3, "allowedCidrs from the defaults: one group per workstation");
  });

  it("stops with every fleet problem listed (entry, name, field) before creating anything", async () => {
    const fleet = [
      { name: "alice", template: "python-ml" },
      { name: "alice", template: "r-research", size: "XXL" },
    ];
    await useMocks(true, { "cloudworkstation:fleet": JSON.stringify(fleet), "aws:region": "us-east-1" });
    assert.throws(
      () => loadProgram(ROOT_PROGRAM),
      (error: unknown) => {
        assert.ok(error instanceof pulumi.RunError);
        assert.match(error.message, /cloudworkstation:fleet: 1 problem/);
        assert.match(error.message, /fleet\[1\]\.size \(alice\): /);
        return true;
      },
    );
    assert.equal(registered.length, 0);
    const duplicate = [
      { name: "alice", template: "python-ml" },
      { name: "alice", template: "r-research" },
    ];
    await useMocks(true, { "cloudworkstation:fleet": JSON.stringify(duplicate), "aws:region": "us-east-1" });
    assert.throws(() => loadProgram(ROOT_PROGRAM), /fleet\[1\]\.name \(alice\): duplicate name "alice"/);
  });

  it("says how to configure a fleet when none is set, and refuses both forms at once", async () => {
    await useMocks(true, { "aws:region": "us-east-1" });
    assert.throws(
      () => loadProgram(ROOT_PROGRAM),
      /no fleet configured: set cloudworkstation:fleet .* or cloudworkstation:fleetFile/,
    );
    await useMocks(true, { "cloudworkstation:fleet": "[]", "cloudworkstation:fleetFile": "fleet.yaml" });
    assert.throws(() => loadProgram(ROOT_PROGRAM), /not both/);
  });
});
