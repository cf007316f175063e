// Runs the compiled consumer program under Pulumi runtime mocks, from the consumer project (so every require
// resolves against the installed tarball). AmiResolution's logic, as the cloudworkstation plugin runs it, really runs
// (check + create) against the emulator in AWS_ENDPOINT_URL.
const pulumi = require("@pulumi/pulumi");

const registered = [];

pulumi.runtime.setMocks(
  {
    newResource: async (args) => {
      registered.push(args.type);
      if (args.type === "cloudworkstation:index:AmiResolution") {
        // What the cloudworkstation plugin runs for it: the package's own logic module.
        const { provider } = require("cloudworkstation/dist/src/dynamic/ami-resolution/provider");
        const checked = await provider.check({}, args.inputs);
        if (checked.failures && checked.failures.length) throw new Error(JSON.stringify(checked.failures));
        const created = await provider.create(checked.inputs);
        return { id: created.id, state: created.outs };
      }
      if (args.inputs && "__provider" in args.inputs) throw new Error(`${args.type} ${args.name} carries __provider`);
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: (args) =>
      args.token === "aws:ec2/getSubnet:getSubnet" ? { ...args.inputs, vpcId: "vpc-0lab" } : args.inputs,
  },
  "consumer",
  "dev",
  false,
);

const program = require("./dist/index.js");
pulumi.output(program.outputs).apply((outputs) => {
  process.stdout.write(JSON.stringify({ outputs, registered }) + "\n");
});
