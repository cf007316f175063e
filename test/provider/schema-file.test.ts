import assert from "node:assert/strict";
import fs from "node:fs";
import { PROVIDER_SCHEMA_FILE, renderProviderSchemaFile } from "../../scripts/write-provider-schema";
import { providerSchema, RESOURCE_SPECS } from "../../src/provider/schema";
import { SIZES } from "../../src/templates/schema";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every property object of the schema (resource inputs/outputs and object types), with where it is. */
function everyProperty(schema: Json): { where: string; property: Json }[] {
  const found: { where: string; property: Json }[] = [];
  for (const [type, resource] of Object.entries(schema.resources as Json))
    for (const section of ["inputProperties", "properties"])
      for (const [key, property] of Object.entries(resource[section] as Json))
        found.push({ where: `${type}.${section}.${key}`, property });
  for (const [type, spec] of Object.entries(schema.types as Json))
    for (const [key, property] of Object.entries((spec.properties ?? {}) as Json))
      found.push({ where: `${type}.${key}`, property });
  return found;
}

describe("schema.json (the cloudworkstation plugin's Pulumi package schema)", () => {
  const schema = providerSchema("1.2.3") as Json;

  it("is current with src/provider/schema (run `npm run schema` when this fails)", () => {
    const current = fs.existsSync(PROVIDER_SCHEMA_FILE) ? fs.readFileSync(PROVIDER_SCHEMA_FILE, "utf8") : "(missing)";
    assert.ok(
      current === renderProviderSchemaFile(),
      "schema.json is out of date with src/provider/schema: run `npm run schema` and commit the result",
    );
  });

  it("describes every resource, component, type and property", () => {
    const undescribed = [
      ...Object.entries(schema.resources as Json).filter(([, r]) => !r.description),
      ...Object.entries(schema.types as Json).filter(([, t]) => !t.description),
    ].map(([type]) => type);
    undescribed.push(
      ...everyProperty(schema)
        .filter(({ property }) => !property.description)
        .map((p) => p.where),
    );
    assert.deepEqual(undescribed, []);
  });

  it("says every type in a way every language has: no unions, and references only to types it defines", () => {
    const text = JSON.stringify(schema);
    assert.ok(!/"oneOf"|"anyOf"/.test(text), "a union (oneOf) has no shape in Go or YAML");
    const refs = [...text.matchAll(/"\$ref":"#\/types\/([^"]+)"/g)].map((match) => match[1]);
    assert.ok(refs.length > 0);
    for (const ref of refs) assert.ok(ref in (schema.types as Json), `${ref} is referenced but not defined`);
  });

  it("takes the ResearchWorkstation template by name or by path, and the size as the Size enum", () => {
    const inputs = schema.resources["cloudworkstation:index:ResearchWorkstation"].inputProperties as Json;
    assert.equal(inputs.templateName.type, "string");
    assert.equal(inputs.templatePath.type, "string");
    assert.ok(!("template" in inputs));
    assert.equal(inputs.size.$ref, "#/types/cloudworkstation:index:Size");
    assert.equal(inputs.size.plain, true, "the component reads the size while building: it must be plain");
    assert.deepEqual(
      (schema.types["cloudworkstation:index:Size"].enum as { value: string }[]).map((value) => value.value),
      [...SIZES],
    );
  });

  it("marks components and lists every resource the plugin serves, under its version", () => {
    assert.equal(schema.version, "1.2.3");
    assert.deepEqual(Object.keys(schema.resources).sort(), [...RESOURCE_SPECS.keys()].sort());
    assert.equal(schema.resources["cloudworkstation:index:LabFleet"].isComponent, true);
    assert.equal(schema.resources["cloudworkstation:index:AmiResolution"].isComponent, undefined);
  });
});
