import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MotoServer, startMoto } from "../../harness/moto";
import { ROOT, requireBuilt } from "./built";

const CONSUMER = path.join(__dirname, "consumer");
const rootPackage = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
const pinned = (name: string): string => lock.packages[`node_modules/${name}`].version;

function withoutNoticeSwitch(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED; // as in a user's shell
  return copy;
}

/** npm on the Node that runs this test (first on PATH); warnings are kept so that an EBADENGINE can be seen. */
function npm(args: string[], cwd: string): { stdout: string; stderr: string } {
  const run = spawnSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=warn"], { cwd, encoding: "utf8" });
  assert.equal(run.status, 0, `npm ${args.join(" ")} failed in ${cwd}:\n${run.stdout}\n${run.stderr}`);
  return run;
}

/**
 * What a lab gets from the package: `npm pack` of the built tree, installed into a fresh project next to the pinned
 * Pulumi packages, compiled by tsc against every public component and type, and run under Pulumi runtime mocks
 * (AmiResolution's serialized provider runs from the installed package against moto).
 */
describe(`the packed package in a consumer project on Node ${process.versions.node} (npm pack, npm install, tsc, Pulumi mocks against moto)`, function () {
  this.timeout(600_000);
  let project: string;
  let tarball: string;
  let moto: MotoServer;
  let installWarnings = "";

  before(async () => {
    requireBuilt();
    project = fs.mkdtempSync(path.join(os.tmpdir(), "cws-consumer-"));
    const packed = JSON.parse(npm(["pack", "--json", "--ignore-scripts", "--pack-destination", project], ROOT).stdout);
    tarball = path.join(project, packed[0].filename);
    for (const file of ["index.ts", "tsconfig.json", "run-under-mocks.js"]) {
      fs.copyFileSync(path.join(CONSUMER, file), path.join(project, file));
    }
    fs.writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({
        name: "lab-stack",
        private: true,
        dependencies: {
          cloudworkstation: `file:./${path.basename(tarball)}`,
          "@pulumi/pulumi": pinned("@pulumi/pulumi"),
          "@pulumi/aws": pinned("@pulumi/aws"),
        },
        devDependencies: { typescript: pinned("typescript"), "@types/node": pinned("@types/node") },
      }),
    );
    // The npm cache usually holds every package already; the registry is asked only for what it lacks.
    installWarnings = npm(["install", "--prefer-offline", "--ignore-scripts"], project).stderr;
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
    if (project) fs.rmSync(project, { recursive: true, force: true });
  });

  it("installs with no engine warning on this Node (no EBADENGINE from us or any dependency)", () => {
    assert.doesNotMatch(installWarnings, /EBADENGINE|Unsupported engine/, installWarnings);
  });

  it("ships the compiled library, the templates, LICENSE and CHANGELOG, and no tests or harness", () => {
    const listed = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n");
    for (const file of ["package/LICENSE", "package/CHANGELOG.md", "package/dist/src/index.d.ts"]) {
      assert.ok(listed.includes(file), `${file} is in the tarball`);
    }
    assert.ok(listed.some((file) => file.startsWith("package/templates/") && file.endsWith(".yml")));
    assert.ok(!listed.some((file) => /^package\/(dist\/)?(test|harness)\//.test(file)), "no tests or harness");
  });

  it("declares @pulumi/pulumi and @pulumi/aws as peer dependencies that the pinned versions satisfy", () => {
    assert.deepEqual(Object.keys(rootPackage.peerDependencies).sort(), ["@pulumi/aws", "@pulumi/pulumi"]);
    assert.equal(rootPackage.dependencies["@pulumi/pulumi"], undefined);
    const installed = (name: string) =>
      JSON.parse(fs.readFileSync(path.join(project, "node_modules", name, "package.json"), "utf8")).version;
    assert.equal(installed("@pulumi/pulumi"), rootPackage.devDependencies["@pulumi/pulumi"]);
    assert.equal(installed("@pulumi/aws"), rootPackage.devDependencies["@pulumi/aws"]);
    assert.ok(
      !fs.existsSync(path.join(project, "node_modules", "cloudworkstation", "node_modules", "@pulumi")),
      "one copy of @pulumi/pulumi: the consumer's",
    );
  });

  it("cloudworkstation/resolver and cloudworkstation/templates load without loading any @pulumi module", () => {
    const script =
      'require("cloudworkstation/resolver"); require("cloudworkstation/templates");' +
      'const p = Object.keys(require.cache).filter((k) => k.includes("@pulumi")); console.log(JSON.stringify(p));';
    const loaded = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: project, encoding: "utf8" }));
    assert.deepEqual(loaded, []);
  });

  it("installs the cws command, which finds the shipped templates inside the installed package", () => {
    const run = spawnSync(path.join(project, "node_modules", ".bin", "cws"), ["template", "list"], {
      cwd: project,
      encoding: "utf8",
      env: withoutNoticeSwitch(process.env),
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /python-ml/);
    assert.match(run.stdout, /ubuntu-24\.04-base/);
  });

  it("type-checks a program that uses every public component and type (tsc, node10 and node16 resolution)", () => {
    const tsc = path.join(project, "node_modules", "typescript", "bin", "tsc");
    const run = spawnSync(process.execPath, [tsc, "-p", project], { encoding: "utf8" });
    assert.equal(run.status, 0, `tsc failed:\n${run.stdout}${run.stderr}`);
    // Newer resolution reads the exports map's "types" conditions instead of typesVersions.
    const node16 = spawnSync(
      process.execPath,
      [tsc, "-p", project, "--module", "node16", "--moduleResolution", "node16", "--noEmit"],
      { encoding: "utf8" },
    );
    assert.equal(node16.status, 0, `tsc (node16 resolution) failed:\n${node16.stdout}${node16.stderr}`);
  });

  it("runs that program under Pulumi runtime mocks, resolving an AMI with the installed provider code, without the SDK's Node notice", () => {
    const run = spawnSync(process.execPath, ["run-under-mocks.js"], {
      cwd: project,
      encoding: "utf8",
      env: { ...withoutNoticeSwitch(process.env), ...moto.env() },
      timeout: 120_000,
    });
    assert.equal(run.status, 0, `the program failed:\n${run.stdout}\n${run.stderr}`);
    // The provider code made AWS clients in this process: the SDK's notice about Node 22 must not reach the user.
    assert.doesNotMatch(run.stderr, /NodeVersionSupportWarning/);
    const { outputs, registered } = JSON.parse(run.stdout.trim().split("\n").pop()!);
    assert.match(outputs.resolvedAmi, /^ami-[0-9a-f]+$/);
    assert.match(outputs.amiId, /^ami-[0-9a-f]+$/);
    assert.equal(outputs.templateName, "python-ml");
    assert.ok(registered.includes("cloudworkstation:index:ResearchWorkstation"), registered.join(", "));
    assert.ok(registered.includes("aws:ec2/instance:Instance"), registered.join(", "));
    assert.ok(registered.includes("cloudworkstation:index:AmiResolution"), "the plugin's type, not a dynamic one");
    // The plugin launcher a program's Pulumi.yaml names (plugins: providers: path: node_modules/cloudworkstation/bin).
    const launcher = path.join(project, "node_modules", "cloudworkstation", "bin", "pulumi-resource-cloudworkstation");
    assert.ok(fs.statSync(launcher).mode & 0o100, `${launcher} is executable`);
  });
});
