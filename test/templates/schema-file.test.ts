import assert from "node:assert/strict";
import fs from "node:fs";
import { renderSchemaFile, SCHEMA_FILE } from "../../scripts/write-schema";
import { templateJsonSchema, TEMPLATE_SCHEMA_ID } from "../../src/templates";

describe("templates/schema.json", () => {
  it("is current with the zod schema (run `npm run schema` when this fails)", () => {
    const current = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, "utf8") : "(missing)";
    assert.ok(
      current === renderSchemaFile(),
      "templates/schema.json is out of date with src/templates/schema.ts: run `npm run schema` and commit the result",
    );
  });

  it("is a draft 2020-12 schema with an id and a title, requiring only name", () => {
    const schema = templateJsonSchema();
    assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
    assert.equal(schema.$id, TEMPLATE_SCHEMA_ID);
    assert.equal(schema.title, "CloudWorkstation template");
    assert.deepEqual(schema.required, ["name"]);
    assert.equal(schema.additionalProperties, false);
  });

  it("keeps keys with defaults optional (input mode) and documents their defaults", () => {
    const amiConfig = (
      templateJsonSchema().properties as Record<
        string,
        { properties: Record<string, { default?: unknown }>; required?: string[] }
      >
    ).ami_config;
    assert.equal(amiConfig.required, undefined);
    assert.equal(amiConfig.properties.strategy.default, "ami_preferred");
  });

  it("allows the legacy amis key, marked deprecated, so older files are not flagged", () => {
    const amis = (templateJsonSchema().properties as Record<string, Record<string, unknown>>).amis;
    assert.equal(amis.deprecated, true);
    assert.match(String(amis.description), /ami_config\.ami_mappings/);
  });

  it("gives region keys the region-name pattern, so editors flag a malformed region but not a new one", () => {
    const mappings = (
      templateJsonSchema().properties as Record<
        string,
        { properties: Record<string, { propertyNames: { pattern: string; examples: string[] } }> }
      >
    ).ami_config.properties.ami_mappings;
    const pattern = new RegExp(mappings.propertyNames.pattern);
    assert.ok(pattern.test("eu-west-1") && pattern.test("eu-southwest-9"));
    assert.ok(!pattern.test("us-east1") && !pattern.test("../../etc"));
    assert.ok(mappings.propertyNames.examples.includes("ap-southeast-6"));
  });
});
