import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { ProviderLogic } from "../../src/dynamic/host";
import { adaptLogic, DYNAMIC_PROVIDER_KEY } from "../../src/provider/adapter";
import { componentArgs } from "../../src/provider/components";
import { CloudWorkstationProvider, CUSTOM_RESOURCES, typeOfUrn } from "../../src/provider/provider";
import { COMPONENT_SPECS, CUSTOM_RESOURCE_SPECS, token } from "../../src/provider/schema";
import { RESEARCH_WORKSTATION as RESEARCH_WORKSTATION_SPEC } from "../../src/provider/schema/components";

const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
/** An Output as construct's deserialized inputs hold one: known (with `value`) or not. */
function engineOutput(value: unknown, known: boolean): pulumi.Output<unknown> {
  const OutputClass = pulumi.Output as unknown as new (...args: unknown[]) => pulumi.Output<unknown>;
  return new OutputClass(
    [],
    Promise.resolve(value),
    Promise.resolve(known),
    Promise.resolve(false),
    Promise.resolve([]),
  );
}
const urnOf = (type: string, name: string) =>
  `urn:pulumi:dev::lab::cloudworkstation:index:MultiRegionAmi$${type}::${name}`;

/** A logic module that records what it was called with. */
function recordingLogic() {
  const calls: { method: string; args: unknown[] }[] = [];
  const record =
    (method: string, result: unknown) =>
    async (...args: unknown[]) => {
      calls.push({ method, args });
      return result as never;
    };
  const logic: ProviderLogic = {
    check: async (_olds, news) => {
      calls.push({ method: "check", args: [_olds, news] });
      return { inputs: { ...news, checked: true } };
    },
    diff: record("diff", { changes: false, replaces: [] }),
    create: async (inputs) => {
      calls.push({ method: "create", args: [inputs] });
      return { id: "made-1", outs: { ...inputs, made: true } };
    },
    read: record("read", { id: "made-1", props: { region: "us-east-1" } }),
    update: record("update", { outs: { updated: true } }),
    delete: record("delete", undefined),
  };
  return { logic, calls };
}

describe("the cloudworkstation provider plugin (src/provider)", () => {
  it("serves exactly the custom resources its schema describes, by cloudworkstation:index:<Name>", () => {
    assert.deepEqual([...CUSTOM_RESOURCES.keys()].sort(), CUSTOM_RESOURCE_SPECS.map((spec) => token(spec.name)).sort());
    assert.deepEqual(CUSTOM_RESOURCE_SPECS.map((spec) => spec.name).sort(), [
      "AmiResolution",
      "RegionalAmiCopy",
      "SavedTemplate",
      "SavedTemplateMappings",
      "TemplateImage",
    ]);
    assert.deepEqual(COMPONENT_SPECS.map((spec) => spec.name).sort(), [
      "LabFleet",
      "MultiRegionAmi",
      "ResearchWorkstation",
    ]);
  });

  it("reads the type of a child resource's URN from the last segment of its type chain", () => {
    assert.equal(
      typeOfUrn(urnOf("cloudworkstation:index:RegionalAmiCopy", "lab-us-east-1")),
      "cloudworkstation:index:RegionalAmiCopy",
    );
  });

  it("refuses a type it does not serve, naming the ones it does", async () => {
    const plugin = new CloudWorkstationProvider("9.9.9");
    await assert.rejects(
      plugin.check(urnOf("cloudworkstation:index:Nope", "x"), {}, {}),
      /has no custom resource cloudworkstation:index:Nope: it serves cloudworkstation:index:AmiResolution, /,
    );
    await assert.rejects(
      plugin.construct("x", "cloudworkstation:index:AmiResolution", {}, {}),
      /has no component AmiResolution: it builds ResearchWorkstation, MultiRegionAmi, LabFleet/,
    );
  });

  it("never hands a logic module __provider, and a dynamic-era state the logic sees unchanged is an update that makes no call, previewed as its old outputs", async () => {
    const { logic, calls } = recordingLogic();
    const methods = adaptLogic(logic);
    const urn = urnOf("cloudworkstation:index:RegionalAmiCopy", "c");
    const olds = {
      region: "us-east-1",
      amiId: "ami-1",
      [DYNAMIC_PROVIDER_KEY]: "exports.handler = …/tmp/x/dist/src/dynamic…",
    };
    const news = { region: "us-east-1" };

    const checked = await methods.check(urn, olds, news);
    assert.deepEqual(calls[0].args, [{ region: "us-east-1", amiId: "ami-1" }, { region: "us-east-1" }]);
    assert.ok(!(DYNAMIC_PROVIDER_KEY in checked.inputs));

    const diff = await methods.diff("ami-1", urn, olds, news);
    assert.deepEqual(diff, { changes: true, replaces: [], deleteBeforeReplace: false });
    // The preview shows the outputs the update will write, so what reads amiId keeps a known value.
    assert.deepEqual((await methods.previewUpdate("ami-1", urn, olds, news)).outs, {
      region: "us-east-1",
      amiId: "ami-1",
    });
    const updated = await methods.update("ami-1", urn, olds, news);
    assert.deepEqual(updated.outs, { region: "us-east-1", amiId: "ami-1" });
    assert.ok(!calls.some((call) => call.method === "update"), "the logic's update (AWS writes) is not run");

    // Once written without __provider, the same inputs are no change at all.
    const { amiId: _amiId, ...same } = { ...olds };
    delete (same as Record<string, unknown>)[DYNAMIC_PROVIDER_KEY];
    assert.equal((await methods.diff("ami-1", urn, { ...same, amiId: "ami-1" }, news)).changes, false);
  });

  it("runs the logic's update when a dynamic-era state really changed (previewed as its new inputs), and writes no __provider", async () => {
    const { logic, calls } = recordingLogic();
    const methods = adaptLogic({ ...logic, diff: async () => ({ changes: true, replaces: [] }) });
    const urn = urnOf("cloudworkstation:index:RegionalAmiCopy", "c");
    const previewed = await methods.previewUpdate(
      "ami-1",
      urn,
      { tags: {}, [DYNAMIC_PROVIDER_KEY]: "x" },
      { tags: { a: "b" } },
    );
    assert.deepEqual(previewed.outs, { tags: { a: "b" } }, "a real change previews as its new inputs");
    assert.ok(!calls.some((call) => call.method === "update"), "previewing runs no update");
    const updated = await methods.update("ami-1", urn, { tags: {}, [DYNAMIC_PROVIDER_KEY]: "x" }, { tags: { a: "b" } });
    assert.deepEqual(updated.outs, { updated: true });
    assert.deepEqual(calls.find((call) => call.method === "update")?.args, [
      "ami-1",
      { tags: {} },
      { tags: { a: "b" } },
    ]);
  });

  it("gives the logic plain values for secrets and hands the same keys back secret", async () => {
    const { logic, calls } = recordingLogic();
    const methods = adaptLogic(logic);
    const urn = urnOf("cloudworkstation:index:TemplateImage", "img");
    const created = await methods.create(urn, { region: "us-east-1", signKey: { ...SECRET, value: "PRIVATE" } });
    assert.deepEqual(calls[0].args[0], { region: "us-east-1", signKey: "PRIVATE" });
    assert.deepEqual(created.outs.signKey, { ...SECRET, value: "PRIVATE" });
    assert.equal(created.outs.region, "us-east-1");
  });

  it("runs a real logic module: SavedTemplateMappings writes the template file with every region", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-plugin-mappings-"));
    try {
      const file = path.join(dir, "lab.yml");
      fs.writeFileSync(file, "name: lab\n");
      const plugin = new CloudWorkstationProvider("9.9.9");
      const urn = urnOf("cloudworkstation:index:SavedTemplateMappings", "lab-template");
      const news = {
        savedTemplateYaml: "name: lab\nversion: 1.0.0\nbase: ubuntu-24.04\n",
        amiIds: { "us-east-1": "ami-0123456789abcdef0", "us-west-2": "ami-0fedcba9876543210" },
        architecture: "x86_64",
        templateFile: file,
      };
      const checked = await plugin.check(urn, {}, news);
      assert.deepEqual(checked.failures, []);
      const created = await plugin.create(urn, checked.inputs);
      assert.equal(created.id, "mappings-us-east-1+us-west-2");
      assert.match(fs.readFileSync(file, "utf8"), /us-west-2:\n\s+x86_64: ami-0fedcba9876543210/);
      const bad = await plugin.check(urn, {}, { ...news, amiIds: { "us-east-1": "not-an-ami" } });
      assert.deepEqual(bad.failures, [
        { property: "amiIds", reason: 'amiIds.us-east-1: "not-an-ami" is not an AMI id' },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("component inputs (checked against the schema table before the component is built)", () => {
    const unknownOutput = () => engineOutput(undefined, false);

    it("refuses undeclared inputs, wrong types and a plain input not known at preview, all at once", async () => {
      await assert.rejects(
        componentArgs(RESEARCH_WORKSTATION_SPEC, "alice", {
          templateName: "python-ml",
          instanceSize: "M",
          rootVolumeGb: "fifty",
          size: unknownOutput(),
        }),
        (error: pulumi.InputPropertiesError) => {
          assert.equal(error.message, 'ResearchWorkstation "alice": 3 inputs are wrong');
          assert.deepEqual(
            error.errors.map((e) => e.propertyPath),
            ["instanceSize", "rootVolumeGb", "size"],
          );
          assert.match(
            error.errors[0].reason,
            /has no input "instanceSize"; its inputs are templateName, templatePath/,
          );
          assert.equal(error.errors[1].reason, 'expected an integer, got "fifty"');
          assert.match(error.errors[2].reason, /must be known at preview/);
          return true;
        },
      );
    });

    it("takes the template by name or by path, exactly one, and a name is never a path", async () => {
      await assert.rejects(
        componentArgs(RESEARCH_WORKSTATION_SPEC, "a", { templateName: "x", templatePath: "x.yml" }),
        (error: pulumi.InputPropertiesError) =>
          error.errors.length === 1 && error.errors[0].reason === "give templateName or templatePath, not both",
      );
      await assert.rejects(componentArgs(RESEARCH_WORKSTATION_SPEC, "a", {}), (error: pulumi.InputPropertiesError) =>
        error.errors.some((e) => e.propertyPath === "templateName" && /give templateName/.test(e.reason)),
      );
      await assert.rejects(
        componentArgs(RESEARCH_WORKSTATION_SPEC, "a", { templateName: "templates/lab.yml" }),
        (error: pulumi.InputPropertiesError) => /a file goes in templatePath/.test(error.errors[0].reason),
      );
      const known = engineOutput("M", true);
      assert.deepEqual(
        await componentArgs(RESEARCH_WORKSTATION_SPEC, "a", {
          templateName: "python-ml",
          size: known,
          region: "us-east-1",
        }),
        { templateName: "python-ml", size: "M", region: "us-east-1" },
      );
    });
  });
});
