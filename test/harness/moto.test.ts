import assert from "node:assert/strict";
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { GetParameterCommand, PutParameterCommand } from "@aws-sdk/client-ssm";
import { MotoServer, startMoto } from "../../harness/moto";

describe("the moto test harness", () => {
  let moto: MotoServer;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => {
    await moto?.stop();
  });

  it("serves the fixture landscape in every region, with owners and architectures intact", async () => {
    for (const region of ["us-east-1", "ap-south-1"]) {
      const { Images = [] } = await moto
        .clients()
        .ec2(region)
        .send(
          new DescribeImagesCommand({
            Owners: ["099720109477"],
            Filters: [{ Name: "architecture", Values: ["arm64"] }],
          }),
        );
      assert.ok(Images.length >= 2, `expected Canonical arm64 images in ${region}`);
      assert.ok(Images.every((image) => image.OwnerId === "099720109477" && image.Architecture === "arm64"));
    }
  });

  it("lets tests publish /aws/service/ parameters, and reset removes them", async () => {
    const name = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id";
    const ssm = moto.clients().ssm("eu-west-1");
    await ssm.send(new PutParameterCommand({ Name: name, Value: "ami-00c41000000000002", Type: "String" }));
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
    assert.equal(Parameter?.Name, name);
    assert.equal(Parameter?.Value, "ami-00c41000000000002");
    await moto.reset();
    await assert.rejects(
      moto
        .clients()
        .ssm("eu-west-1")
        .send(new GetParameterCommand({ Name: name })),
      /ParameterNotFound/,
    );
  });

  it("stops by PID, after which the endpoint refuses connections", async () => {
    const other = await startMoto();
    await other.stop();
    assert.throws(() => process.kill(other.pid, 0));
    await assert.rejects(fetch(`${other.endpoint}/moto-api/data.json`));
  });
});
