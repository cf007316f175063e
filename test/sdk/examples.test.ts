import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../harness/pulumi-cli";
import { goBuild, goTest, pipInstallPythonSdk, runPythonProgramWithMocks } from "../../harness/sdk-programs";
import { SDK_DIR } from "../../scripts/generate-sdks";

/**
 * examples/python-lab and examples/go-lab with the committed SDKs, without the engine: the Python program under
 * Pulumi's mocks (what it registers, with which arguments), the Go program built offline and its own mocks test
 * (examples/go-lab/main_test.go) run. test/e2e/python-program
 * runs the Python one under the real engine.
 */

const WORKSTATION = "cloudworkstation:index:ResearchWorkstation";
const RESOLUTION = "cloudworkstation:index:AmiResolution";

describe("the Python and Go lab examples", function () {
  this.timeout(600_000); // a cold Go build cache compiles the Pulumi Go SDK: minutes on 2 cores
  let scratch: string;
  before(() => (scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cws-sdk-examples-"))));
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it("examples/python-lab registers a ResearchWorkstation and an AmiResolution with the schema's argument names", () => {
    const site = path.join(scratch, "site");
    pipInstallPythonSdk(path.join(SDK_DIR, "python"), site);
    const run = runPythonProgramWithMocks(path.join(REPO_ROOT, "examples", "python-lab", "__main__.py"), site, {
      [WORKSTATION]: { instanceId: "i-0123456789abcdef0", amiId: "ami-0abc", fallbackChain: ["catalog: hit"] },
      [RESOLUTION]: { amiId: "ami-0def", method: "catalog", fallbackChain: ["catalog: hit"] },
    });
    assert.deepEqual(run.resources, [
      {
        type: WORKSTATION,
        name: "alice",
        inputs: {
          templateName: "python-ml",
          size: "M",
          region: "us-east-1",
          allowedCidrs: ["203.0.113.0/24"],
          owner: "alice@example.org",
          project: "smith-lab",
          tags: { "cost-centre": "4711" },
        },
      },
      { type: RESOLUTION, name: "r-research-eu", inputs: { template: "r-research", region: "eu-west-1", size: "L" } },
    ]);
    assert.equal(run.outputs[WORKSTATION].alice.ami_id, "ami-0abc");
  });

  it("examples/go-lab builds against sdk/go, offline", () => {
    const built = goBuild(path.join(REPO_ROOT, "examples", "go-lab"), path.join(scratch, "go-lab"));
    assert.equal(built.status, 0, built.output);
    assert.ok(fs.statSync(path.join(scratch, "go-lab")).size > 0);
  });

  it("examples/go-lab registers the same two resources with the schema's names under Pulumi's Go mocks (its go test)", () => {
    const tested = goTest(path.join(REPO_ROOT, "examples", "go-lab"));
    assert.equal(tested.status, 0, tested.output);
    assert.match(tested.output, /^ok\s+cloudworkstation\.local\/examples\/go-lab/m);
  });
});
