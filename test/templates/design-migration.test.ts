import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { SAVED_AT_TAG } from "../../src/imaging/saved-template-yaml";
import { validateTemplateFile } from "../../src/templates";
import {
  migrateDesignTemplate,
  SAVED_AT_TAG_KEY,
  SOURCE_INSTANCE_TAG_KEY,
  type DesignMigration,
} from "../../src/templates/design-migration";
import { fixtureDir, templateErrorOf, yaml } from "./helpers";

/** The original design's three template examples, copied as written (each file says where from). */
const EXAMPLES = path.join(__dirname, "design-examples");
const example = (name: string) => path.join(EXAMPLES, name);
const read = (name: string) => fs.readFileSync(example(name), "utf8");

/** Writes the converted template where the validator reads files, and validates it with the validator of cws. */
function validateConverted(result: DesignMigration) {
  const dir = fixtureDir({ [`${result.name}.yml`]: result.yaml });
  return validateTemplateFile(path.join(dir, `${result.name}.yml`));
}

const messages = (result: DesignMigration) => result.changes.map((c) => `${c.line}: ${c.message}`);

describe("converting the original design's template shapes (cws migrate template)", () => {
  it("none of the design's three examples validates as written", () => {
    for (const name of ["python-ml-optimized.yml", "custom-ml-env.yml", "any-template-ami-config.yml"])
      assert.equal(validateTemplateFile(example(name)).ok, false, name);
  });

  it("converts the seed 003 example: its display name, and its owner search into owners plus trusted owners", () => {
    const result = migrateDesignTemplate(read("python-ml-optimized.yml"), example("python-ml-optimized.yml"), {
      ownerAccounts: { "prism-community": "123456789012" },
    });
    const validation = validateConverted(result);
    assert.equal(validation.ok, true, JSON.stringify(validation.issues));
    const template = validation.template!;
    assert.equal(template.name, "python-ml-optimized");
    assert.equal(template.description, "Python ML (Pre-built)");
    assert.deepEqual(template.ami_config?.ami_search?.owners, ["123456789012"]);
    assert.deepEqual(template.ami_config?.trusted_owners, ["123456789012"]);
    assert.equal(template.ami_config?.marketplace_search?.product_code, "cws-python-ml-community");
    assert.deepEqual(messages(result), [
      '4: name "Python ML (Pre-built)" → python-ml-optimized: a template name is its file name (lowercase, digits, . _ -)',
      '4: added description: "Python ML (Pre-built)" (the design\'s display name)',
      "17: ami_search.owner: prism-community (account 123456789012) → ami_search.owners: [123456789012]",
      "17: added ami_config.trusted_owners: [123456789012] (an image from any tier must be owned by it)",
    ]);
    // Comments of untouched keys survive: the output is the source document edited, not a new one.
    assert.match(result.yaml, /# Dynamic AMI discovery \(second priority\)/);
  });

  it("refuses the seed 003 owner name without its account, naming the line and the flag that gives it", () => {
    const error = templateErrorOf(() =>
      migrateDesignTemplate(read("python-ml-optimized.yml"), example("python-ml-optimized.yml")),
    );
    assert.equal(error.issues.length, 1);
    assert.equal(error.issues[0].line, 17);
    assert.match(error.issues[0].message, /owner "prism-community" is not an AWS account id/);
    assert.match(error.issues[0].message, /--owner-account prism-community=123456789012/);
  });

  it("refuses the seed 004 saved template's placeholder AMI id at its line, and converts the rest once it is real", () => {
    const error = templateErrorOf(() => migrateDesignTemplate(read("custom-ml-env.yml"), example("custom-ml-env.yml")));
    assert.deepEqual(
      error.issues.map((i) => [i.line, i.column]),
      [[15, 15]],
    );
    assert.match(error.issues[0].message, /"ami-0xyz7890" is not an AMI id/);
    assert.match(error.issues[0].message, /fix it in custom-ml-env\.yml and run cws migrate template again/);

    // The design's example AMI id has x, y and z in it; with the id of a real image the file converts.
    const withRealId = read("custom-ml-env.yml").replace("ami-0xyz7890", "ami-0abc7890");
    const result = migrateDesignTemplate(withRealId, example("custom-ml-env.yml"));
    const validation = validateConverted(result);
    assert.equal(validation.ok, true, JSON.stringify(validation.issues));
    const template = validation.template!;
    assert.equal(template.base, undefined);
    assert.equal(template.ami_config?.strategy, "ami_required");
    assert.deepEqual(template.ami_config?.ami_mappings, {
      "us-west-2": { x86_64: "ami-0abc7890" },
      "us-east-2": { x86_64: "ami-0abc1234" },
      "us-west-1": { x86_64: "ami-0def5678" },
    });
    assert.deepEqual(template.instance_defaults?.ports, [22]);
    assert.equal(template.tags?.[SAVED_AT_TAG_KEY], "2024-01-15T10:30:00Z");
    assert.equal(template.tags?.["cloudworkstation:saved-from"], "my-analysis");
    assert.deepEqual(messages(result), [
      "5: removed base: saved-instance (ours: a saved template launches from its ami_mappings)",
      "5: added ami_config.strategy: ami_required (a saved instance has no script to rebuild it)",
      "6: removed source: saved-from-instance (ours marks saved templates with tags)",
      '7: original_instance: my-analysis → tags."cloudworkstation:saved-from"',
      '8: removed saved_from: my-analysis (tags."cloudworkstation:saved-from" already says it)',
      '9: saved_date → tags."cloudworkstation:saved" (what cws save writes)',
      "13: ami_config.amis → ami_config.ami_mappings (same shape: region → AMI, or region → arch → AMI)",
      "22: ports → instance_defaults.ports",
      '25: removed estimated_cost_per_hour {"x86_64":0.05}: costs are estimated from the price snapshot (cws costs custom-ml-env)',
    ]);
  });

  it("converts the seed 000 ami_config snippet by naming it after its file", () => {
    const result = migrateDesignTemplate(read("any-template-ami-config.yml"), example("any-template-ami-config.yml"));
    const validation = validateConverted(result);
    assert.equal(validation.ok, true, JSON.stringify(validation.issues));
    assert.equal(validation.template!.name, "any-template-ami-config");
    assert.equal(validation.template!.ami_config?.preferred_architecture, "arm64");
    assert.deepEqual(messages(result), [
      "5: added name: any-template-ami-config (from the file name; the design's snippet has no name)",
    ]);
    assert.equal(Object.keys(parse(result.yaml) as object)[0], "name");
  });

  it("says every change in the converted file's header, one line each with its source line", () => {
    const result = migrateDesignTemplate(read("python-ml-optimized.yml"), example("python-ml-optimized.yml"), {
      ownerAccounts: { "prism-community": "123456789012" },
    });
    for (const change of result.changes) assert.ok(result.yaml.includes(`# line ${change.line}: ${change.message}`));
  });

  it("moves the top-level legacy amis too, and refuses a region given twice at the line of the second", () => {
    const moved = migrateDesignTemplate(yaml("name: old", "amis:", "  us-east-1: ami-0123456789abcdef0"), "old.yml");
    assert.deepEqual((parse(moved.yaml) as { ami_config: unknown }).ami_config, {
      ami_mappings: { "us-east-1": "ami-0123456789abcdef0" },
    });
    const error = templateErrorOf(() =>
      migrateDesignTemplate(
        yaml(
          "name: both",
          "ami_config:",
          "  ami_mappings:",
          "    us-east-1: ami-0123456789abcdef0",
          "  amis:",
          "    us-east-1: ami-0fedcba9876543210",
        ),
        "both.yml",
      ),
    );
    assert.equal(error.issues[0].line, 6);
    assert.match(error.issues[0].message, /us-east-1 is in both ami_config\.amis and ami_config\.ami_mappings/);
  });

  it("leaves what it does not know for the validator, which names the source line", () => {
    const error = templateErrorOf(() =>
      migrateDesignTemplate(yaml("name: odd", "launch_speed: fast", "category: x"), "odd.yml"),
    );
    assert.equal(error.issues[0].line, 2);
    assert.match(error.issues[0].message, /unknown key "launch_speed"/);
  });

  it("writes the tags cws save writes", () => {
    assert.equal(SAVED_AT_TAG_KEY, SAVED_AT_TAG);
    assert.equal(SOURCE_INSTANCE_TAG_KEY, "cloudworkstation:source-instance");
  });
});
