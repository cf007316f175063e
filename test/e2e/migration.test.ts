import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { startMoto, type MotoServer } from "../../harness/moto";
import {
  e2eGate,
  PulumiSandbox,
  REPO_ROOT,
  type CommandResult,
  type PulumiCli,
  type PulumiProject,
} from "../../harness/pulumi-cli";
import { FIXTURE_BASE_IMAGES } from "../../harness/seed";
import { BEFORE_HOST_PROGRAM, BEFORE_HOST_PROJECT, BEFORE_HOST_STACK, BEFORE_HOST_STATE } from "./fixtures/before-host";

/**
 * The move from dynamic resources to the `cloudworkstation` plugin under the REAL engine: two existing stacks — the
 * before-host fixture (made by an older version) and one made here with the dynamic resources of versions before the
 * plugin (`registerAsDynamicResources`, turned on by config `dynamic: true`) — are previewed, updated and destroyed
 * by today's code, whose resources the plugin serves (its launcher named in the project's Pulumi.yaml). Wanted: 0
 * replacements, only in-place updates of our own bookkeeping, no AWS write, no `__provider` or path in the state.
 */

const REGIONS = ["us-east-1", "us-west-2"];
/** The five custom resources of BEFORE_HOST_PROGRAM (the stack and the MultiRegionAmi component stay the same). */
const CUSTOM_RESOURCES = ["east", "west", "lab", "lab-us-east-1", "lab-us-west-2"];

/**
 * Prepended to BEFORE_HOST_PROGRAM (kept byte-for-byte: it decides the fixture's inputs). With config `dynamic:
 * true` every resource registers as the dynamic resource versions before the plugin registered; without it, today's
 * `cloudworkstation:index:<Name>`.
 */
const AS_BEFORE_THE_PLUGIN = `if (new (require("@pulumi/pulumi").Config)().getBoolean("dynamic"))
  require("cloudworkstation/dist/src/dynamic/host").registerAsDynamicResources(true);
`;

/**
 * Stacks made by older code, exported: before-host.stack.json by commit 7015995's dynamic resources (before the one
 * provider host), before-ground-floor.stack.json by commit 70b93b5's (the last before issue 21 moved src/core and the
 * pin). Both by make-before-host-fixture.ts from the same program.
 */
const FIXTURES = [
  { made: "commit 7015995's dynamic resources (test/e2e/fixtures/before-host.stack.json)", state: BEFORE_HOST_STATE },
  {
    made: "commit 70b93b5's dynamic resources (test/e2e/fixtures/before-ground-floor.stack.json)",
    state: path.join(__dirname, "fixtures", "before-ground-floor.stack.json"),
  },
];

type Step = { op: string; urn: string; type?: string; newState?: { type: string } };
type StoredResource = { urn: string; type: string; custom: boolean; id?: string; inputs?: object; outputs?: object };

function assertOk(result: CommandResult): void {
  assert.equal(result.status, 0, `${result.command} exited ${result.status}:\n${result.output}`);
}

const nameOf = (urn: string) => urn.split("::").pop() as string;

/** Every image, snapshot and instance of the account in REGIONS (with tags and state): what an AWS write changes. */
async function awsLandscape(moto: MotoServer): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const region of REGIONS) {
    const ec2 = moto.clients().ec2(region);
    const { Images = [] } = await ec2.send(new DescribeImagesCommand({ Owners: ["self"] }));
    const { Snapshots = [] } = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] }));
    const { Reservations = [] } = await ec2.send(new DescribeInstancesCommand({}));
    out[region] = {
      images: Images.map((image) => ({ id: image.ImageId, state: image.State, tags: image.Tags })).sort((a, b) =>
        String(a.id).localeCompare(String(b.id)),
      ),
      snapshots: Snapshots.map((snapshot) => snapshot.SnapshotId).sort(),
      instances: Reservations.flatMap((reservation) => reservation.Instances ?? [])
        .map((instance) => ({ id: instance.InstanceId, state: instance.State?.Name, tags: instance.Tags }))
        .sort((a, b) => String(a.id).localeCompare(String(b.id))),
    };
  }
  return out;
}

/**
 * The preview of the switched program on an existing stack: no replacement, create or delete of a resource, and
 * exactly the five custom resources updated in place (the stack and the component unchanged).
 */
async function assertMigrationPreview(project: PulumiProject): Promise<Record<string, number>> {
  const planned = await project.run(["preview", "--json"]);
  assertOk(planned);
  const preview = JSON.parse(planned.stdout) as { steps: Step[]; changeSummary: Record<string, number> };
  const resourceSteps = preview.steps.filter((step) => !(step.newState?.type ?? "").startsWith("pulumi:providers:"));
  const byOp = (op: string) =>
    resourceSteps
      .filter((step) => step.op === op)
      .map((step) => nameOf(step.urn))
      .sort();
  for (const op of ["replace", "create-replacement", "delete-replaced", "create", "delete"])
    assert.deepEqual(byOp(op), [], `${op} steps in the migration preview:\n${planned.stdout}`);
  assert.deepEqual(byOp("update"), [...CUSTOM_RESOURCES].sort(), planned.stdout);
  assert.deepEqual(preview.changeSummary, { same: 2, update: 5 }, planned.stdout);
  return preview.changeSummary;
}

/**
 * The exported state: plugin types only, one cloudworkstation provider, and no `__provider` or path of this machine
 * in what the program and the plugin wrote (ids, inputs, outputs). The engine's own `sourcePosition`/`stackTrace`
 * (the program's call sites, relative to the project) are not ours and are left out of the scan.
 */
async function assertPluginState(project: PulumiProject, sandbox: PulumiSandbox): Promise<void> {
  const exported = await project.run(["stack", "export"]);
  assertOk(exported);
  const resources = (JSON.parse(exported.stdout) as { deployment: { resources: StoredResource[] } }).deployment
    .resources;
  const text = JSON.stringify(resources.map(({ urn, id, inputs, outputs }) => ({ urn, id, inputs, outputs })));
  const custom = resources.filter((resource) => resource.custom && !resource.type.startsWith("pulumi:providers:"));
  assert.deepEqual(custom.map((resource) => nameOf(resource.urn)).sort(), [...CUSTOM_RESOURCES].sort());
  for (const resource of custom) assert.match(resource.type, /^cloudworkstation:index:/, resource.urn);
  assert.deepEqual(
    resources.filter((resource) => resource.type.startsWith("pulumi-nodejs")).map((resource) => resource.urn),
    [],
    "no dynamic resource and no pulumi-nodejs provider is left",
  );
  assert.equal(resources.filter((resource) => resource.type === "pulumi:providers:cloudworkstation").length, 1);
  assert.ok(!text.includes("__provider"), "no __provider in the state");
  for (const machinePath of [sandbox.root, REPO_ROOT, "/dist/src/", "node_modules"]) {
    const at = text.indexOf(machinePath);
    assert.equal(at, -1, `the state names ${machinePath}: …${text.slice(Math.max(0, at - 300), at + 200)}…`);
  }
}

describe("existing stacks move to the cloudworkstation plugin: 0 replacements, no AWS writes (real engine, moto)", function () {
  this.timeout(600_000);
  let moto: MotoServer | undefined;
  let sandbox: PulumiSandbox | undefined;
  let cli: PulumiCli | undefined;

  before(async function () {
    const gate = e2eGate({ distFiles: [`${REPO_ROOT}/dist/src/dynamic/host.js`] });
    if (!gate.run) {
      console.log(`\n  !! SKIPPING the migration under the real engine (CWS_SKIP_E2E=1): ${gate.reason}\n`);
      this.skip();
    }
    moto = await startMoto();
    cli = gate.cli;
    sandbox = PulumiSandbox.create(gate.cli, moto.env(), "cws-e2e-migration-");
  });

  after(async () => {
    sandbox?.dispose();
    await moto?.stop();
  });

  for (const { made, state } of FIXTURES)
    describe(`a stack made by ${made} (pulumi stack import)`, () => {
      let project: PulumiProject;
      // Its own sandbox: every fixture is the same project and stack name (the URNs in its state say so).
      let fixtureSandbox: PulumiSandbox | undefined;
      after(() => fixtureSandbox?.dispose());

      before(async function () {
        if (!sandbox || !moto || !cli) this.skip();
        fixtureSandbox = PulumiSandbox.create(cli!, moto!.env(), "cws-e2e-migration-fixture-");
        const fixture = JSON.parse(fs.readFileSync(state, "utf8")) as {
          deployment: { resources: { type: string; inputs?: Record<string, unknown> }[] };
        };
        const saved = fixture.deployment.resources.find((resource) => resource.type.endsWith(":SavedTemplate"));
        project = fixtureSandbox.project(
          BEFORE_HOST_PROJECT,
          { program: AS_BEFORE_THE_PLUGIN + BEFORE_HOST_PROGRAM },
          { installedFrom: REPO_ROOT },
        );
        assertOk(await project.run(["stack", "init", BEFORE_HOST_STACK]));
        assertOk(await project.run(["stack", "import", "--file", state]));
        assertOk(
          await project.run(["config", "set", "instanceId", (saved?.inputs as { instanceId: string }).instanceId]),
        );
      });

      it("previews only in-place updates of the five resources' bookkeeping, 0 replacements", async () => {
        await assertMigrationPreview(project);
      });

      it("pulumi up updates them in place and writes state with plugin types, without __provider or a path", async () => {
        const up = await project.run(["up", "--yes", "--skip-preview"]);
        assertOk(up);
        assert.match(up.stdout, /~ 5 updated/);
        assert.doesNotMatch(up.stdout, /created|replaced|deleted/);
        await assertPluginState(project, fixtureSandbox!);
      });

      it("then previews clean, and pulumi destroy works", async () => {
        assertOk(await project.run(["preview", "--expect-no-changes"]));
        assertOk(await project.run(["destroy", "--yes", "--skip-preview"]));
      });
    });

  describe("a stack made here with the dynamic resources of versions before the plugin (then today's code)", () => {
    let project: PulumiProject;
    let landscape: Record<string, unknown>;
    let outputs: { savedAmiId: string; amiIds: Record<string, string> };

    before(async function () {
      if (!sandbox || !moto) this.skip();
      await moto!.reset();
      const { Instances = [] } = await moto!
        .clients()
        .ec2("us-east-1")
        .send(
          new RunInstancesCommand({
            ImageId: FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64,
            InstanceType: "t3.micro",
            MinCount: 1,
            MaxCount: 1,
          }),
        );
      project = sandbox!.project(
        "cws-migration-dynamic",
        { program: AS_BEFORE_THE_PLUGIN + BEFORE_HOST_PROGRAM },
        { installedFrom: REPO_ROOT },
      );
      assertOk(await project.run(["stack", "init", "dynamic"]));
      assertOk(await project.run(["config", "set", "instanceId", Instances[0]?.InstanceId as string]));
      assertOk(await project.run(["config", "set", "--type", "bool", "dynamic", "true"]));
      assertOk(await project.run(["up", "--yes", "--skip-preview"]));
      const exported = await project.run(["stack", "export"]);
      assertOk(exported);
      assert.match(exported.stdout, /"__provider"/, "the stack was made with dynamic resources");
      assert.ok(exported.stdout.includes(sandbox!.root), "its __provider names the project's module path");
      const result = await project.run(["stack", "output", "--json"]);
      assertOk(result);
      outputs = JSON.parse(result.stdout);
      assertOk(await project.run(["config", "rm", "dynamic"]));
      landscape = await awsLandscape(moto!);
    });

    it("previews only in-place updates of the five resources' bookkeeping, 0 replacements", async () => {
      await assertMigrationPreview(project);
    });

    it("pulumi up makes no AWS write: images, snapshots and instances are as they were", async () => {
      const up = await project.run(["up", "--yes", "--skip-preview"]);
      assertOk(up);
      assert.match(up.stdout, /~ 5 updated/);
      assert.doesNotMatch(up.stdout, /created|replaced|deleted/);
      assert.deepEqual(await awsLandscape(moto!), landscape);
      const result = await project.run(["stack", "output", "--json"]);
      assertOk(result);
      assert.deepEqual(JSON.parse(result.stdout), outputs, "the same AMIs and copies as before the switch");
    });

    it("state holds plugin types, no __provider and no path of this machine; a re-preview is clean", async () => {
      await assertPluginState(project, sandbox!);
      assertOk(await project.run(["preview", "--expect-no-changes"]));
    });

    it("pulumi destroy keeps the saved image and removes the copy made with retainOnDelete: false", async () => {
      assertOk(await project.run(["destroy", "--yes", "--skip-preview"]));
      const images = async (region: string) =>
        (
          await moto!
            .clients()
            .ec2(region)
            .send(new DescribeImagesCommand({ Owners: ["self"] }))
        ).Images!.map((image) => image.ImageId);
      assert.ok((await images("us-east-1")).includes(outputs.savedAmiId), "the saved image is kept");
      assert.ok(!(await images("us-west-2")).includes(outputs.amiIds["us-west-2"]), "the us-west-2 copy is gone");
    });
  });
});
