import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { amiShareCommand } from "../../src/cli/commands/ami-share";
import { saveCommand } from "../../src/cli/commands/save";

/**
 * What a new lab admin reads and types: the lab-fleet example's README, the catalog's publishing sentence and the
 * "by hand against moto" steps. Each claim is checked against what it describes, so the docs cannot drift from it.
 */

const ROOT = path.resolve(__dirname, "..", "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const labFleet = read("examples/lab-fleet/README.md");
const workflow = read("examples/lab-fleet/.github/workflows/pulumi.yml");
const rootPackage = JSON.parse(read("package.json"));

/** The shell lines of a markdown file's fenced code blocks. */
function commandLines(markdown: string): string[] {
  return [...markdown.matchAll(/```(?:bash|sh|console)\n([\s\S]*?)```/g)].flatMap((block) => block[1].split("\n"));
}

/** AWS actions named in `text` (`ec2:DescribeImages`, `ssm:GetParameters`, `ec2:Describe*`). */
function actionsIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\b(?:ec2|ssm):[A-Za-z*]+/g)].map((match) => match[0]))];
}

function covers(pattern: string, action: string): boolean {
  return new RegExp(`^${pattern.replace(/\*/g, ".*")}$`).test(action);
}

describe("docs a lab admin follows", () => {
  describe("examples/lab-fleet/README.md", () => {
    it("installs the package by the top README's tarball route, never from the npm registry, with this version's file", () => {
      const lines = commandLines(labFleet);
      const tarball = `cloudworkstation-${rootPackage.version}.tgz`;
      assert.ok(!lines.some((line) => /npm install\s+cloudworkstation\b/.test(line)), "not published yet");
      assert.ok(lines.some((line) => /\bnpm pack\b/.test(line)));
      assert.ok(
        lines.some((line) => line.includes("npm install") && line.includes(tarball)),
        tarball,
      );
      assert.ok(
        commandLines(read("README.md")).some((line) => line.includes(tarball)),
        "the top README's route",
      );
    });

    it("initialises the stack the workflow deploys", () => {
      const initialised = /pulumi stack init (\S+)/.exec(labFleet)?.[1];
      const deployed = /^\s+STACK: (\S+)$/m.exec(workflow)?.[1];
      assert.ok(deployed, "the workflow names its stack");
      assert.equal(initialised, deployed);
    });

    it("names exactly the resolver's read-only actions of docs/iam/preview.json for the preview role", () => {
      const policy = JSON.parse(read("docs/iam/preview.json")) as { Statement: { Action: string[] }[] };
      const granted = policy.Statement.flatMap((statement) => statement.Action);
      const gitops = labFleet.slice(labFleet.indexOf("## GitOps"), labFleet.indexOf("## Upgrades"));
      const named = actionsIn(gitops);
      for (const action of granted)
        assert.ok(
          named.some((pattern) => covers(pattern, action)),
          `${action} (preview.json) is named in the README`,
        );
      for (const action of named.filter((name) => name.startsWith("ssm:") && !gitops.includes(`only \`${name}\``)))
        assert.ok(granted.includes(action), `${action} (README) is in preview.json`);
      assert.match(gitops, /docs\/iam\/preview\.json/);
      const comment = /AWS_PREVIEW_ROLE_ARN \}\}\s+# read-only: (.*)$/m.exec(workflow)?.[1] ?? "";
      assert.match(comment, /\bGetParameters\b/);
      assert.doesNotMatch(comment, /\bGetParameter\b(?!s)/);
    });
  });

  it("docs/catalog.md says cws save --publish and cws ami share --community publish (they do), not that they will", () => {
    const catalog = read("docs/catalog.md");
    const paragraph = catalog.slice(catalog.indexOf("The step that `submit` uses"));
    const sentence = paragraph.slice(0, paragraph.indexOf("\n\n"));
    assert.match(sentence, /`cws save … --publish <catalog>/);
    assert.match(sentence, /`cws ami share <ami> --community <catalog>/);
    assert.doesNotMatch(sentence, /meant to|future|not yet|will /);
    assert.match(saveCommand.usage, /--publish CATALOG/);
    assert.match(amiShareCommand.usage, /--community CATALOG/);
  });

  it("the moto:seed command the docs give for trying commands by hand exists and runs harness/moto-seed.ts", () => {
    assert.equal(rootPackage.scripts["moto:seed"], "tsx harness/moto-seed.ts");
    assert.ok(fs.existsSync(path.join(ROOT, "harness", "moto-seed.ts")));
    const demo = read("docs/demo.md");
    assert.ok(commandLines(demo).some((line) => line.includes("npm run moto:seed -- http://127.0.0.1:5000")));
    assert.ok(commandLines(demo).some((line) => line.includes("MOTO_AMIS_PATH=harness/fixtures/amis.json")));
    assert.match(read("README.md"), /npm run moto:seed --/);
  });
});
