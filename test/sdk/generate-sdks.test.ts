import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { goBuild, pipInstallPythonSdk, runPythonProgramWithMocks } from "../../harness/sdk-programs";
import { generateSdks, SDK_DIR, sdkDifferences } from "../../scripts/generate-sdks";

/**
 * `npm run sdk` (scripts/generate-sdks.ts) with a small TEST schema shaped like the provider's (an enum, a custom
 * resource, a component): the generated Python SDK installs and maps names under Pulumi's mocks, the Go SDK builds.
 * test/sdk/committed-sdks.test.ts checks the committed sdk/ against the real schema.json.
 */

const TEST_SCHEMA = path.join(__dirname, "fixtures", "provider-schema.json");
const WORKSTATION = "cloudworkstation:index:ResearchWorkstation";
const RESOLUTION = "cloudworkstation:index:AmiResolution";

/** A Go program using the generated SDK; `sizeArgument` is the ResearchWorkstationArgs.Size expression. */
function goProgram(sizeArgument: string): string {
  return `package main

import (
	"github.com/cloudworkstation/cloudworkstation/sdk/go/cloudworkstation"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		size := cloudworkstation.SizeGpuS
		_ = size
		ws, err := cloudworkstation.NewResearchWorkstation(ctx, "alice", &cloudworkstation.ResearchWorkstationArgs{
			TemplateName: pulumi.StringRef("python-ml"),
			Region:       pulumi.String("us-east-1"),
			Size:         ${sizeArgument},
		})
		if err != nil {
			return err
		}
		ctx.Export("amiId", ws.AmiId)
		return nil
	})
}
`;
}

/** The SDK's Go module path (sdk/go.mod), which a program requires and replaces with a local directory. */
const SDK_GO_MODULE = "github.com/cloudworkstation/cloudworkstation/sdk";

/** A Go module for `program`: sdk/go.mod's requirements plus the SDK module, replaced by `sdkRoot`; sdk/go.sum. */
function writeGoModule(dir: string, sdkRoot: string, program: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const sdkGoMod = fs.readFileSync(path.join(SDK_DIR, "go.mod"), "utf8");
  assert.match(sdkGoMod, new RegExp(`^module ${SDK_GO_MODULE}$`, "m"));
  const goMod = sdkGoMod.replace(/^module .*$/m, "module cloudworkstation.local/sdk-test-program");
  fs.writeFileSync(
    path.join(dir, "go.mod"),
    `${goMod}\nrequire ${SDK_GO_MODULE} v0.1.0\n\nreplace ${SDK_GO_MODULE} => ${sdkRoot}\n`,
  );
  fs.copyFileSync(path.join(SDK_DIR, "go.sum"), path.join(dir, "go.sum"));
  fs.writeFileSync(path.join(dir, "main.go"), program);
}

describe("npm run sdk (scripts/generate-sdks.ts)", () => {
  describe("comparing generated SDKs with sdk/", () => {
    let root: string;
    beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "cws-sdk-diff-"))));
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    };

    it("names each file that is missing, differs or is no longer generated, and ignores byte-code and build leftovers", () => {
      write("expected/python/pkg/a.py", "a");
      write("expected/python/pkg/b.py", "b");
      write("expected/go/pkg/c.go", "c");
      write("actual/python/pkg/a.py", "a");
      write("actual/python/pkg/__pycache__/a.cpython-311.pyc", "x");
      write("actual/python/build/lib/pkg/a.py", "a");
      write("actual/python/pkg.egg-info/PKG-INFO", "x");
      write("actual/go/pkg/c.go", "changed");
      write("actual/go/pkg/old.go", "old");
      assert.deepEqual(sdkDifferences(path.join(root, "expected"), path.join(root, "actual")), [
        "python/pkg/b.py is missing",
        "go/pkg/c.go differs",
        "go/pkg/old.go is not generated any more",
      ]);
      write("actual/python/pkg/b.py", "b");
      write("actual/go/pkg/c.go", "c");
      fs.rmSync(path.join(root, "actual/go/pkg/old.go"));
      assert.deepEqual(sdkDifferences(path.join(root, "expected"), path.join(root, "actual")), []);
    });
  });

  describe("the SDKs generated from a test schema", function () {
    this.timeout(600_000); // a cold Go build cache compiles the Pulumi Go SDK: minutes on 2 cores
    let scratch: string;
    before(() => {
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cws-sdk-gen-"));
      generateSdks(TEST_SCHEMA, path.join(scratch, "gen"));
      fs.copyFileSync(path.join(SDK_DIR, "go.mod"), path.join(scratch, "gen", "go.mod"));
      fs.copyFileSync(path.join(SDK_DIR, "go.sum"), path.join(scratch, "gen", "go.sum"));
    });
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("writes sdk/python and sdk/go with one module per resource", () => {
      for (const file of [
        "python/pulumi_cloudworkstation/research_workstation.py",
        "python/pulumi_cloudworkstation/ami_resolution.py",
        "python/pyproject.toml",
        "go/cloudworkstation/researchWorkstation.go",
        "go/cloudworkstation/amiResolution.go",
      ])
        assert.ok(fs.existsSync(path.join(scratch, "gen", file)), `${file} was generated`);
    });

    it("the Python SDK installs with pip and, under Pulumi's mocks, sends the schema's names and enum values and reads outputs back", () => {
      const site = path.join(scratch, "site");
      pipInstallPythonSdk(path.join(scratch, "gen", "python"), site);
      const program = path.join(scratch, "program.py");
      fs.writeFileSync(
        program,
        [
          "import pulumi_cloudworkstation as cloudworkstation",
          'cloudworkstation.ResearchWorkstation("alice", template_name="python-ml", region="us-east-1",',
          '    size=cloudworkstation.Size.GPU_S, allowed_cidrs=["203.0.113.0/24"], tags={"cost-centre": "4711"})',
          'cloudworkstation.AmiResolution("r-eu", template="r-research", region="eu-west-1", size=cloudworkstation.Size.L)',
          "",
        ].join("\n"),
      );
      const run = runPythonProgramWithMocks(program, site, {
        [WORKSTATION]: { instanceId: "i-0123456789abcdef0", amiId: "ami-0abc", fallbackChain: ["catalog: hit"] },
        [RESOLUTION]: { amiId: "ami-0def", method: "catalog", fallbackChain: ["catalog: hit"] },
      });
      assert.deepEqual(run.resources, [
        {
          type: WORKSTATION,
          name: "alice",
          inputs: {
            templateName: "python-ml",
            region: "us-east-1",
            size: "GPU-S",
            allowedCidrs: ["203.0.113.0/24"],
            tags: { "cost-centre": "4711" },
          },
        },
        { type: RESOLUTION, name: "r-eu", inputs: { template: "r-research", region: "eu-west-1", size: "L" } },
      ]);
      assert.deepEqual(run.outputs[WORKSTATION].alice, {
        instance_id: "i-0123456789abcdef0",
        ami_id: "ami-0abc",
        fallback_chain: ["catalog: hit"],
      });
      assert.equal(run.outputs[RESOLUTION]["r-eu"].method, "catalog");
    });

    it("the Go SDK builds into a program, and a program giving a string where the schema has the Size enum does not", () => {
      const built = goBuild(
        writeProgram("good", goProgram("&size")),
        path.join(scratch, "good", "program"),
      );
      assert.equal(built.status, 0, built.output);
      const rejected = goBuild(
        writeProgram("bad", goProgram('pulumi.StringRef("GPU-S")')),
        path.join(scratch, "bad", "program"),
      );
      assert.notEqual(rejected.status, 0, "a *string is not a *Size");
      assert.match(rejected.output, /cannot use pulumi\.StringRef\("GPU-S"\)/);
    });

    function writeProgram(name: string, program: string): string {
      const dir = path.join(scratch, name);
      writeGoModule(dir, path.join(scratch, "gen"), program);
      return dir;
    }
  });
});
