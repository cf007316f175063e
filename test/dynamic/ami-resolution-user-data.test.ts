import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { AmiResolution, AMI_RESOLUTION_TYPE } from "../../src/dynamic/ami-resolution";
import { check, diff } from "../../src/dynamic/ami-resolution/provider";
import { renderUserData } from "../../src/resolver/user-data";
import { loadTemplateFromObject } from "../../src/templates";
import { type AwsClients, createAwsClients } from "../../src/core/clients";
import { TEST_CREDENTIALS, type MotoServer } from "../../harness/moto";
import { publishBaseParameters } from "../../harness/seed";
import { MotoBackedMocks, startMotoForComponents, valueOf, withEnv } from "../components/moto-mocks";

/**
 * The provisioning script is not kept in an AmiResolution's state (it was about 1.6–3.6 kB, stored twice): check
 * stores its sha256 (`userDataHash`) and the program renders it from the template. Against moto.
 */

/** Nothing of the lab's own: the script path on the stock Ubuntu 24.04 image. */
const scriptOnly = {
  name: "script-lab",
  base: "ubuntu-24.04",
  packages: { system: ["htop", "jq"] },
  ami_config: { ami_search: { owners: ["self"], name_pattern: "cws-nothing-*" } },
};

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const expectedScript = (architecture: "x86_64" | "arm64", region: string) =>
  renderUserData(loadTemplateFromObject(scriptOnly).template, { architecture, region });

function news(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { templateObject: scriptOnly, region: "us-east-1", copyOwner: "lab/dev/ws-ami", ...extra };
}

describe("an AmiResolution's user data is rendered by the program, and only its hash is stored", () => {
  let moto: MotoServer;
  let clients: AwsClients;
  let restoreEnv: () => void;
  before(async () => {
    moto = await startMotoForComponents();
    restoreEnv = withEnv(moto.env());
  });
  after(async () => {
    restoreEnv?.();
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    await publishBaseParameters(moto.clients().ssm("us-east-1"), ["ubuntu-24.04"]);
    clients = createAwsClients({ endpoint: moto.endpoint, credentials: TEST_CREDENTIALS });
  });

  it("stores the script's sha256 and not the script; the program's userData is the template rendered for the resolved architecture and region", async () => {
    const mocks = await new MotoBackedMocks(moto, { preview: true }).install();
    const resolution = new AmiResolution("ws-ami", { templateObject: scriptOnly, region: "us-east-1" });
    assert.equal(await valueOf(resolution.method), "fallback_script");
    const script = await valueOf(resolution.userData);
    assert.equal(script, expectedScript("x86_64", "us-east-1"));
    assert.match(String(script), /htop/);
    const stored = (await mocks.waitFor(AMI_RESOLUTION_TYPE, "ws-ami")).inputs;
    assert.ok(!("userData" in stored), "the registered inputs carry no script");
    assert.equal(await valueOf(resolution.userDataHash), sha256(String(script)));
  });

  it("renders no user data on the AMI path", async () => {
    await new MotoBackedMocks(moto, { preview: true }).install();
    const resolution = new AmiResolution("noble", {
      templateObject: {
        name: "noble",
        base: "ubuntu-24.04",
        ami_config: {
          ami_search: { owners: ["099720109477"], name_pattern: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-*" },
        },
      },
      region: "us-east-1",
    });
    assert.equal(await valueOf(resolution.method), "dynamic_search");
    assert.equal(await valueOf(resolution.userData), null);
    assert.equal(await valueOf(resolution.userDataHash), null);
  });

  it("keeps a resolution whose state holds the script itself (written before userDataHash) when the script renders the same, and diffs clean", async () => {
    const current = await check({}, news(), clients);
    const { userDataHash: _hash, ...legacy } = current.inputs;
    const olds = { ...legacy, userData: expectedScript("x86_64", "us-east-1") };
    const again = await check(olds, news(), clients);
    assert.equal(again.failures, undefined);
    assert.equal(again.inputs.resolutionNote, null);
    assert.equal(again.inputs.userDataHash, sha256(olds.userData));
    assert.ok(!("userData" in again.inputs), "the script is dropped from the stored inputs");
    assert.deepEqual(diff(olds, again.inputs), { changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("re-resolves a pinned script that no longer renders the same from the unchanged template, and says why", async () => {
    const current = await check({}, news(), clients);
    const { userDataHash: _hash, ...legacy } = current.inputs;
    for (const olds of [
      { ...legacy, userData: "#!/bin/bash\necho rendered by an older CloudWorkstation\n" },
      { ...current.inputs, userDataHash: sha256("#!/bin/bash\necho something else\n") },
    ]) {
      const again = await check(olds, news(), clients);
      assert.equal(again.failures, undefined);
      assert.match(String(again.inputs.resolutionNote), /provisioning script .* differs from the pinned one/);
      assert.equal(again.inputs.userDataHash, current.inputs.userDataHash);
      assert.equal(diff(olds, again.inputs).changes, true);
    }
  });

  it("never compares a hash with a script of another architecture: a changed architecture re-resolves by the pin key", async () => {
    const x86 = await check({}, news({ architecture: "x86_64" }), clients);
    const arm = await check(x86.inputs, news({ architecture: "arm64" }), clients);
    assert.equal(arm.failures, undefined);
    assert.equal(arm.inputs.userDataHash, sha256(expectedScript("arm64", "us-east-1")));
    assert.doesNotMatch(String(arm.inputs.resolutionNote), /provisioning script/);
  });
});
