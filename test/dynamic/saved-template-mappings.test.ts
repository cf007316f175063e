import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { renderSavedTemplateYaml } from "../../src/imaging";
import { UNKNOWN } from "../../src/dynamic/host";
import { checkMappingsInputs, diffMappings, provider } from "../../src/dynamic/saved-template-mappings/provider";

const SAVED = renderSavedTemplateYaml({
  templateName: "lab",
  baseTemplate: "ubuntu-24.04-base",
  amiMappings: { "us-east-1": { x86_64: "ami-0123456789abcdef0" } },
  ownerId: "123456789012",
  architecture: "x86_64",
  sourceInstanceId: "i-0123456789abcdef0",
  createdAt: new Date("2026-11-29T10:00:00Z"),
});
const AMI_IDS = { "us-east-1": "ami-0123456789abcdef0", "eu-west-1": "ami-0fedcba9876543210" };

describe("SavedTemplateMappings (provider logic called directly)", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-mappings-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("refuses a malformed AMI id by region, but not an id still unknown in a preview", () => {
    const bad = checkMappingsInputs({
      savedTemplateYaml: SAVED,
      amiIds: { "eu-west-1": "ami-1" },
      architecture: "x86_64",
    });
    assert.deepEqual(bad.failures, [{ property: "amiIds", reason: 'amiIds.eu-west-1: "ami-1" is not an AMI id' }]);
    const unknown = checkMappingsInputs({ savedTemplateYaml: SAVED, amiIds: UNKNOWN, architecture: "x86_64" });
    assert.deepEqual(unknown.failures, []);
    assert.equal(unknown.inputs.templateFile, null, "no file: null, never absent");
  });

  it("rewrites in place (never replaces) when the regions or the saved template change, and is a no-op otherwise", () => {
    const inputs = checkMappingsInputs({ savedTemplateYaml: SAVED, amiIds: AMI_IDS, architecture: "x86_64" }).inputs;
    assert.deepEqual(diffMappings(inputs, { ...inputs }), {
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
      stables: [],
    });
    const moreRegions = { ...inputs, amiIds: { ...AMI_IDS, "ap-south-1": "ami-0aaaaaaaaaaaaaaaa" } };
    assert.deepEqual(diffMappings(inputs, moreRegions), {
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
      stables: [],
    });
  });

  it("writes every region into the template file, keeping the header and the quoted timestamp, and gives the file back on delete", async () => {
    const file = path.join(dir, "lab.yml");
    fs.writeFileSync(file, SAVED);
    const inputs = checkMappingsInputs({
      savedTemplateYaml: SAVED,
      amiIds: AMI_IDS,
      architecture: "x86_64",
      templateFile: file,
    }).inputs;
    const { outs } = await provider.create(inputs);
    const written = fs.readFileSync(file, "utf8");
    assert.equal(written, outs?.templateYaml);
    assert.deepEqual((parse(written) as { ami_config: { ami_mappings: unknown } }).ami_config.ami_mappings, {
      "eu-west-1": { x86_64: "ami-0fedcba9876543210" },
      "us-east-1": { x86_64: "ami-0123456789abcdef0" },
    });
    assert.match(written, /^# Saved by CloudWorkstation/);
    assert.match(written, /cloudworkstation:saved: "2026-11-29T10:00:00.000Z"/);
    await provider.delete("id", outs!);
    assert.equal(fs.readFileSync(file, "utf8"), SAVED);
  });

  it("leaves a template file alone on delete when someone edited it after it was written", async () => {
    const file = path.join(dir, "lab.yml");
    const inputs = { savedTemplateYaml: SAVED, amiIds: AMI_IDS, architecture: "x86_64" as const, templateFile: file };
    const { outs } = await provider.create(inputs);
    fs.appendFileSync(file, "# edited by hand\n");
    await provider.delete("id", outs!);
    assert.match(fs.readFileSync(file, "utf8"), /edited by hand/);
  });
});
