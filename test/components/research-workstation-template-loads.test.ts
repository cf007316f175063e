import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ResearchWorkstation } from "../../src/components/research-workstation";
import { AMI_RESOLUTION_TYPE } from "../../src/dynamic/ami-resolution";
import { check } from "../../src/dynamic/ami-resolution/provider";
import { createAwsClients } from "../../src/core/clients";
import { clearLoaderCaches } from "../../src/templates/loader";
import { loaderWork } from "../../src/templates/units-by-content";
import { TEST_CREDENTIALS, type MotoServer } from "../../harness/moto";
import { publishBaseParameters } from "../../harness/seed";
import { startMotoForComponents, valueOf } from "./moto-mocks";

/**
 * How often one workstation's template is loaded in one `pulumi preview`, in each of its two processes: the program
 * (under runtime mocks that answer the AmiResolution with the script path, so user data is rendered) and the provider
 * (its real `check`, called with the inputs the program registered, from empty caches as a new process starts).
 */

type Work = typeof loaderWork;
const workSince = (before: Work): Work => ({
  filesRead: loaderWork.filesRead - before.filesRead,
  unitsPrepared: loaderWork.unitsPrepared - before.unitsPrepared,
  loadsChecked: loaderWork.loadsChecked - before.loadsChecked,
});

/** Echo mocks; the AmiResolution answers as check does on the script path (what the program then renders). */
class ScriptPathMocks implements pulumi.runtime.Mocks {
  resolutionInputs: Record<string, unknown> | undefined;
  userData: unknown;
  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    return args.inputs;
  }
  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const inputs = args.inputs as Record<string, unknown>;
    if (args.type === AMI_RESOLUTION_TYPE) {
      this.resolutionInputs = inputs;
      const state = { amiId: "ami-0123456789abcdef0", method: "fallback_script", architecture: "x86_64" };
      return { id: undefined, state: { ...inputs, ...state, instanceType: "t3.medium", fallbackChain: [] } };
    }
    if (args.type === "aws:ec2/instance:Instance") this.userData = inputs.userData;
    return { id: undefined, state: inputs };
  }
}

describe("template loads in one preview, in the program and in the provider", () => {
  let moto: MotoServer;
  let dir: string;
  before(async () => {
    moto = await startMotoForComponents();
    await publishBaseParameters(moto.clients().ssm("us-east-1"), ["ubuntu-24.04"]);
  });
  after(async () => {
    await moto?.stop();
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-template-loads-"));
    fs.writeFileSync(
      path.join(dir, "loads-lab.yml"),
      "name: loads-lab\nbase: ubuntu-24.04\npackages:\n  system: [htop]\n",
    );
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function preview(template: string | Record<string, unknown>): Promise<{ program: Work; provider: Work }> {
    clearLoaderCaches();
    const mocks = new ScriptPathMocks();
    await pulumi.runtime.setMocks(mocks, "lab", "dev", true);
    const start = { ...loaderWork };
    const workstation = new ResearchWorkstation("ws", {
      template,
      templatesDirs: [dir],
      region: "us-east-1",
      size: "S",
    });
    await valueOf(workstation.instanceId);
    assert.match(String(mocks.userData), /htop/, "the program rendered the script path's user data");
    const program = workSince(start);

    const { __provider: _provider, ...inputs } = mocks.resolutionInputs ?? {};
    assert.ok(Array.isArray(inputs.fleetQuestions), "one workstation is its own wave's carrier");
    clearLoaderCaches();
    const providerStart = { ...loaderWork };
    const clients = createAwsClients({ endpoint: moto.endpoint, credentials: TEST_CREDENTIALS });
    const checked = await check({}, inputs, clients);
    assert.equal(checked.failures, undefined);
    assert.equal(checked.inputs.method, "fallback_script");
    return { program, provider: workSince(providerStart) };
  }

  // Before this change, one preview loaded the template twice in each process (program: the component, then again
  // for the user data; provider: the carrier's prefetch, then check), and parsed an inline object at every load.
  it("loads a named template once in the program; the provider reads it for its prefetch and its check but parses it once", async () => {
    const { program, provider } = await preview("loads-lab");
    assert.deepEqual(program, { filesRead: 1, unitsPrepared: 1, loadsChecked: 1 });
    assert.deepEqual(provider, { filesRead: 2, unitsPrepared: 1, loadsChecked: 1 });
  });

  it("parses and checks an inline template object once in each process", async () => {
    const { program, provider } = await preview({
      name: "inline-loads",
      base: "ubuntu-24.04",
      packages: { system: ["htop"] },
    });
    assert.deepEqual(program, { filesRead: 0, unitsPrepared: 1, loadsChecked: 1 });
    assert.deepEqual(provider, { filesRead: 0, unitsPrepared: 1, loadsChecked: 1 });
  });

  it("keeps the loaded template out of the resolution's inputs: what the provider receives and state records is unchanged", async () => {
    const mocks = new ScriptPathMocks();
    await pulumi.runtime.setMocks(mocks, "lab", "dev", true);
    await valueOf(
      new ResearchWorkstation("ws", { template: "loads-lab", templatesDirs: [dir], region: "us-east-1" }).instanceId,
    );
    const inputs = mocks.resolutionInputs ?? {};
    assert.equal(inputs.template, "loads-lab");
    assert.ok(!("loadedTemplate" in inputs), Object.keys(inputs).join(", "));
  });

  it("parses a template once for a fleet: the carrier's prefetch and every resolution's check share one parse", async () => {
    const template = { name: "fleet-loads", base: "ubuntu-24.04", packages: { system: ["htop"] }, description: dir };
    const questions = ["S", "M", "L"].map((size) => ({ templateObject: template, region: "us-east-1", size }));
    clearLoaderCaches();
    const start = { ...loaderWork };
    const clients = createAwsClients({ endpoint: moto.endpoint, credentials: TEST_CREDENTIALS });
    for (const [index, question] of questions.entries()) {
      const news = {
        ...question,
        copyOwner: `lab/dev/ws-${index}`,
        ...(index === 0 ? { fleetQuestions: questions } : {}),
      };
      assert.equal((await check({}, news, clients)).inputs.method, "fallback_script");
    }
    assert.deepEqual(workSince(start), { filesRead: 0, unitsPrepared: 1, loadsChecked: 1 });
  });
});
