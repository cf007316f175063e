import assert from "node:assert/strict";
import { DescribeInstancesCommand, DescribeVolumesCommand } from "@aws-sdk/client-ec2";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { isLoopbackEndpoint, standinEndpoint, UNKNOWN } from "../../harness/aws-standin/context";
import { AwsStandin, parseStandinConfig } from "../../harness/aws-standin/provider";
import { startMoto, type MotoServer } from "../../harness/moto";
import { createImageFromInstance, FIXTURE_BASE_IMAGES } from "../../harness/seed";

/**
 * The AWS provider stand-in's methods called directly against moto (no engine): what the engine would ask, what
 * moto holds afterwards. test/e2e/workstation.test.ts runs it under the real engine.
 */

const urn = (type: string, name: string) => `urn:pulumi:dev::proj::${type}::${name}`;
const INSTANCE = "aws:ec2/instance:Instance";
const UBUNTU = FIXTURE_BASE_IMAGES["ubuntu-24.04"].x86_64;

describe("the AWS provider stand-in (harness/aws-standin) against moto", function () {
  this.timeout(60_000);
  let moto: MotoServer;
  let standin: AwsStandin;
  const savedEndpoint = process.env.AWS_ENDPOINT_URL;

  before(async () => {
    moto = await startMoto();
    Object.assign(process.env, moto.env());
    standin = new AwsStandin("7.48.0");
    standin.configure({ region: "us-east-1", defaultTags: JSON.stringify({ tags: { team: "smith-lab" } }) });
  });
  after(async () => {
    if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL;
    else process.env.AWS_ENDPOINT_URL = savedEndpoint;
    await moto?.stop();
  });

  describe("refuses to talk to anything but loopback", () => {
    it("accepts 127.0.0.0/8, ::1 and localhost and refuses every other host", () => {
      for (const good of ["http://127.0.0.1:5000", "http://127.8.9.10", "http://[::1]:4566", "http://localhost:1"])
        assert.ok(isLoopbackEndpoint(good), good);
      for (const bad of [
        "https://ec2.us-east-1.amazonaws.com",
        "http://10.0.0.1:5000",
        "http://128.0.0.1",
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
        "file:///tmp/x",
      ])
        assert.ok(!isLoopbackEndpoint(bad), bad);
    });

    it("fails before any call when the endpoint is AWS itself or missing, naming the endpoint and what to do", () => {
      const config = parseStandinConfig({ region: "us-east-1" });
      assert.throws(
        () => standinEndpoint("ec2", config, { AWS_ENDPOINT_URL: "https://ec2.us-east-1.amazonaws.com" }),
        /refuses the ec2 endpoint https:\/\/ec2\.us-east-1\.amazonaws\.com: only loopback endpoints/,
      );
      assert.throws(() => standinEndpoint("iam", config, {}), /no endpoint for iam: set AWS_ENDPOINT_URL/);
      const viaConfig = parseStandinConfig({ endpoints: JSON.stringify([{ ec2: "https://example.com" }]) });
      assert.throws(() => standinEndpoint("ec2", viaConfig, { AWS_ENDPOINT_URL: moto.endpoint }), /refuses/);
    });

    it("a create against a non-loopback endpoint fails without reaching it", async () => {
      const elsewhere = new AwsStandin("7.48.0");
      elsewhere.configure({ region: "us-east-1", endpoints: JSON.stringify([{ ec2: "http://192.0.2.1:9" }]) });
      await assert.rejects(
        elsewhere.create(urn(INSTANCE, "x"), { region: "us-east-1", ami: UBUNTU, instanceType: "t3.micro" }),
        /refuses the ec2 endpoint http:\/\/192\.0\.2\.1:9/,
      );
    });
  });

  it("refuses provider settings and resource properties it does not serve, rather than ignoring them", async () => {
    assert.throws(
      () => parseStandinConfig({ region: "us-east-1", assumeRoles: "[]" }),
      /does not serve the provider setting\(s\) assumeRoles/,
    );
    const { failures } = await standin.check(urn(INSTANCE, "x"), {}, { ami: UBUNTU, ebsOptimized: true });
    assert.deepEqual(
      failures?.map((failure) => failure.property),
      ["ebsOptimized"],
    );
    await assert.rejects(
      standin.check(urn("aws:s3/bucket:Bucket", "b"), {}, {}),
      /does not serve aws:s3\/bucket:Bucket/,
    );
  });

  it("fills the region from the provider and auto-names, keeping an earlier name", async () => {
    const first = await standin.check(urn("aws:iam/role:Role", "ws-role"), {}, { assumeRolePolicy: "{}" });
    assert.match(first.inputs.name, /^ws-role-[0-9a-f]{7}$/);
    const again = await standin.check(urn("aws:iam/role:Role", "ws-role"), first.inputs, { assumeRolePolicy: "{}" });
    assert.equal(again.inputs.name, first.inputs.name);
    const group = await standin.check(urn("aws:ec2/securityGroup:SecurityGroup", "sg"), {}, { description: "d" });
    assert.equal(group.inputs.region, "us-east-1");
  });

  describe("an instance in eu-west-1 while the provider says us-east-1", () => {
    let id: string;
    let outs: Record<string, unknown> & { rootBlockDevice: { volumeId: string } };
    const inputs = {
      region: "eu-west-1",
      ami: UBUNTU,
      instanceType: "t3.large",
      availabilityZone: "eu-west-1a",
      userData: "#!/bin/bash\necho hello\n",
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 2 },
      rootBlockDevice: { volumeType: "gp3", encrypted: true, volumeSize: 60, deleteOnTermination: true },
      tags: { Name: "ws", owner: "dana" },
      volumeTags: { Name: "ws" },
    };

    before(async () => {
      const created = await standin.create(urn(INSTANCE, "ws"), inputs);
      id = created.id;
      outs = created.outs;
    });

    it("launches in the resource's region with the AMI, IMDSv2, an encrypted gp3 root, user data and tags", async () => {
      const ec2 = moto.clients().ec2("eu-west-1");
      const { Reservations = [] } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
      const instance = Reservations[0]?.Instances?.[0];
      assert.equal(instance?.ImageId, UBUNTU);
      assert.equal(instance?.Placement?.AvailabilityZone, "eu-west-1a");
      assert.equal(instance?.MetadataOptions?.HttpTokens, "required");
      const { Volumes = [] } = await ec2.send(
        new DescribeVolumesCommand({ VolumeIds: [outs.rootBlockDevice.volumeId] }),
      );
      assert.equal(Volumes[0]?.Encrypted, true);
      assert.equal(Volumes[0]?.Size, 60);
      assert.equal(outs.userData, inputs.userData);
      assert.deepEqual(outs.tags, inputs.tags);
      assert.deepEqual(outs.tagsAll, { ...inputs.tags, team: "smith-lab" });
      assert.equal(outs.arn, `arn:aws:ec2:eu-west-1:123456789012:instance/${id}`);
      // Not in us-east-1, where the provider points.
      const east = await moto.clients().ec2("us-east-1").send(new DescribeInstancesCommand({}));
      assert.ok(!(east.Reservations ?? []).some((r) => r.Instances?.some((i) => i.InstanceId === id)));
    });

    it("reads back exactly the state create returned (refresh changes nothing)", async () => {
      const read = await standin.read(id, urn(INSTANCE, "ws"), outs);
      assert.equal(read.id, id);
      assert.deepEqual(read.props, outs);
    });

    it("diffs: no change for the same inputs; a new AMI or zone replaces; user data updates in place unless userDataReplaceOnChange", async () => {
      const checked = (await standin.check(urn(INSTANCE, "ws"), inputs, inputs)).inputs;
      assert.deepEqual(await standin.diff(id, urn(INSTANCE, "ws"), outs, checked), { changes: false, replaces: [] });
      const other = FIXTURE_BASE_IMAGES["ubuntu-22.04"].x86_64;
      assert.deepEqual((await standin.diff(id, urn(INSTANCE, "ws"), outs, { ...checked, ami: other })).replaces, [
        "ami",
      ]);
      assert.deepEqual((await standin.diff(id, urn(INSTANCE, "ws"), outs, { ...checked, ami: UNKNOWN })).replaces, [
        "ami",
      ]);
      assert.deepEqual(
        (await standin.diff(id, urn(INSTANCE, "ws"), outs, { ...checked, availabilityZone: "eu-west-1b" })).replaces,
        ["availabilityZone"],
      );
      const newScript = { ...checked, userData: "#!/bin/bash\necho bye\n" };
      assert.deepEqual(await standin.diff(id, urn(INSTANCE, "ws"), outs, newScript), { changes: true, replaces: [] });
      assert.deepEqual(
        (await standin.diff(id, urn(INSTANCE, "ws"), outs, { ...newScript, userDataReplaceOnChange: true })).replaces,
        ["userData"],
      );
      assert.deepEqual(
        (
          await standin.diff(id, urn(INSTANCE, "ws"), outs, {
            ...checked,
            rootBlockDevice: { ...inputs.rootBlockDevice, encrypted: false },
          })
        ).replaces,
        ["rootBlockDevice"],
      );
    });

    it("updates the instance type and tags in place (stop, modify, start)", async () => {
      const news = { ...inputs, instanceType: "t3.xlarge", tags: { Name: "ws" } };
      const { outs: updated } = await standin.update(id, urn(INSTANCE, "ws"), outs, news);
      assert.equal(updated.instanceType, "t3.xlarge");
      assert.equal(updated.instanceState, "running");
      assert.deepEqual(updated.tags, { Name: "ws" });
      assert.deepEqual(updated.tagsAll, { Name: "ws", team: "smith-lab" });
    });

    it("delete terminates it, and read then reports it gone", async () => {
      await standin.delete(id, urn(INSTANCE, "ws"), outs);
      assert.equal((await standin.read(id, urn(INSTANCE, "ws"), outs)).id, "");
    });
  });

  it("an AMI from another region fails as AWS says: InvalidAMIID.NotFound, from moto through the SDK", async () => {
    const east = await createImageFromInstance(moto.clients().ec2("us-east-1"), {
      sourceAmiId: UBUNTU,
      name: "lab-east",
    });
    await assert.rejects(
      standin.create(urn(INSTANCE, "wrong-region"), { region: "eu-west-1", ami: east, instanceType: "t3.micro" }),
      (error: Error & { name?: string }) => {
        assert.equal(error.name, "InvalidAMIID.NotFound");
        assert.match(error.message, new RegExp(east));
        return true;
      },
    );
  });

  it("an idle-stop alarm lives in its region with the stop action, and round-trips through read", async () => {
    const inputs = {
      region: "eu-west-1",
      name: "ws-idle-stop-1234567",
      alarmDescription: "stop when idle",
      namespace: "AWS/EC2",
      metricName: "CPUUtilization",
      dimensions: { InstanceId: "i-0123456789abcdef0" },
      statistic: "Average",
      comparisonOperator: "LessThanThreshold",
      threshold: 5,
      period: 300,
      evaluationPeriods: 6,
      datapointsToAlarm: 6,
      treatMissingData: "notBreaching",
      alarmActions: ["arn:aws:automate:eu-west-1:ec2:stop"],
      tags: { "cloudworkstation:workstation": "ws" },
    };
    const { id, outs } = await standin.create(urn("aws:cloudwatch/metricAlarm:MetricAlarm", "ws-idle-stop"), inputs);
    const cloudwatch = new CloudWatchClient({ region: "eu-west-1", endpoint: moto.endpoint });
    const { MetricAlarms = [] } = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [id] }));
    assert.deepEqual(MetricAlarms[0]?.AlarmActions, ["arn:aws:automate:eu-west-1:ec2:stop"]);
    assert.deepEqual(
      (await standin.read(id, urn("aws:cloudwatch/metricAlarm:MetricAlarm", "ws-idle-stop"), outs)).props,
      outs,
    );
    const checked = (await standin.check(urn("aws:cloudwatch/metricAlarm:MetricAlarm", "ws-idle-stop"), inputs, inputs))
      .inputs;
    assert.equal(
      (await standin.diff(id, urn("aws:cloudwatch/metricAlarm:MetricAlarm", "ws-idle-stop"), outs, checked)).changes,
      false,
    );
  });
});
