import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { STANDIN_CONFIG_KEYS, STANDIN_FUNCTIONS, STANDIN_RESOURCES } from "../../harness/aws-standin/provider";
import type { PropertyShape } from "../../harness/aws-standin/resource";
import { REPO_ROOT } from "../../harness/pulumi-cli";

/**
 * Every property the AWS provider stand-in reads or returns is named as in @pulumi/aws's published types: read with
 * the TypeScript compiler API from node_modules/@pulumi/aws (<Class>Args / <Class>State of each resource's .d.ts,
 * Get<Fn>Args / Get<Fn>Result of each function, ProviderArgs, and the nested types in types/input.d.ts and
 * types/output.d.ts). The stand-in refuses undeclared inputs in check and throws on undeclared outputs, so what it
 * declares is what it serves.
 */

const AWS_TYPES = path.join(REPO_ROOT, "node_modules", "@pulumi", "aws");

const sources = new Map<string, ts.SourceFile>();
function source(relative: string): ts.SourceFile {
  let file = sources.get(relative);
  if (!file) {
    const text = fs.readFileSync(path.join(AWS_TYPES, relative), "utf8");
    file = ts.createSourceFile(relative, text, ts.ScriptTarget.ES2022, true);
    sources.set(relative, file);
  }
  return file;
}

/** Member names of interface `name` (inside `namespace`, when given) in a .d.ts, or undefined when absent. */
function interfaceMembers(relative: string, name: string, namespace?: string): Set<string> | undefined {
  let found: Set<string> | undefined;
  const visit = (node: ts.Node, inNamespace: string | undefined) => {
    if (ts.isModuleDeclaration(node)) {
      const inner = node.name.getText();
      node.body?.forEachChild((child) => visit(child, inner));
      return;
    }
    if (ts.isInterfaceDeclaration(node) && node.name.text === name && inNamespace === namespace)
      found = new Set(node.members.map((member) => member.name?.getText() ?? "").filter(Boolean));
    node.forEachChild((child) => visit(child, inNamespace));
  };
  visit(source(relative), undefined);
  return found;
}

/** Missing names in `shape` against an interface, recursing into nested types (`ec2.InstanceRootBlockDevice`). */
function missing(shape: PropertyShape, members: Set<string>, side: "input" | "output", where: string): string[] {
  const problems: string[] = [];
  for (const [property, nested] of Object.entries(shape)) {
    if (!members.has(property)) {
      problems.push(`${where}.${property}`);
      continue;
    }
    if (nested === true) continue;
    const [namespace, name] = nested.type.split(".");
    const nestedMembers = interfaceMembers(`types/${side}.d.ts`, name, namespace);
    if (!nestedMembers) problems.push(`${where}.${property}: no ${nested.type} in types/${side}.d.ts`);
    else problems.push(...missing(nested.properties, nestedMembers, side, `${where}.${property}`));
  }
  return problems;
}

/** `aws:ec2/instance:Instance` → ec2/instance.d.ts and Instance. */
function declarationOf(token: string): { file: string; name: string } {
  const match = /^aws:([^/]+)\/([^:]+):(.+)$/.exec(token);
  assert.ok(match, `unexpected token ${token}`);
  return { file: `${match[1]}/${match[2]}.d.ts`, name: match[3] };
}

describe("the AWS provider stand-in's property names match @pulumi/aws's published types", () => {
  for (const resource of STANDIN_RESOURCES) {
    it(`${resource.token}: every input is in its Args type and every output in its State type`, () => {
      const { file, name } = declarationOf(resource.token);
      const args = interfaceMembers(file, `${name}Args`);
      const state = interfaceMembers(file, `${name}State`);
      assert.ok(args && state, `${file} has no ${name}Args/${name}State`);
      assert.deepEqual(missing(resource.inputs, args, "input", `${name}Args`), []);
      assert.deepEqual(missing(resource.outputs, state, "output", `${name}State`), []);
      for (const rule of Object.keys(resource.replaceOnChange))
        assert.ok(rule.split(".")[0] in resource.inputs, `replace rule ${rule} names a property the stand-in serves`);
    });
  }

  for (const fn of STANDIN_FUNCTIONS) {
    it(`${fn.token}: every input is in its Args type and every output in its Result type`, () => {
      const { file, name } = declarationOf(fn.token);
      const upper = name[0].toUpperCase() + name.slice(1);
      const args = interfaceMembers(file, `${upper}Args`);
      const result = interfaceMembers(file, `${upper}Result`);
      assert.ok(args && result, `${file} has no ${upper}Args/${upper}Result`);
      assert.deepEqual(missing(fn.inputs, args, "input", `${upper}Args`), []);
      assert.deepEqual(missing(fn.outputs, result, "output", `${upper}Result`), []);
    });
  }

  it("every provider setting it honours is a ProviderArgs property", () => {
    const args = interfaceMembers("provider.d.ts", "ProviderArgs");
    assert.ok(args);
    assert.deepEqual(
      STANDIN_CONFIG_KEYS.filter((key) => !args.has(key)),
      [],
    );
  });

  it("the check itself catches a wrong name (a made-up property is reported)", () => {
    const args = interfaceMembers("ec2/instance.d.ts", "InstanceArgs") as Set<string>;
    assert.deepEqual(missing({ ami: true, imageId: true }, args, "input", "InstanceArgs"), ["InstanceArgs.imageId"]);
    assert.deepEqual(
      missing(
        { rootBlockDevice: { type: "ec2.InstanceRootBlockDevice", properties: { encrypted: true, sizeGb: true } } },
        args,
        "input",
        "InstanceArgs",
      ),
      ["InstanceArgs.rootBlockDevice.sizeGb"],
    );
  });
});
