import * as fs from "node:fs";
import * as path from "node:path";

/** The AWS plugin version `@pulumi/aws` asks the engine for (its package.json `pulumi.version`): the stand-in's. */
export function standinPluginVersion(repoRoot = path.resolve(__dirname, "..", "..")): string {
  const manifest = JSON.parse(
    fs.readFileSync(path.join(repoRoot, "node_modules", "@pulumi", "aws", "package.json"), "utf8"),
  ) as { version: string; pulumi?: { version?: string } };
  return manifest.pulumi?.version ?? manifest.version;
}
