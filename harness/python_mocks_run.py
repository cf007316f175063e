"""Runs a Pulumi Python program under Pulumi's mocks (no engine, no plugin, no AWS) and prints what it registered.

Usage: python python_mocks_run.py PROGRAM.py OUTPUTS.json
OUTPUTS.json maps a type token to the outputs the mock "provider" returns for every resource of that type (on top of
its inputs). Prints one JSON document: {"resources": [{"type", "name", "inputs"}...], "outputs": {type: {name: ...}}},
where "outputs" holds each resource's resolved output properties as the SDK exposes them (snake_case attributes).
test/sdk uses it for the generated SDK and examples/python-lab.
"""

import json
import runpy
import sys

import pulumi

program, outputs_file = sys.argv[1], sys.argv[2]
with open(outputs_file, encoding="utf-8") as f:
    canned = json.load(f)

registered = []
created = []


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        registered.append({"type": args.typ, "name": args.name, "inputs": args.inputs})
        return [f"{args.name}-id", {**args.inputs, **canned.get(args.typ, {})}]

    def call(self, args: pulumi.runtime.MockCallArgs):
        raise RuntimeError(f"the program called {args.token}: the mocks answer no calls")


pulumi.runtime.set_mocks(Mocks(), project="mocks", stack="test", preview=False)

# Remember every resource the program makes, to read its outputs back once the program has run.
original_init = pulumi.Resource.__init__


def recording_init(self, t, name, *rest, **kwargs):
    original_init(self, t, name, *rest, **kwargs)
    created.append((t, name, self))


pulumi.Resource.__init__ = recording_init
runpy.run_path(program, run_name="__main__")


@pulumi.runtime.test
def report():
    def properties(resource):
        names = [n for n in dir(type(resource)) if isinstance(getattr(type(resource), n, None), property)]
        # urn, id and pulumi_resource_name/type belong to every resource, not to the SDK's schema.
        return {n: getattr(resource, n) for n in names if n not in ("urn", "id") and not n.startswith("pulumi_")}

    ours = [(t, name, properties(r)) for t, name, r in created if t in canned]
    flat = [(t, name, key, value) for t, name, props in ours for key, value in props.items()]

    def emit(values):
        outputs = {}
        for (t, name, key, _), value in zip(flat, values):
            outputs.setdefault(t, {}).setdefault(name, {})[key] = value
        print(json.dumps({"resources": registered, "outputs": outputs}, sort_keys=True))

    return pulumi.Output.all(*[value for *_, value in flat]).apply(emit)


report()
