import assert from "node:assert/strict";
import { TIER_ORDER } from "../../src/resolver/types";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { parse as parseYaml } from "yaml";
import { resolveAmi } from "../../src/resolver";
import { loadTemplate } from "../../src/templates";
import { MotoServer, startMoto } from "../../harness/moto";
import {
  createImageFromInstance,
  deregisterInRegions,
  FIXTURE_BASE_IMAGES,
  publishPublicParameter,
} from "../../harness/seed";
import { AMI_RESOLUTION_TYPE } from "../../src/dynamic/ami-resolution";
import {
  e2eGate,
  findPulumiCli,
  lockedPulumiVersion,
  PulumiProject,
  PulumiSandbox,
  REPO_ROOT,
  type CommandResult,
} from "../../harness/pulumi-cli";

/**
 * End-to-end: our resources under the REAL Pulumi engine — the `pulumi` CLI that `npm run setup` builds (or one on
 * PATH), a local file backend in a temporary directory, moto as the AWS endpoint. Each program is a plain JS file in
 * a temporary project requiring the compiled `dist/` modules (node_modules symlinked); its Pulumi.yaml names the
 * `cloudworkstation` plugin launcher (bin/), which serves every resource from one process, as in production.
 *
 * Plugin limitation: the AWS provider plugin (pulumi-resource-aws) cannot be downloaded here, so only resources that
 * need no AWS plugin run under the engine here: AmiResolution, SavedTemplate, RegionalAmiCopy and the MultiRegionAmi
 * component (test/e2e/workstation.test.ts runs ResearchWorkstation with the AWS provider stand-in). A stack made with
 * the dynamic resources of earlier versions moving over: test/e2e/migration.test.ts.
 *
 * Prerequisites: `npm run setup` (CLI) and `npm run build` (`npm test` builds first; run that after editing src/ —
 * these programs load dist/, not the sources). Without them the suite FAILS saying so; `CWS_SKIP_E2E=1` skips it
 * instead, with a loud line on the console. Stacks are few and reused across steps, because every pulumi command
 * takes seconds: each `describe` below is one stack, and its `it`s are consecutive steps on it (run in order).
 */

const DIST = path.join(REPO_ROOT, "dist", "src");
const AMI_RESOLUTION_JS = path.join(DIST, "dynamic", "ami-resolution.js");
const SAVED_TEMPLATE_JS = path.join(DIST, "dynamic", "saved-template.js");
const MULTI_REGION_AMI_JS = path.join(DIST, "components", "multi-region-ami.js");
const DIST_FILES = [
  AMI_RESOLUTION_JS,
  SAVED_TEMPLATE_JS,
  MULTI_REGION_AMI_JS,
  path.join(DIST, "dynamic", "regional-ami-copy.js"),
];

const NOBLE_OLDER = "ami-00c41000000000001"; // Canonical noble amd64, 2026-09-12
const NOBLE_NEWEST = "ami-00c41000000000002"; // Canonical noble amd64, 2026-10-30
const SQUATTER_NOBLE = "ami-00bad000000000001"; // 210987654321, same name pattern, 2026-11-20: never chosen
const UBUNTU_PARAMETER = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id";
const NOBLE_PATTERN = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-*-server-*";

/**
 * Chain lines that did not change must not show as changed (`"<old line>" => "<new line>"`): the re-resolution reason
 * is `resolutionNote`, not a line prepended to the chain that would shift every line by one.
 */
function assertUnchangedChainLinesNotShown(diffText: string, lines: string[]): void {
  for (const line of lines) {
    assert.doesNotMatch(diffText, new RegExp(`"${quoted(line)}" =>`), `"${line}" is shown as changed:\n${diffText}`);
    assert.doesNotMatch(diffText, new RegExp(`=> "${quoted(line)}"`), `"${line}" is shown as new:\n${diffText}`);
  }
}

function assertOk(result: CommandResult): void {
  assert.equal(result.status, 0, `${result.command} exited ${result.status}:\n${result.output}`);
}

/** `text` as a regular expression matching it inside a string that Pulumi's display prints quoted (`"` as `\\"`). */
function quoted(text: string): string {
  return text.replace(/"/g, '\\"').replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A `[i]: "…"` line of a fallback chain as `pulumi preview --diff` prints a created resource (long strings are cut). */
function chainLine(index: number, text: string): RegExp {
  return new RegExp(`\\[${index}\\]: "${quoted(text)}`);
}

interface ResolutionSummary {
  amiId: string;
  method: string;
  fallbackChain: string[];
  instanceType: string;
}

/** The planned values of each AmiResolution in a `pulumi preview --json` (its checked inputs: resolution happens in check). */
function previewedResolutions(json: string): Record<string, ResolutionSummary> {
  const preview = JSON.parse(json) as {
    steps: { urn: string; newState?: { type: string; inputs?: Record<string, unknown> } }[];
  };
  const out: Record<string, ResolutionSummary> = {};
  for (const step of preview.steps) {
    if (step.newState?.type !== AMI_RESOLUTION_TYPE) continue;
    const inputs = step.newState.inputs ?? {};
    out[step.urn.split("::").pop() as string] = {
      amiId: inputs.amiId as string,
      method: inputs.method as string,
      fallbackChain: inputs.fallbackChain as string[],
      instanceType: inputs.instanceType as string,
    };
  }
  return out;
}

async function selfImages(ec2: EC2Client): Promise<Map<string, Record<string, string>>> {
  const { Images = [] } = await ec2.send(new DescribeImagesCommand({ Owners: ["self"] }));
  return new Map(
    Images.map((image) => [
      image.ImageId as string,
      Object.fromEntries((image.Tags ?? []).map((t) => [t.Key, t.Value])),
    ]),
  );
}

async function instanceState(ec2: EC2Client, instanceId: string): Promise<string | undefined> {
  const { Reservations = [] } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  return Reservations[0]?.Instances?.[0]?.State?.Name;
}

async function selfSnapshotIds(ec2: EC2Client): Promise<Set<string>> {
  const { Snapshots = [] } = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] }));
  return new Set(Snapshots.map((s) => s.SnapshotId as string));
}

const sorted = (ids: Iterable<string>) => [...ids].sort();

describe("the end-to-end gate (finding the Pulumi CLI and the build)", () => {
  let scratch: string;
  const locked = lockedPulumiVersion() ?? "0.0.0";
  const fakeCli = (dir: string, names: string[]) => {
    fs.mkdirSync(dir, { recursive: true });
    for (const name of names) fs.writeFileSync(path.join(dir, name), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  };
  const allNames = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"];

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cws-gate-"));
    fs.mkdirSync(path.join(scratch, "empty-path"));
    fs.mkdirSync(path.join(scratch, "cache"));
    fs.writeFileSync(path.join(scratch, "built.js"), "");
  });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  const env = (extra: Record<string, string> = {}) => ({
    PATH: path.join(scratch, "empty-path"),
    XDG_CACHE_HOME: path.join(scratch, "cache"),
    ...extra,
  });

  it("fails, saying to run npm run setup, when the CLI is neither on PATH nor in the setup cache", () => {
    assert.throws(
      () => e2eGate({ env: env(), distFiles: [path.join(scratch, "built.js")] }),
      (error: Error) =>
        /the Pulumi CLI .* is neither on PATH nor in .*cloudworkstation\/pulumi-.*\/bin: run `npm run setup`/.test(
          error.message,
        ) && /set CWS_SKIP_E2E=1/.test(error.message),
    );
  });

  it("fails, saying to run npm run build, when dist/ is missing, even with the CLI present", () => {
    fakeCli(path.join(scratch, "cache", "cloudworkstation", `pulumi-${locked}`, "bin"), allNames);
    assert.throws(
      () => e2eGate({ env: env(), distFiles: [path.join(scratch, "dist", "x.js")] }),
      /compiled provider is missing \(.*x\.js\): run `npm run build`/,
    );
  });

  it("with CWS_SKIP_E2E=1 the same situation is a skip carrying the reason, not an error", () => {
    const gate = e2eGate({ env: env({ CWS_SKIP_E2E: "1" }), distFiles: [path.join(scratch, "built.js")] });
    assert.equal(gate.run, false);
    assert.match((gate as { reason: string }).reason, /npm run setup/);
  });

  it("finds the CLI in the setup cache, preferring the locked version, and ignores an incomplete build", () => {
    fakeCli(path.join(scratch, "cache", "cloudworkstation", "pulumi-3.999.0", "bin"), [
      "pulumi",
      "pulumi-language-nodejs",
    ]);
    fakeCli(path.join(scratch, "cache", "cloudworkstation", "pulumi-3.1.0", "bin"), allNames);
    assert.deepEqual(findPulumiCli(env()), {
      binDir: path.join(scratch, "cache", "cloudworkstation", "pulumi-3.1.0", "bin"),
      source: "setup cache",
    });
    fakeCli(path.join(scratch, "cache", "cloudworkstation", `pulumi-${locked}`, "bin"), allNames);
    assert.deepEqual(findPulumiCli(env()), {
      binDir: path.join(scratch, "cache", "cloudworkstation", `pulumi-${locked}`, "bin"),
      source: "setup cache",
    });
  });

  it("prefers a pulumi on PATH that has the Node.js language host next to it", () => {
    fakeCli(path.join(scratch, "cache", "cloudworkstation", `pulumi-${locked}`, "bin"), allNames);
    fakeCli(path.join(scratch, "bare"), ["pulumi"]);
    fakeCli(path.join(scratch, "installed"), ["pulumi", "pulumi-language-nodejs"]);
    const PATH = [path.join(scratch, "bare"), path.join(scratch, "installed")].join(path.delimiter);
    assert.deepEqual(findPulumiCli(env({ PATH })), { binDir: path.join(scratch, "installed"), source: "PATH" });
  });
});

describe("CloudWorkstation under the real Pulumi engine (pulumi CLI, local backend, moto)", function () {
  this.timeout(240_000);
  let moto: MotoServer | undefined;
  let sandbox: PulumiSandbox | undefined;

  before(async function () {
    const gate = e2eGate({ distFiles: DIST_FILES });
    if (!gate.run) {
      console.log(
        `\n  ${"!".repeat(100)}\n  !! SKIPPING the end-to-end tests under the real Pulumi engine (CWS_SKIP_E2E=1):\n  !! ${gate.reason}\n  ${"!".repeat(100)}\n`,
      );
      this.skip();
    }
    moto = await startMoto();
    sandbox = PulumiSandbox.create(gate.cli, moto.env(), "cws-e2e-");
  });

  after(async () => {
    sandbox?.dispose();
    await moto?.stop();
  });

  describe("AmiResolution: preview, up, pinning and re-resolution (one stack, consecutive steps)", () => {
    let project: PulumiProject;
    let newerNoble: string;
    let previewed: Record<string, ResolutionSummary>;

    before(async function () {
      if (!sandbox || !moto) this.skip();
      // us-west-2: Canonical's parameter names the OLDER image, so the SSM tier (not the newest by search) decides there.
      await publishPublicParameter(moto!.clients().ssm("us-west-2"), UBUNTU_PARAMETER, NOBLE_OLDER);
      project = sandbox!.project("cws-e2e-pinning", {
        program: `const pulumi = require("@pulumi/pulumi");
const { AmiResolution } = require(${JSON.stringify(AMI_RESOLUTION_JS)});
const refresh = new pulumi.Config().get("refresh") || "pinned";
const east = new AmiResolution("east", {
  templateObject: { name: "noble-lab", version: "2.1.0", base: "ubuntu-24.04",
    ami_config: { ami_search: { owners: ["099720109477", "self"], name_pattern: ${JSON.stringify(NOBLE_PATTERN)} } } },
  region: "us-east-1", size: "M", refresh,
});
const west = new AmiResolution("west", {
  templateObject: { name: "noble-ssm", version: "1.0.0", base: "ubuntu-24.04",
    ami_config: { ssm_parameter: ${JSON.stringify(UBUNTU_PARAMETER)}, trusted_owners: ["099720109477"] } },
  region: "us-west-2", size: "M", refresh,
});
const summary = (r) => ({ amiId: r.amiId, method: r.method, fallbackChain: r.fallbackChain, instanceType: r.instanceType });
exports.east = summary(east);
exports.west = summary(west);
`,
      });
      assertOk(await project.run(["stack", "init", "e2e"]));
    });

    it("pulumi preview --diff prints the resolved AMI ids and every fallback-chain line, refusing the squatter's newer image", async () => {
      const preview = await project.run(["preview", "--diff"]);
      assertOk(preview);
      const out = preview.stdout;
      assert.match(out, new RegExp(`amiId\\s+: "${NOBLE_NEWEST}"`), "east's AMI is a concrete value in the preview");
      assert.match(
        out,
        new RegExp(`amiId\\s+: "${NOBLE_OLDER}"`),
        "west's AMI (from the SSM parameter) is a concrete value",
      );
      for (const [index, text] of [
        "– direct_mapping: no ami_mappings in ami_config",
        "– catalog: no catalog in ami_config",
        "– ssm_parameter: no ssm_parameter in ami_config",
        `✓ dynamic_search: selected ${NOBLE_NEWEST} ("ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261030"`,
        `– marketplace: an earlier tier selected ${NOBLE_NEWEST}`,
        `– cross_region: an earlier tier selected ${NOBLE_NEWEST}`,
        `– fallback_script: an earlier tier selected ${NOBLE_NEWEST}`,
      ].entries()) {
        assert.match(out, chainLine(index, text), `east's chain line ${index}`);
      }
      assert.match(
        out,
        chainLine(2, `✓ ssm_parameter: selected ${NOBLE_OLDER}`),
        "west's chain: the SSM tier selected",
      );
      assert.doesNotMatch(out, new RegExp(`selected ${SQUATTER_NOBLE}`));
      assert.match(out, /method\s+: "dynamic_search"/);
      assert.match(out, /method\s+: "ssm_parameter"/);
      assert.match(out, /\+ 3 to create/);
    });

    it("pulumi up launches exactly what pulumi preview --json planned: the stack outputs equal the previewed values", async () => {
      const planned = await project.run(["preview", "--json"]);
      assertOk(planned);
      previewed = previewedResolutions(planned.stdout);
      assert.deepEqual(Object.keys(previewed).sort(), ["east", "west"]);
      assert.equal(previewed.east.amiId, NOBLE_NEWEST);
      assert.equal(previewed.east.method, "dynamic_search");
      assert.equal(previewed.east.fallbackChain.length, TIER_ORDER.length);
      assert.equal(previewed.west.amiId, NOBLE_OLDER);
      assert.equal(previewed.west.method, "ssm_parameter");

      const up = await project.run(["up", "--yes", "--skip-preview"]);
      assertOk(up);
      assert.match(up.stdout, /\+ 3 created/);
      const outputs = await project.run(["stack", "output", "--json"]);
      assertOk(outputs);
      assert.deepEqual(JSON.parse(outputs.stdout), previewed);
    });

    it("an unchanged stack previews with no changes, and still does after a newer matching image appears (refresh: pinned)", async () => {
      const again = await project.run(["preview", "--expect-no-changes"]);
      assertOk(again);
      assert.match(again.stdout, /3 unchanged/);

      newerNoble = await createImageFromInstance(moto!.clients().ec2("us-east-1"), {
        sourceAmiId: NOBLE_NEWEST,
        name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261121",
      });
      const pinned = await project.run(["preview", "--expect-no-changes"]);
      assert.equal(pinned.status, 0, `a newer image must not change a pinned stack:\n${pinned.output}`);
      assert.match(pinned.stdout, /3 unchanged/);
    });

    it("with refresh: latest (a config change) the preview proposes the newer AMI, resolutionNote says why, and unchanged chain lines are not shown as changed", async () => {
      assertOk(await project.run(["config", "set", "refresh", "latest"]));
      try {
        const latest = await project.run(["preview", "--diff"]);
        assertOk(latest);
        assert.match(latest.stdout, new RegExp(`~ amiId\\s+: "${NOBLE_NEWEST}" => "${newerNoble}"`));
        assert.match(
          latest.stdout,
          new RegExp(
            `\\+ resolutionNote\\s+: "↻ refresh: latest — ${newerNoble} replaced ${NOBLE_NEWEST} \\(the previous pick; a newer or better-ranked image now wins\\)"`,
          ),
        );
        assertUnchangedChainLinesNotShown(latest.stdout, [
          "– direct_mapping: no ami_mappings in ami_config",
          "– ssm_parameter: no ssm_parameter in ami_config",
        ]);
        assert.match(
          latest.stdout,
          new RegExp(
            `=> "${quoted(`✓ dynamic_search: selected ${newerNoble} ("ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261121"`)}`,
          ),
        );
        // Both update their refresh input; west's parameter still names the same image, so its AMI stays.
        assert.match(latest.stdout, /~ 2 to update/);
        assert.match(latest.stdout, /~ refresh\s+: "pinned" => "latest"/);
        assert.doesNotMatch(latest.stdout, new RegExp(`"${NOBLE_OLDER}" =>`));
      } finally {
        assertOk(await project.run(["config", "set", "refresh", "pinned"]));
      }
    });

    it("when the pinned AMI is deregistered, the preview re-resolves, resolutionNote says why, and unchanged chain lines are not shown as changed", async () => {
      await deregisterInRegions(moto!.clients(), NOBLE_NEWEST, ["us-east-1"]);
      const broken = await project.run(["preview", "--diff"]);
      assertOk(broken);
      assert.match(broken.stdout, new RegExp(`~ ${AMI_RESOLUTION_TYPE}: \\(update\\)`));
      assert.match(broken.stdout, new RegExp(`~ amiId\\s+: "${NOBLE_NEWEST}" => "${newerNoble}"`));
      assert.match(
        broken.stdout,
        new RegExp(
          `\\+ resolutionNote\\s+: "↻ re-resolved: pinned ${NOBLE_NEWEST} was deregistered \\(DescribeImages no longer returns it\\)"`,
        ),
      );
      assert.doesNotMatch(broken.stdout, /fallbackChain.*\n.*=> "↻/, "the reason is not a chain line");
      assertUnchangedChainLinesNotShown(broken.stdout, [
        "– direct_mapping: no ami_mappings in ami_config",
        "– ssm_parameter: no ssm_parameter in ami_config",
      ]);
      assert.match(broken.stdout, /~ 1 to update/);
    });
  });

  describe("an unresolvable template", () => {
    it("fails pulumi preview (non-zero exit) with a check failure naming the template, the region and the whole chain", async function () {
      if (!sandbox) this.skip();
      const project = sandbox!.project("cws-e2e-unresolvable", {
        program: `const { AmiResolution } = require(${JSON.stringify(AMI_RESOLUTION_JS)});
const gpu = new AmiResolution("gpu", {
  templateObject: { name: "cuda-lab", version: "1.0.0", base: "ubuntu-24.04",
    ami_config: { strategy: "ami_required", ami_search: { owners: ["self"], name_pattern: "cuda-lab-*" } } },
  region: "eu-west-1", size: "M",
});
exports.amiId = gpu.amiId;
`,
      });
      assertOk(await project.run(["stack", "init", "e2e"]));
      const preview = await project.run(["preview", "--diff"]);
      assert.notEqual(preview.status, 0, `the preview must fail:\n${preview.output}`);
      const text = preview.output;
      assert.match(text, /AmiResolution resource 'gpu'/);
      assert.match(
        text,
        /no launchable AMI for template "cuda-lab" \(inline object\) in eu-west-1 \(strategy ami_required\); fallback chain:/,
      );
      for (const line of [
        "– direct_mapping: no ami_mappings in ami_config",
        "– catalog: no catalog in ami_config",
        "– ssm_parameter: no ssm_parameter in ami_config",
        "✗ dynamic_search: no image matches owners [self] architecture=x86_64 state=available name=cuda-lab-* in eu-west-1",
        "– marketplace: no marketplace_search in ami_config",
        "– cross_region: cross-region copy not enabled",
        "– fallback_script: strategy ami_required does not allow script provisioning",
      ]) {
        assert.ok(text.includes(line), `the failure shows the chain line "${line}":\n${text}`);
      }
      assert.match(text, /What to do: add an AMI source that exists in this region/);
    });
  });

  describe("SavedTemplate + MultiRegionAmi: capture and copy through pulumi up, and destroy (one stack)", () => {
    const REGIONS = ["us-east-1", "us-west-2", "eu-west-1"];
    const COPY_REGIONS = ["us-west-2", "eu-west-1"];
    let project: PulumiProject;
    let instanceId: string;
    let templatesDir: string;
    let ec2: (region: string) => EC2Client;
    let baseline: Record<string, string[]>;
    let outputs: {
      savedAmiId: string;
      savedTemplateYaml: string;
      templateYaml: string;
      amiIds: Record<string, string>;
      copySnapshots: Record<string, string[]>;
    };

    const imagesNow = async () => {
      const now: Record<string, Map<string, Record<string, string>>> = {};
      for (const region of REGIONS) now[region] = await selfImages(ec2(region));
      return now;
    };

    before(async function () {
      if (!sandbox || !moto) this.skip();
      await moto!.reset();
      const clients = moto!.clients();
      ec2 = (region) => clients.ec2(region);
      const { Instances = [] } = await ec2("us-east-1").send(
        new RunInstancesCommand({
          ImageId: FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64,
          InstanceType: "t3.micro",
          MinCount: 1,
          MaxCount: 1,
        }),
      );
      instanceId = Instances[0]?.InstanceId as string;
      assert.equal(await instanceState(ec2("us-east-1"), instanceId), "running");
      baseline = Object.fromEntries(
        Object.entries(await imagesNow()).map(([region, images]) => [region, sorted(images.keys())]),
      );
      templatesDir = path.join(sandbox!.root, "lab-templates");
      // Installed as a package inside the project, so moving the project makes the module paths in state stale.
      project = sandbox!.project(
        "cws-e2e-imaging",
        {
          program: `const pulumi = require("@pulumi/pulumi");
const { SavedTemplate, MultiRegionAmi } = require("cloudworkstation");
// retainOnDelete: the default (true) for the saved image; false for the copies.
const saved = new SavedTemplate("rnaseq", {
  instanceId: ${JSON.stringify(instanceId)}, region: "us-east-1", templateName: "rnaseq-e2e",
  baseTemplate: "ubuntu-24.04-base", tags: { Project: "rnaseq" }, templatesDir: ${JSON.stringify(templatesDir)},
});
// savedTemplate: the template file is rewritten to map the image in every region once the copies exist.
const everywhere = new MultiRegionAmi("rnaseq", {
  sourceAmiId: saved.amiId, sourceRegion: "us-east-1", regions: ${JSON.stringify(REGIONS)},
  retainOnDelete: false, tags: { Stage: "e2e" }, savedTemplate: saved,
});
exports.savedAmiId = saved.amiId;
exports.savedTemplateYaml = saved.templateYaml;
exports.templateYaml = everywhere.templateYaml;
exports.amiIds = everywhere.amiIds;
exports.copySnapshots = pulumi.all(Object.fromEntries(Object.entries(everywhere.copies).map(([region, copy]) => [region, copy.snapshotIds])));
`,
        },
        { installedFrom: REPO_ROOT },
      );
      assertOk(await project.run(["stack", "init", "e2e"]));
    });

    it("pulumi preview plans the capture and one copy per region without touching the instance or making an image", async () => {
      const preview = await project.run(["preview", "--diff"]);
      assertOk(preview);
      assert.match(preview.stdout, /\+ cloudworkstation:index:SavedTemplate: \(create\)/);
      for (const region of REGIONS) assert.match(preview.stdout, new RegExp(`RegionalAmiCopy::rnaseq-${region}\\]`));
      assert.match(
        preview.stdout,
        /sourceAmiId\s+: \[unknown\]/,
        "the copies' source is the capture, unknown until up",
      );
      assert.match(preview.stdout, /\+ 7 to create/);

      assert.equal(await instanceState(ec2("us-east-1"), instanceId), "running");
      const now = await imagesNow();
      for (const region of REGIONS)
        assert.deepEqual(sorted(now[region].keys()), baseline[region], `no image made in ${region} by a preview`);
    });

    it("pulumi up captures the instance (running again afterwards), tags the AMI, and copies it with tags to each other region", async () => {
      const up = await project.run(["up", "--yes", "--skip-preview"]);
      assertOk(up);
      assert.match(up.stdout, /\+ 7 created/);
      const stackOutputs = await project.run(["stack", "output", "--json"]);
      assertOk(stackOutputs);
      outputs = JSON.parse(stackOutputs.stdout);
      const saved = outputs.savedAmiId;
      assert.match(saved, /^ami-[0-9a-f]+$/);

      assert.equal(
        await instanceState(ec2("us-east-1"), instanceId),
        "running",
        "the instance stopped for the capture is started again",
      );
      const now = await imagesNow();
      assert.deepEqual(
        sorted(now["us-east-1"].keys()),
        sorted([...baseline["us-east-1"], saved]),
        "exactly one new image in the source region",
      );
      const savedTags = now["us-east-1"].get(saved) ?? {};
      assert.equal(savedTags["cloudworkstation:managed"], "true");
      assert.equal(savedTags["cloudworkstation:template"], "rnaseq-e2e");
      assert.equal(savedTags["cloudworkstation:source-instance"], instanceId);
      assert.equal(savedTags.Project, "rnaseq");

      assert.equal(outputs.amiIds["us-east-1"], saved, "the source region maps to the saved image itself, no copy");
      for (const region of COPY_REGIONS) {
        const copy = outputs.amiIds[region];
        assert.notEqual(copy, saved);
        assert.deepEqual(
          sorted(now[region].keys()),
          sorted([...baseline[region], copy]),
          `exactly the copy is new in ${region}`,
        );
        const tags = now[region].get(copy) ?? {};
        assert.equal(tags["cloudworkstation:copied-from"], `us-east-1/${saved}`, `${region} copy's origin tag`);
        assert.equal(tags["cloudworkstation:managed"], "true");
        assert.equal(tags.Stage, "e2e");
        assert.equal(tags.Project, "rnaseq", "the source image's tags travel with the copy");
        assert.ok(outputs.copySnapshots[region].length > 0);
        const snapshots = await selfSnapshotIds(ec2(region));
        for (const id of outputs.copySnapshots[region])
          assert.ok(snapshots.has(id), `${region} copy's snapshot ${id} exists`);
      }
      const own = parseYaml(outputs.savedTemplateYaml) as {
        ami_config: { ami_mappings: Record<string, Record<string, string>> };
      };
      assert.deepEqual(own.ami_config.ami_mappings, { "us-east-1": { x86_64: saved } });
    });

    it("the written template maps the image in every region it was copied to, resolves there against moto, and keeps its timestamp a string", async () => {
      const file = path.join(templatesDir, "rnaseq-e2e.yml");
      const text = fs.readFileSync(file, "utf8");
      assert.equal(text, outputs.templateYaml);
      assert.match(text, /^# Saved by CloudWorkstation/, "the header survives the rewrite");
      const yaml11 = parseYaml(text, { version: "1.1" }) as { tags: Record<string, unknown> };
      assert.equal(typeof yaml11.tags["cloudworkstation:saved"], "string", "a YAML 1.1 reader does not make it a date");
      const { template } = loadTemplate("rnaseq-e2e", { templatesDirs: [templatesDir] });
      for (const region of REGIONS) {
        const result = await resolveAmi(template, { region, architecture: "x86_64" }, moto!.clients());
        assert.equal(
          result.method,
          "direct_mapping",
          `${region}: ${result.fallbackChain.map((s) => s.detail).join("; ")}`,
        );
        assert.equal(result.amiId, outputs.amiIds[region], `${region} resolves to its own copy`);
      }
    });

    it("after the project directory is renamed, pulumi refresh succeeds and changes nothing (state names no module path)", async () => {
      const before = project.dir;
      project = project.moveTo(`${before}-moved`);
      assert.equal(fs.existsSync(path.join(before, "node_modules", "cloudworkstation")), false);
      // Pulumi remembers the selected stack per project path, so a moved project selects it again.
      assertOk(await project.run(["stack", "select", "e2e"]));
      const exported = await project.run(["stack", "export"]);
      assertOk(exported);
      assert.ok(!exported.stdout.includes("__provider"), "no provider module text in state");
      assert.ok(!exported.stdout.includes(path.join(before, "node_modules")), "state names no module of the project");
      const refresh = await project.run(["refresh", "--yes", "--skip-preview"]);
      assertOk(refresh);
      assert.doesNotMatch(refresh.stdout, /deleted|updated|replaced/);
      const now = await imagesNow();
      assert.deepEqual(
        sorted(now["us-east-1"].keys()),
        sorted([...baseline["us-east-1"], outputs.savedAmiId]),
        "refresh makes and removes nothing",
      );
    });

    it("pulumi destroy of the moved project keeps the retained saved AMI and deregisters the copies with their snapshots", async () => {
      const destroy = await project.run(["destroy", "--yes", "--skip-preview"]);
      assertOk(destroy);
      assert.match(destroy.stdout, /- 7 deleted/);
      assert.match(
        destroy.output,
        new RegExp(`SavedTemplate: keeping ${outputs.savedAmiId} in us-east-1 \\(retainOnDelete\\)`),
      );

      const now = await imagesNow();
      assert.deepEqual(
        sorted(now["us-east-1"].keys()),
        sorted([...baseline["us-east-1"], outputs.savedAmiId]),
        "the saved image is kept",
      );
      for (const region of COPY_REGIONS) {
        assert.deepEqual(sorted(now[region].keys()), baseline[region], `the copy in ${region} is deregistered`);
        const snapshots = await selfSnapshotIds(ec2(region));
        for (const id of outputs.copySnapshots[region])
          assert.ok(!snapshots.has(id), `${region} copy's snapshot ${id} is deleted`);
      }
      assert.equal(await instanceState(ec2("us-east-1"), instanceId), "running", "destroy never touches the instance");
      assert.equal(
        fs.readFileSync(path.join(templatesDir, "rnaseq-e2e.yml"), "utf8"),
        outputs.savedTemplateYaml,
        "the file no longer names the deregistered copies: it maps the kept saved image only",
      );
    });
  });
});
