import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AMI_RESOLUTION_TYPE, PREVIOUS_AMI_RESOLUTION_TYPE } from "../../src/dynamic/ami-resolution";
import { startMoto, type MotoServer } from "../../harness/moto";
import {
  createImageFromInstance,
  FIXTURE_BASE_IMAGES,
  publishPublicParameter,
  TEST_ACCOUNT_ID,
} from "../../harness/seed";
import { runCws } from "./in-process";
import { stackExportJson } from "./stack-export";

const PARAMETER = "/lab/images/outdated/x86_64";
const TOKENS = [PREVIOUS_AMI_RESOLUTION_TYPE, AMI_RESOLUTION_TYPE];

describe("cws ami outdated (runCli in-process, moto)", () => {
  let moto: MotoServer;
  let dir: string;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-outdated-"));
    fs.writeFileSync(
      path.join(dir, "outdated-lab.yml"),
      `name: outdated-lab\nbase: ubuntu-24.04\nami_config:\n  ssm_parameter: ${PARAMETER}\n  trusted_owners: ["${TEST_ACCOUNT_ID}"]\n`,
    );
  });

  const run = (argv: string[]) => runCws(argv, { clients: moto.clients(), templatesDir: dir });

  async function image(name: string) {
    return createImageFromInstance(moto.clients().ec2("us-east-1"), {
      sourceAmiId: FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64,
      name,
    });
  }

  it("reads every AmiResolution of a stack export: exit 0 when all are current, 3 with the stale ones listed when not", async () => {
    const old = await image("outdated-1");
    await publishPublicParameter(moto.clients().ssm("us-east-1"), PARAMETER, old);
    const file = path.join(dir, "stack.json");
    // A path recorded in state from another checkout: the template is found by name instead.
    const template = "/home/ci/old-checkout/templates/outdated-lab.yml";
    fs.writeFileSync(
      file,
      // The type token before and after the one-host change: both are read.
      stackExportJson([
        { name: "alice-ami", amiId: old, template, templateName: "outdated-lab", type: TOKENS[0] },
        { name: "bob-ami", amiId: old, template: "outdated-lab", templateName: "outdated-lab", type: TOKENS[1] },
      ]),
    );
    const clean = await run(["ami", "outdated", "--stack-export", file, "--json"]);
    assert.equal(clean.code, 0, clean.err);
    assert.deepEqual(
      JSON.parse(clean.out).map((r: { status: string }) => r.status),
      ["current", "current"],
    );

    const newer = await image("outdated-2");
    await publishPublicParameter(moto.clients().ssm("us-east-1"), PARAMETER, newer);
    const stale = await run(["ami", "outdated", "--stack-export", file, "--json"]);
    assert.equal(stale.code, 3);
    const rows = JSON.parse(stale.out);
    assert.deepEqual(rows[0], {
      name: "alice-ami",
      template: "outdated-lab",
      region: "us-east-1",
      amiId: old,
      status: "newer_available",
      candidateAmiId: newer,
      reason: rows[0].reason,
    });
    assert.match(rows[0].reason, new RegExp(`now resolves to ${newer}`));

    const table = await run(["ami", "outdated", "--stack-export", file]);
    assert.match(table.out, /WORKSTATION +REGION +AMI IN USE +STATUS +CANDIDATE +REASON/);
    assert.match(table.out, /2 checked: 0 current, 2 not/);
  });

  it("finds a stack's own templates from a checkout at another path: in the dirs recorded relative to the Pulumi project, else in the project's ./templates", async () => {
    const ami = await image("outdated-1");
    await publishPublicParameter(moto.clients().ssm("us-east-1"), PARAMETER, ami);
    const checkout = fs.mkdtempSync(path.join(os.tmpdir(), "cws-ci-checkout-"));
    const cwd = process.cwd();
    try {
      fs.writeFileSync(path.join(checkout, "Pulumi.yaml"), "name: lab\nruntime: nodejs\n");
      const lab = fs.readFileSync(path.join(dir, "outdated-lab.yml"), "utf8");
      fs.mkdirSync(path.join(checkout, "templates"));
      fs.writeFileSync(path.join(checkout, "templates", "outdated-lab.yml"), lab);
      fs.mkdirSync(path.join(checkout, "lab-templates"));
      fs.writeFileSync(path.join(checkout, "lab-templates", "bob-lab.yml"), lab.replace("outdated-lab", "bob-lab"));
      fs.writeFileSync(
        path.join(checkout, "stack.json"),
        stackExportJson([
          // A state written before relative dirs were recorded: only the laptop's absolute dir, gone here.
          { name: "alice-ami", amiId: ami, template: "outdated-lab", templatesDirs: ["/home/alice/lab/templates"] },
          {
            name: "bob-ami",
            amiId: ami,
            template: "bob-lab",
            templatesDirs: ["/home/alice/lab/lab-templates"],
            templatesDirsInProject: ["lab-templates"],
          },
        ]),
      );
      process.chdir(path.join(checkout, "lab-templates")); // a step may run below the project's root
      const found = await runCws(["ami", "outdated", "--stack-export", "../stack.json", "--json"], {
        clients: moto.clients(),
      });
      assert.equal(found.code, 0, found.err);
      assert.deepEqual(
        JSON.parse(found.out).map((row: { name: string; status: string }) => [row.name, row.status]),
        [
          ["alice-ami", "current"],
          ["bob-ami", "current"],
        ],
      );
    } finally {
      process.chdir(cwd);
      fs.rmSync(checkout, { recursive: true, force: true });
    }
  });

  it("checks one template and AMI given on the command line", async () => {
    const ami = await image("outdated-1");
    await publishPublicParameter(moto.clients().ssm("us-east-1"), PARAMETER, ami);
    const result = await run(["ami", "outdated", "--template", "outdated-lab", "--ami", ami, "--json"]);
    assert.equal(result.code, 0, result.err);
    assert.equal(JSON.parse(result.out)[0].status, "current");
  });

  it("rejects a file that is not a stack export, a bad AMI id and conflicting flags with exit 2", async () => {
    const notExport = path.join(dir, "other.json");
    fs.writeFileSync(notExport, JSON.stringify({ hello: "world" }));
    const cases = [
      ["--stack-export", notExport],
      ["--stack-export", path.join(dir, "missing.json")],
      ["--template", "outdated-lab", "--ami", "ami-xyz"],
      ["--stack-export", notExport, "--template", "outdated-lab", "--ami", "ami-0123456789abcdef0"],
      ["--template", "outdated-lab"],
      ["--template", "outdated-lab", "--ami", "ami-0123456789abcdef0", "--days", "soon"],
    ];
    for (const flags of cases) {
      const { code, err } = await run(["ami", "outdated", ...flags]);
      assert.equal(code, 2, `${flags.join(" ")}: ${err}`);
    }
    const { err } = await run(["ami", "outdated", "--stack-export", notExport]);
    assert.match(err, /not what `pulumi stack export` writes/);
  });
});
