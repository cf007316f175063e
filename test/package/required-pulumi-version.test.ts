import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { requiredPulumiVersion } from "../../src/dynamic/plugin-version";

const ROOT = path.resolve(__dirname, "..", "..");

/** requiredPulumiVersion: one range, from package.json's @pulumi/pulumi peer dependency, in every project we ship. */
describe("the Pulumi CLI versions our programs require (requiredPulumiVersion, from package.json)", () => {
  it("is the caret range of the @pulumi/pulumi peer dependency", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      peerDependencies: Record<string, string>;
    };
    const [major, minor, patch] = manifest.peerDependencies["@pulumi/pulumi"].replace(/^\^/, "").split(".");
    assert.equal(requiredPulumiVersion(), `>=${major}.${minor}.${patch} <${Number(major) + 1}.0.0`);
  });

  it("is declared, the same, by the root lab-fleet project and every example project", () => {
    const projects = [
      "Pulumi.yaml",
      ...fs.readdirSync(path.join(ROOT, "examples")).map((dir) => path.join("examples", dir, "Pulumi.yaml")),
    ].filter((file) => fs.existsSync(path.join(ROOT, file)));
    assert.ok(projects.length >= 8, projects.join(", "));
    for (const file of projects) {
      const project = parseYaml(fs.readFileSync(path.join(ROOT, file), "utf8")) as { requiredPulumiVersion?: string };
      assert.equal(project.requiredPulumiVersion, requiredPulumiVersion(), `${file}: requiredPulumiVersion`);
    }
  });

  it("names package.json and the field when the peer dependency is not a caret range", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-peer-"));
    try {
      fs.writeFileSync(
        path.join(dir, "package.json"),
        JSON.stringify({ name: "cloudworkstation", version: "0.1.0", peerDependencies: { "@pulumi/pulumi": "*" } }),
      );
      assert.throws(
        () => requiredPulumiVersion(dir),
        /package\.json: peerDependencies\["@pulumi\/pulumi"\] is "\*"; write it as a caret range/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
