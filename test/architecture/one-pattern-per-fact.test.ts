import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkRegionalAmiCopyInputs } from "../../src/dynamic/regional-ami-copy/inputs";
import { checkSavedTemplateInputs } from "../../src/dynamic/saved-template/inputs";
import { templateSchema } from "../../src/templates/schema";
import { TEMPLATE_NAME_MAX_LENGTH } from "../../src/templates/template-name";

const SRC_DIR = path.resolve(__dirname, "../../src");

function sourceFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFilesUnder(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** The src/ files (other than the `homes`) whose text matches `pattern`, as "file:line". */
function writtenOutside(homes: string | string[], pattern: RegExp): string[] {
  return sourceFilesUnder(SRC_DIR)
    .filter((file) => ![homes].flat().includes(path.relative(SRC_DIR, file)))
    .flatMap((file) =>
      fs
        .readFileSync(file, "utf8")
        .split("\n")
        .flatMap((line, index) => (pattern.test(line) ? [`${path.relative(SRC_DIR, file)}:${index + 1}`] : [])),
    );
}

function lineOf(file: string, text: string): number {
  return (
    fs
      .readFileSync(path.join(SRC_DIR, file), "utf8")
      .split("\n")
      .findIndex((line) => line.includes(text)) + 1
  );
}

describe("one pattern per fact in src/", () => {
  it("writes the template-name pattern only in templates/template-name.ts", () => {
    const written = writtenOutside("templates/template-name.ts", /\[a-z0-9\]\[a-z0-9\._-\]/);
    // A catalog channel name (`stable`) is spelt alike but is another fact, with its own rule.
    assert.deepEqual(
      written.filter(
        (where) =>
          where !== `templates/schema-ami-sources.ts:${lineOf("templates/schema-ami-sources.ts", "a channel name")}`,
      ),
      [],
    );
  });

  it("writes the AMI, instance and snapshot id patterns only in core/aws-ids.ts", () => {
    assert.deepEqual(writtenOutside("core/aws-ids.ts", /\b(ami|i|snap)-(\(\?:)?\[0-9a-f\]\{/), []);
  });

  it("reads the AWS SDK's error fields and codes only in core/aws-errors.ts", () => {
    assert.deepEqual(writtenOutside("core/aws-errors.ts", /\$metadata|\$fault|\$responseBodyText/), []);
    assert.deepEqual(writtenOutside("core/aws-errors.ts", /as \{ name\?: string \}\)\.name ===/), []);
  });

  it("declares one input-error class and one LoadedTemplate", () => {
    assert.deepEqual(writtenOutside([], /class \w*InputError\b/), ["core/errors.ts:5"]);
    assert.deepEqual(
      writtenOutside([], /interface LoadedTemplate\b/).map((where) => where.split(":")[0]),
      ["templates/loader.ts"],
    );
  });

  it("formats US dollars only in resolver/cost.ts (the CLI's formatUsd hands on to it)", () => {
    assert.deepEqual(writtenOutside("resolver/cost.ts", /\$\$\{[^}]*toFixed/), []);
    assert.deepEqual(writtenOutside(["resolver/cost.ts", "cli/format.ts"], /function \w*Usd\(/), []);
  });

  it("refuses a template name longer than the one bound the API and the catalog use", () => {
    const named = (name: string) => templateSchema.safeParse({ name, base: "ubuntu-24.04" }).success;
    assert.equal(named("a".repeat(TEMPLATE_NAME_MAX_LENGTH)), true);
    assert.equal(named("a".repeat(TEMPLATE_NAME_MAX_LENGTH + 1)), false);
  });

  it("refuses AMI and instance ids of 9 to 16 hex digits, which AWS does not issue, in the dynamic resources' checks", () => {
    const copy = (sourceAmiId: string) =>
      checkRegionalAmiCopyInputs({ sourceAmiId, sourceRegion: "us-east-1", region: "eu-west-1" }).failures;
    assert.deepEqual(copy("ami-0123456789abcdef0"), []);
    assert.deepEqual(copy("ami-01234567"), []);
    assert.deepEqual(
      copy("ami-012345678").map((failure) => failure.property),
      ["sourceAmiId"],
    );
    const save = (instanceId: string) =>
      checkSavedTemplateInputs({ instanceId, region: "us-east-1", templateName: "lab" }).failures;
    assert.deepEqual(save("i-0123456789abcdef0"), []);
    assert.deepEqual(
      save("i-0123456789ab").map((failure) => failure.property),
      ["instanceId"],
    );
  });
});
