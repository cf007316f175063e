import assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import requireFromString from "require-from-string";
import { ResearchWorkstation } from "../../src/components/research-workstation";
import { MotoServer, startMoto } from "../../harness/moto";
import { publishBaseParameters } from "../../harness/seed";

/**
 * ResearchWorkstation under Pulumi runtime mocks, in preview and in update mode.
 *
 * Mocks replace every resource, dynamic ones included (`newResource` sees type
 * `pulumi-nodejs:dynamic:AmiResolution`). For the AmiResolution we do what the engine does instead of inventing a
 * result: take the serialized provider from the registered `__provider` input, load it the way Pulumi's provider
 * host does (`requireFromString(text).handler()`), call its real `check` against moto, and return the checked
 * inputs as the outputs (what the engine shows in a preview); outside preview we also call `create`. So the
 * instance's `ami` in these tests is what the resolver really chose from the fixture landscape.
 */

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  provider?: string;
}

const NOBLE_NEWEST = "ami-00c41000000000002";

const nobleSearch = {
  name: "noble-lab",
  version: "2.1.0",
  base: "ubuntu-24.04",
  services: [{ name: "jupyter", port: 8888 }],
  ami_config: {
    ami_search: { owners: ["099720109477"], name_pattern: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-*-server-*" },
  },
};
/** Same image source, nothing to do at boot: the instance gets no user data at all. */
const bareNoble = { name: "bare-noble", base: "ubuntu-24.04", ami_config: nobleSearch.ami_config };
/** No AMI source at all: the script path (base image + rendered provisioning script). */
const scriptOnly = { name: "script-only", base: "ubuntu-24.04", packages: { system: ["htop"] } };

async function valueOf<T>(output: pulumi.Output<T>): Promise<T | undefined> {
  const internal = output as unknown as { isKnown: Promise<boolean>; promise(): Promise<T> };
  return (await internal.isKnown) ? internal.promise() : undefined;
}

function withEnv(values: Record<string, string | undefined>): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(values)) {
    saved[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

for (const preview of [true, false]) {
  describe(`ResearchWorkstation under runtime mocks (${preview ? "preview" : "update"})`, () => {
    let moto: MotoServer;
    let restoreEnv: () => void;
    let registered: Registered[];

    before(async () => {
      moto = await startMoto();
      restoreEnv = withEnv({ ...moto.env(), AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined });
    });
    after(async () => {
      restoreEnv?.();
      await moto?.stop();
    });
    beforeEach(async () => {
      registered = [];
      pulumi.runtime.setAllConfig({});
      await pulumi.runtime.setMocks(
        {
          newResource: async (args) => {
            registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
            if (args.type === "pulumi-nodejs:dynamic:AmiResolution") {
              const { __provider, ...inputs } = args.inputs as Record<string, unknown>;
              const provider = requireFromString(String(__provider)).handler() as pulumi.dynamic.ResourceProvider;
              const checked = await provider.check!({}, inputs);
              if (checked.failures?.length)
                throw new Error(checked.failures.map((failure) => `${failure.property}: ${failure.reason}`).join("\n"));
              if (preview) return { id: undefined, state: checked.inputs };
              const created = await provider.create!(checked.inputs);
              return { id: created.id, state: created.outs };
            }
            if (args.type === "aws:ec2/instance:Instance") {
              return {
                id: preview ? undefined : "i-0123456789abcdef0",
                state: { ...args.inputs, ...(preview ? {} : { publicIp: "198.51.100.7", privateIp: "10.0.1.5" }) },
              };
            }
            return { id: preview ? undefined : `${args.name}-id`, state: args.inputs };
          },
          call: (args) =>
            args.token === "aws:ec2/getSubnet:getSubnet" ? { ...args.inputs, vpcId: "vpc-0lab" } : args.inputs,
        },
        "lab",
        "dev",
        preview,
      );
    });

    const instanceOf = (name: string) =>
      registered.find(
        (resource) => resource.type === "aws:ec2/instance:Instance" && resource.name === `${name}-instance`,
      )!;
    /** The instance registers once the resolution's outputs resolve: wait for it (a bounded wait, not a timing assertion). */
    const registeredInstance = async (name: string): Promise<Registered> => {
      for (let attempt = 0; attempt < 500 && !instanceOf(name); attempt++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      assert.ok(instanceOf(name), `instance ${name}-instance was never registered`);
      return instanceOf(name);
    };

    it("launches the resolved AMI with IMDSv2 required, an encrypted gp3 root volume and tags that record the resolution", async () => {
      const workstation = new ResearchWorkstation("alice", {
        template: nobleSearch,
        region: "us-east-1",
        size: "M",
        owner: "alice",
        project: "genomics",
        allowedCidrs: ["203.0.113.0/24"],
      });
      assert.equal(await valueOf(workstation.amiId), NOBLE_NEWEST);
      assert.equal(await valueOf(workstation.resolutionMethod), "dynamic_search");
      assert.equal(await valueOf(workstation.launchMode), "ami");
      assert.ok(
        (await valueOf(workstation.fallbackChain))!.some((line) =>
          line.startsWith(`✓ dynamic_search: selected ${NOBLE_NEWEST}`),
        ),
      );
      assert.ok(((await valueOf(workstation.estimatedLaunchSeconds)) ?? 0) > 0);
      assert.match((await valueOf(workstation.costLabel)) ?? "", /estimate/i);
      const instanceType = await valueOf(workstation.instanceType);
      assert.match(instanceType ?? "", /^[a-z0-9-]+\.[a-z0-9]+$/);

      const instance = await registeredInstance("alice");
      assert.equal(instance.inputs.ami, NOBLE_NEWEST);
      assert.equal(instance.inputs.instanceType, instanceType);
      assert.deepEqual(instance.inputs.metadataOptions, {
        httpEndpoint: "enabled",
        httpPutResponseHopLimit: 2,
        httpTokens: "required",
      });
      const root = instance.inputs.rootBlockDevice as Record<string, unknown>;
      assert.equal(root.encrypted, true);
      assert.equal(root.volumeType, "gp3");
      const tags = instance.inputs.tags as Record<string, string>;
      assert.equal(tags["cloudworkstation:template"], "noble-lab");
      assert.equal(tags["cloudworkstation:template-version"], "2.1.0");
      assert.equal(tags["cloudworkstation:resolution-method"], "dynamic_search");
      assert.equal(tags["cloudworkstation:owner"], "alice");
      // The template has a service: the AMI path gets only the small boot script (enable the service), not provisioning.
      assert.match(String(instance.inputs.userData), /systemctl enable --now jupyter\.service/);
      assert.doesNotMatch(String(instance.inputs.userData), /apt-get/);

      const group = registered.find((resource) => resource.type === "aws:ec2/securityGroup:SecurityGroup")!;
      assert.equal(group.name, "alice-sg");
      const ingress = group.inputs.ingress as { fromPort: number; cidrBlocks: string[] }[];
      assert.deepEqual(
        ingress.map((rule) => rule.fromPort),
        [8888],
      );
      assert.deepEqual(ingress[0].cidrBlocks, ["203.0.113.0/24"]);
      assert.ok(
        registered.some(
          (resource) =>
            resource.type === "aws:iam/instanceProfile:InstanceProfile" && resource.name === "alice-profile",
        ),
      );
      assert.ok(
        registered.some(
          (resource) =>
            resource.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" &&
            resource.inputs.policyArn === "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        ),
      );

      const connection = await valueOf(workstation.connection);
      if (preview) {
        assert.equal(connection, undefined, "the instance id is unknown in preview");
      } else {
        assert.equal(
          connection?.sessionManager,
          "aws ssm start-session --target i-0123456789abcdef0 --region us-east-1",
        );
        assert.equal(connection?.serviceUrls.jupyter, "http://198.51.100.7:8888");
        assert.equal(await valueOf(workstation.instanceId), "i-0123456789abcdef0");
      }
    });

    it("gives the instance no user data on the AMI path when the template needs nothing at boot", async () => {
      const workstation = new ResearchWorkstation("bob", {
        template: bareNoble,
        region: "us-east-1",
        architecture: "arm64",
      });
      assert.equal(await valueOf(workstation.amiId), "ami-00c41000000000003");
      assert.equal(await valueOf(workstation.architecture), "arm64");
      const instance = await registeredInstance("bob");
      assert.equal(instance.inputs.ami, "ami-00c41000000000003");
      assert.equal(instance.inputs.userData, undefined);
      assert.ok(
        !registered.some((resource) => resource.type === "aws:ec2/securityGroup:SecurityGroup"),
        "no allowedCidrs: no security group",
      );
    });

    it("provisions by script when the template has no AMI source: user data present, launch mode script", async () => {
      // The script path starts from the distribution's stock image, found through its public SSM parameter.
      await publishBaseParameters(moto.clients().ssm("us-east-1"), ["ubuntu-24.04"]);
      const workstation = new ResearchWorkstation("carol", { template: scriptOnly, region: "us-east-1" });
      assert.equal(await valueOf(workstation.resolutionMethod), "fallback_script");
      assert.equal(await valueOf(workstation.launchMode), "script");
      const instance = await registeredInstance("carol");
      assert.match(String(instance.inputs.userData), /^#!\/bin\/bash/);
      assert.match(String(instance.inputs.userData), /htop/);
      assert.equal(instance.inputs.ami, NOBLE_NEWEST, "the stock Ubuntu 24.04 image the parameter points at");
      assert.equal((instance.inputs.tags as Record<string, string>)["cloudworkstation:launch-mode"], "script");
    });

    it("threads each explicit aws provider's region to its own resolution; the dynamic resource never gets the aws provider", async () => {
      const west = new aws.Provider("west", { region: "us-west-2" });
      const east = new aws.Provider("east", { region: "eu-west-1" });
      const one = new ResearchWorkstation("w1", { template: bareNoble }, { provider: west });
      const two = new ResearchWorkstation("w2", { template: bareNoble }, { providers: [east] });
      assert.equal(await valueOf(one.region), "us-west-2");
      assert.equal(await valueOf(two.region), "eu-west-1");
      await registeredInstance("w1");
      await registeredInstance("w2");
      const resolutions = registered.filter((resource) => resource.type === "pulumi-nodejs:dynamic:AmiResolution");
      assert.deepEqual(resolutions.map((resource) => [resource.name, resource.inputs.region]).sort(), [
        ["w1-ami", "us-west-2"],
        ["w2-ami", "eu-west-1"],
      ]);
      for (const resolution of resolutions)
        assert.ok(
          !String(resolution.provider ?? "").includes("pulumi:providers:aws"),
          "dynamic resources use their own provider",
        );
      assert.match(String(instanceOf("w1").provider), /pulumi:providers:aws::west/);
      assert.match(String(instanceOf("w2").provider), /pulumi:providers:aws::east/);
    });

    it("takes the region from aws:region config when neither the argument nor a provider gives one", async () => {
      pulumi.runtime.setConfig("aws:region", "eu-west-1");
      const workstation = new ResearchWorkstation("dave", { template: bareNoble });
      assert.equal(await valueOf(workstation.region), "eu-west-1");
    });

    it("turns user mistakes into ResourceErrors that say what to do", () => {
      assert.throws(
        () => new ResearchWorkstation("e1", { template: "no-such-template", region: "us-east-1" }),
        (error: unknown) => {
          assert.ok(error instanceof pulumi.ResourceError);
          assert.match(error.message, /no-such-template/);
          assert.match(error.message, /not found/);
          return true;
        },
      );
      assert.throws(
        () =>
          new ResearchWorkstation("e2", {
            template: { name: "bad", ami_config: { ami_search: { name_pattern: "x*" } } },
            region: "us-east-1",
          }),
        (error: unknown) => error instanceof pulumi.ResourceError && /owners is required/.test(error.message),
      );
      assert.throws(
        () =>
          new ResearchWorkstation("e3", {
            template: bareNoble,
            region: "us-east-1",
            instanceType: "m7i.large",
            architecture: "arm64",
          }),
        (error: unknown) =>
          error instanceof pulumi.ResourceError &&
          /m7i\.large is an x86_64 instance type, but architecture arm64 was requested; choose an arm64 type/.test(
            error.message,
          ),
      );
      assert.throws(
        () =>
          new ResearchWorkstation("e4", {
            template: bareNoble,
            region: "us-east-1",
            size: "GPU-L",
            architecture: "arm64",
          }),
        (error: unknown) =>
          error instanceof pulumi.ResourceError && /workstation "e4" in us-east-1: size/.test(error.message),
      );
      assert.throws(
        () => new ResearchWorkstation("e5", { template: bareNoble }),
        (error: unknown) =>
          error instanceof pulumi.ResourceError &&
          /no region for the workstation: set the `region` argument/.test(error.message),
      );
      assert.throws(
        () =>
          new ResearchWorkstation("e6", {
            template: bareNoble,
            region: "us-east-1",
            size: "M",
            instanceType: "m7i.large",
          }),
        (error: unknown) =>
          error instanceof pulumi.ResourceError && /give size or instanceType, not both/.test(error.message),
      );
    });
  });
}
