import assert from "node:assert/strict";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AMI_RESOLUTION_TYPE } from "../../src/dynamic/ami-resolution";
import { ResearchWorkstation, WorkstationArgumentsError } from "../../src/components/research-workstation";
import type { MotoServer } from "../../harness/moto";
import { createImageFromInstance, publishBaseParameters, TEST_ACCOUNT_ID } from "../../harness/seed";
import { MotoBackedMocks, startMotoForComponents, valueOf, withEnv, type Registered } from "./moto-mocks";

/**
 * ResearchWorkstation under Pulumi runtime mocks backed by moto (./moto-mocks.ts), in preview and in update mode.
 *
 * Nothing that decides placement is invented: the AmiResolution's serialized provider runs its real `check` (and
 * `create`) against moto, and the instance and security group are made in moto in the region they would go to,
 * so an AMI or group from another region fails as it would on AWS.
 */

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

for (const preview of [true, false]) {
  describe(`ResearchWorkstation under runtime mocks (${preview ? "preview" : "update"})`, () => {
    let moto: MotoServer;
    let restoreEnv: () => void;
    let mocks: MotoBackedMocks;
    let registered: Registered[];

    before(async () => {
      moto = await startMotoForComponents();
      restoreEnv = withEnv({ ...moto.env(), AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined });
    });
    after(async () => {
      restoreEnv?.();
      await moto?.stop();
    });
    beforeEach(async () => {
      pulumi.runtime.setAllConfig({});
      mocks = await new MotoBackedMocks(moto, {
        preview,
        call: (args) =>
          args.token === "aws:ec2/getSubnet:getSubnet" ? { ...args.inputs, vpcId: "vpc-0lab" } : args.inputs,
      }).install();
      registered = mocks.registered;
    });

    const instanceOf = (name: string) =>
      registered.find(
        (resource) => resource.type === "aws:ec2/instance:Instance" && resource.name === `${name}-instance`,
      )!;
    const registeredInstance = (name: string): Promise<Registered> =>
      mocks.waitFor("aws:ec2/instance:Instance", `${name}-instance`);

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
        const instanceId = await valueOf(workstation.instanceId);
        assert.match(instanceId ?? "", /^i-[0-9a-f]+$/, "the id moto gave the launched instance");
        assert.equal(connection?.sessionManager, `aws ssm start-session --target ${instanceId} --region us-east-1`);
        const publicIp = await valueOf(workstation.publicIp);
        assert.ok(publicIp, "moto's default subnet gives the instance a public address");
        assert.equal(connection?.serviceUrls.jupyter, `http://${publicIp}:8888`);
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
      const resolutions = registered.filter((resource) => resource.type === AMI_RESOLUTION_TYPE);
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
      assert.equal(instanceOf("w1").inputs.region, "us-west-2");
      assert.equal(instanceOf("w2").inputs.region, "eu-west-1");
      assert.match(String(instanceOf("w2").provider), /pulumi:providers:aws::east/);
    });

    /** A lab image that exists only in eu-west-1 (made there from the fixture's stock image), and a template finding it. */
    const euOnlyLab = async (suffix: string) => {
      const amiId = await createImageFromInstance(moto.clients().ec2("eu-west-1"), {
        sourceAmiId: NOBLE_NEWEST,
        name: `cws-regional-lab-${suffix}`,
      });
      const template = {
        name: "regional-lab",
        base: "ubuntu-24.04",
        services: [{ name: "jupyter", port: 8888 }],
        ami_config: { ami_search: { owners: [TEST_ACCOUNT_ID], name_pattern: `cws-regional-lab-${suffix}` } },
      };
      return { amiId, template };
    };

    it("launches a workstation in its own region when aws:region names another: instance and security group land in moto's eu-west-1 with the eu-west-1 AMI", async () => {
      const { amiId, template } = await euOnlyLab(`bob-${preview}`);
      pulumi.runtime.setConfig("aws:region", "us-east-1");
      const workstation = new ResearchWorkstation("bob", {
        template,
        region: "eu-west-1",
        allowedCidrs: ["203.0.113.0/24"],
      });
      assert.equal(await valueOf(workstation.amiId), amiId);
      const instance = await registeredInstance("bob");
      const group = await mocks.waitFor("aws:ec2/securityGroup:SecurityGroup", "bob-sg");
      assert.equal(instance.inputs.region, "eu-west-1");
      assert.equal(instance.region, "eu-west-1");
      assert.equal(group.inputs.region, "eu-west-1");
      assert.equal(group.region, "eu-west-1");
      for (const iam of registered.filter((resource) => resource.type.startsWith("aws:iam/")))
        assert.equal(iam.inputs.region, undefined, `${iam.type} is global: no region input`);
      if (preview) return;
      const instanceId = await valueOf(workstation.instanceId);
      const { Reservations = [] } = await moto
        .clients()
        .ec2("eu-west-1")
        .send(new DescribeInstancesCommand({ InstanceIds: [instanceId!] }));
      const launched = Reservations[0]?.Instances?.[0];
      assert.equal(launched?.ImageId, amiId);
      assert.deepEqual(
        launched?.SecurityGroups?.map((sg) => sg.GroupId),
        [await valueOf(workstation.securityGroupId!)],
      );
      await assert.rejects(
        moto
          .clients()
          .ec2("us-east-1")
          .send(new DescribeInstancesCommand({ InstanceIds: [instanceId!] })),
        /InvalidInstanceID/,
        "nothing was launched in aws:region",
      );
    });

    it("fails as AWS would when an instance has no region input and aws:region is another region (the old behaviour, caught by the moto-backed mocks)", async () => {
      const { amiId } = await euOnlyLab(`old-${preview}`);
      pulumi.runtime.setConfig("aws:region", "us-east-1");
      const unplaced = new aws.ec2.Instance("unplaced", { ami: amiId, instanceType: "t3.micro" });
      await assert.rejects(valueOf(unplaced.id), /unplaced in us-east-1: InvalidAMIID\.NotFound/);
      const placed = new aws.ec2.Instance("placed", { ami: amiId, instanceType: "t3.micro", region: "eu-west-1" });
      await valueOf(placed.id);
      assert.equal((await mocks.waitFor("aws:ec2/instance:Instance", "placed")).region, "eu-west-1");
    });

    it("refuses a region argument that contradicts the explicit aws provider's region, naming both", async () => {
      const west = new aws.Provider("west-only", { region: "us-west-2" });
      const conflicting = new ResearchWorkstation(
        "f1",
        { template: bareNoble, region: "eu-west-1" },
        { provider: west },
      );
      await assert.rejects(valueOf(conflicting.region), (error: unknown) => {
        assert.ok(error instanceof pulumi.ResourceError);
        assert.match(
          error.message,
          /workstation "f1": region "eu-west-1" contradicts the explicit aws provider's region "us-west-2"/,
        );
        return true;
      });
      const agreeing = new ResearchWorkstation("f2", { template: bareNoble, region: "us-west-2" }, { provider: west });
      assert.equal(await valueOf(agreeing.region), "us-west-2");
      assert.equal((await registeredInstance("f2")).inputs.region, "us-west-2");
    });

    it("stops an idle workstation with a CloudWatch alarm in its own region, from the template's idle_detection", async () => {
      pulumi.runtime.setConfig("aws:region", "us-east-1");
      const template = { ...bareNoble, idle_detection: { idle_threshold_minutes: 45, check_interval_minutes: 5 } };
      const workstation = new ResearchWorkstation("idle1", { template, region: "eu-west-1", tags: { lab: "smith" } });
      const alarm = await mocks.waitFor("aws:cloudwatch/metricAlarm:MetricAlarm", "idle1-idle-stop");
      assert.equal(alarm.inputs.region, "eu-west-1");
      assert.deepEqual(alarm.inputs.alarmActions, ["arn:aws:automate:eu-west-1:ec2:stop"]);
      assert.equal(alarm.inputs.namespace, "AWS/EC2");
      assert.equal(alarm.inputs.metricName, "CPUUtilization");
      assert.equal(alarm.inputs.comparisonOperator, "LessThanThreshold");
      assert.equal(alarm.inputs.threshold, 5);
      assert.equal(alarm.inputs.period, 300);
      assert.equal(alarm.inputs.evaluationPeriods, 9, "45 idle minutes of 5-minute datapoints");
      assert.equal(alarm.inputs.datapointsToAlarm, 9);
      assert.equal(alarm.inputs.treatMissingData, "notBreaching");
      assert.equal((alarm.inputs.tags as Record<string, string>).lab, "smith");
      const instance = await registeredInstance("idle1");
      assert.equal(instance.inputs.hibernation, undefined, "no hibernate_threshold_minutes: no hibernation");
      if (!preview) assert.deepEqual(alarm.inputs.dimensions, { InstanceId: await valueOf(workstation.instanceId) });
      const none = new ResearchWorkstation("idle0", {
        template: { ...bareNoble, name: "no-idle", idle_detection: { enabled: false, idle_threshold_minutes: 45 } },
        region: "eu-west-1",
      });
      await valueOf(none.amiId);
      await registeredInstance("idle0");
      assert.ok(!registered.some((resource) => resource.name === "idle0-idle-stop"), "disabled: no alarm");
    });

    it("hibernates through the idle agent: hibernation enabled at launch, agent in user data, a policy that stops only this instance", async () => {
      const template = {
        ...nobleSearch,
        idle_detection: { idle_threshold_minutes: 120, hibernate_threshold_minutes: 20, check_interval_minutes: 5 },
      };
      const workstation = new ResearchWorkstation("sleepy", { template, region: "us-east-1", size: "M" });
      assert.equal(await valueOf(workstation.hibernation), true);
      const instance = await registeredInstance("sleepy");
      assert.equal(instance.inputs.instanceType, "m7i.xlarge");
      assert.equal(instance.inputs.hibernation, true);
      const userData = String(instance.inputs.userData);
      assert.match(userData, /^#!\/bin\/bash\n# CloudWorkstation idle agent: hibernate after 20 idle minutes/);
      assert.match(userData, /systemctl enable --now jupyter\.service/, "the boot script still runs after the agent");
      assert.match(userData, /systemctl enable --now cloudworkstation-idle\.timer/);
      const policy = await mocks.waitFor("aws:iam/rolePolicy:RolePolicy", "sleepy-hibernate-self");
      assert.equal(policy.inputs.region, undefined, "IAM is global");
      assert.equal(
        (await mocks.waitFor("aws:cloudwatch/metricAlarm:MetricAlarm", "sleepy-idle-stop")).inputs.evaluationPeriods,
        24,
      );
      if (preview) return;
      const instanceId = await valueOf(workstation.instanceId);
      assert.equal(policy.inputs.role, "sleepy-role-id");
      assert.deepEqual(JSON.parse(String(policy.inputs.policy)).Statement, [
        {
          Sid: "HibernateOwnInstanceWhenIdle",
          Effect: "Allow",
          Action: "ec2:StopInstances",
          Resource: `arn:aws:ec2:us-east-1:${TEST_ACCOUNT_ID}:instance/${instanceId}`,
        },
      ]);
      const { Reservations = [] } = await moto
        .clients()
        .ec2("us-east-1")
        .send(new DescribeInstancesCommand({ InstanceIds: [instanceId!] }));
      assert.equal(Reservations[0]?.Instances?.[0]?.HibernationOptions?.Configured, true);
    });

    it("refuses hibernation where EC2 cannot do it: a GPU type, or a root volume smaller than RAM plus the OS", async () => {
      const template = { ...bareNoble, idle_detection: { hibernate_threshold_minutes: 20 } };
      const gpu = new ResearchWorkstation("nap-gpu", { template, region: "us-east-1", size: "GPU-S" });
      await assert.rejects(valueOf(gpu.hibernation), (error: unknown) => {
        assert.ok(error instanceof pulumi.ResourceError);
        assert.match(
          error.message,
          /workstation "nap-gpu" \(template "bare-noble" idle_detection\.hibernate_threshold_minutes\): g5\.xlarge cannot hibernate/,
        );
        return true;
      });
      const big = new ResearchWorkstation("nap-xl", { template, region: "us-east-1", size: "XL" });
      await assert.rejects(
        valueOf(big.hibernation),
        /root volume \(50 GiB\) cannot hold m7i\.4xlarge's 64 GiB of RAM.*at least 80/,
      );
      const roomy = new ResearchWorkstation("nap-xl-ok", {
        template,
        region: "us-east-1",
        size: "XL",
        rootVolumeGb: 80,
      });
      await valueOf(roomy.amiId);
      assert.equal((await registeredInstance("nap-xl-ok")).inputs.hibernation, true);
      assert.throws(
        () =>
          new ResearchWorkstation("nap-late", {
            template: { ...bareNoble, idle_detection: { idle_threshold_minutes: 20, hibernate_threshold_minutes: 30 } },
            region: "us-east-1",
          }),
        (error: unknown) =>
          error instanceof pulumi.ResourceError &&
          /workstation "nap-late", template "bare-noble": idle_detection\.hibernate_threshold_minutes: 30 is not below/.test(
            error.message,
          ),
      );
    });

    it("takes the region from aws:region config when neither the argument nor a provider gives one", async () => {
      pulumi.runtime.setConfig("aws:region", "eu-west-1");
      const workstation = new ResearchWorkstation("dave", { template: bareNoble });
      assert.equal(await valueOf(workstation.region), "eu-west-1");
    });

    it("reports every wrong argument at once, one per property, in Pulumi's InputPropertyErrorDetails shape", () => {
      assert.throws(
        () =>
          new ResearchWorkstation("e7", {
            template: bareNoble,
            region: "us-east-1",
            size: "M",
            instanceType: "m7i.large",
            allowedCidrs: ["10.0.0.300/8"],
          }),
        (error: unknown) => {
          assert.ok(error instanceof WorkstationArgumentsError && error instanceof pulumi.ResourceError);
          assert.deepEqual(
            error.errors.map((detail) => detail.propertyPath),
            ["size", "allowedCidrs[0]"],
          );
          assert.equal(
            error.message.split("\n")[2],
            `  allowedCidrs[0]: ${error.errors[1].reason}`,
            "each property on its own line",
          );
          assert.match(error.message, /^workstation "e7": 2 arguments are wrong\n {2}size: give size or instanceType/);
          return true;
        },
      );
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
