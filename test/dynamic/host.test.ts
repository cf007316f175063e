import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import requireFromString from "require-from-string";
import * as legacy from "../../src/dynamic/ami-resolution-provider";
import {
  lazyProvider,
  providerLogic,
  PACKAGED_DYNAMIC_DIR,
  dynamicType,
  registerAsDynamicResources,
} from "../../src/dynamic/host";
import { SavedTemplateMappings } from "../../src/dynamic/saved-template-mappings";

const ROOT = path.resolve(__dirname, "..", "..");

/** Loads a serialized provider the way cmd/dynamic-provider does, resolving packages from `projectDir`. */
function loadSerialized(text: string, projectDir: string): pulumi.dynamic.ResourceProvider {
  return requireFromString(text, path.join(projectDir, "__provider.js")).handler();
}

describe("the dynamic-resource host", () => {
  let scratch: string;
  before(async () => {
    await pulumi.runtime.setMocks(
      { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs },
      "project",
      "stack",
      true,
    );
  });
  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cws-host-"));
  });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it("names every dynamic resource pulumi-nodejs:dynamic/cloudworkstation:<Type>", () => {
    assert.equal(dynamicType("SavedTemplate"), "pulumi-nodejs:dynamic/cloudworkstation:SavedTemplate");
  });

  it("stores a module text of a few hundred bytes naming the logic module, and loads the logic from the installed package when the recorded path is gone", async () => {
    const text = lazyProvider("moved-away/provider").moduleText;
    assert.ok(text.length < 500, `the provider's module text is ${text.length} characters`);
    assert.ok(text.includes(JSON.stringify(path.join(ROOT, "src", "dynamic", "moved-away", "provider"))));
    // The project where the provider runs now has the package installed; the path in state does not exist.
    const installed = path.join(scratch, "node_modules", ...PACKAGED_DYNAMIC_DIR.split("/"), "moved-away");
    fs.mkdirSync(installed, { recursive: true });
    fs.writeFileSync(
      path.join(installed, "provider.js"),
      `exports.provider = { check: async (olds, news) => ({ inputs: { ...news, loadedFrom: __filename } }) };`,
    );
    const checked = await loadSerialized(text, scratch).check!({}, { region: "us-east-1" });
    assert.equal(checked.inputs.loadedFrom, path.join(installed, "provider.js"));
  });

  it("does not hide a logic module that exists but fails to load behind the packaged fallback", async () => {
    const broken = path.join(scratch, "broken");
    fs.writeFileSync(`${broken}.js`, `require("a-module-that-is-not-installed");`);
    const text = lazyProvider(path.relative(path.join(ROOT, "src", "dynamic"), broken)).moduleText;
    // The provider host calls handler() inside each RPC, so this reaches the engine as the failing call's error.
    assert.throws(() => loadSerialized(text, scratch), /Cannot find module 'a-module-that-is-not-installed'/);
  });

  it("makes every result Struct-safe: undefined is dropped at any depth", async () => {
    type Bag = Record<string, unknown>;
    const logic = providerLogic<Bag, Bag>({
      check: async (_olds, news) => ({ inputs: { ...news, nested: { gone: undefined, kept: [1, undefined, 2] } } }),
      diff: async () => ({ changes: false }),
      create: async () => ({ id: "x", outs: { userData: null, copiedImageId: undefined } }),
      read: async (id, props) => ({ id, props: { ...props, extra: undefined } }),
      update: async () => ({ outs: { a: { b: undefined } } }),
      delete: async () => undefined,
    });
    const checked = await logic.check({}, { region: "r" });
    assert.deepEqual(checked.inputs, { region: "r", nested: { kept: [1, 2] } });
    const created = await logic.create({});
    assert.deepEqual(created.outs, { userData: null }, "null survives: optional outputs are null, never absent");
    for (const value of [
      checked.inputs,
      created.outs,
      (await logic.read("x", { a: 1 })).props,
      (await logic.update("x", {}, {})).outs,
    ])
      assert.deepEqual(Struct.fromJavaScript(value as never).toJavaScript(), value);
  });

  it("registers cloudworkstation:index:<Type> of the plugin of this package's version, without __provider (the dynamic registration only for the migration proof)", async () => {
    const registered: { type: string; inputs: Record<string, unknown>; version?: string }[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push({ type: args.type, inputs: args.inputs });
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
      },
      "project",
      "stack",
      true,
    );
    const registration = (resource: pulumi.Resource) => new Promise((resolve) => resource.urn.apply(resolve));
    const args = { savedTemplateYaml: "name: lab\n", amiIds: {}, architecture: "x86_64", templateFile: null };
    const plugin = new SavedTemplateMappings("plugin", args);
    await registration(plugin);
    try {
      registerAsDynamicResources(true);
      await registration(new SavedTemplateMappings("as-before", args));
    } finally {
      registerAsDynamicResources(false);
    }
    assert.equal(registered[0].type, "cloudworkstation:index:SavedTemplateMappings");
    assert.ok(!("__provider" in registered[0].inputs), "no module path in state");
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version as string;
    assert.equal((plugin as unknown as { __version?: string }).__version, version, "the plugin of this version");
    assert.equal(registered[1].type, "pulumi-nodejs:dynamic/cloudworkstation:SavedTemplateMappings");
    assert.match(String(registered[1].inputs.__provider), /exports\.handler/);
  });

  it("keeps ami-resolution-provider exporting what providers serialized before the host require from it (destroy and refresh of older stacks)", () => {
    for (const name of ["check", "diff", "create", "read", "update", "remove", "stripUndefined"] as const)
      assert.equal(typeof legacy[name], "function", name);
  });
});
