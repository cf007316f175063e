// Runs the compiled consumer program under Pulumi runtime mocks, from the consumer project (so every require,
// including the dynamic providers' serialized code, resolves against the installed tarball). AmiResolution's
// serialized provider really runs (check + create) against the emulator in AWS_ENDPOINT_URL.
const fs = require("node:fs");
const path = require("node:path");
const pulumi = require("@pulumi/pulumi");

const registered = [];
let providerFile = 0;
function loadProvider(serialized) {
  const file = path.join(__dirname, `provider-${providerFile++}.js`);
  fs.writeFileSync(file, String(serialized));
  return require(file).handler();
}

pulumi.runtime.setMocks(
  {
    newResource: async (args) => {
      registered.push(args.type);
      if (/^pulumi-nodejs:dynamic.*:AmiResolution$/.test(args.type)) {
        const { __provider, ...inputs } = args.inputs;
        const provider = loadProvider(__provider);
        const checked = await provider.check({}, inputs);
        if (checked.failures && checked.failures.length) throw new Error(JSON.stringify(checked.failures));
        const created = await provider.create(checked.inputs);
        return { id: created.id, state: created.outs };
      }
      if (args.inputs && args.inputs.__provider) loadProvider(args.inputs.__provider); // it must at least load
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
