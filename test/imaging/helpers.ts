import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";

/** A running instance from a fixture AMI (Ubuntu 24.04 amd64 unless told otherwise). */
export async function runInstance(ec2: EC2Client, imageId = "ami-00c41000000000001"): Promise<string> {
  const { Instances = [] } = await ec2.send(
    new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1 }),
  );
  return Instances[0].InstanceId as string;
}

export async function instanceState(ec2: EC2Client, instanceId: string): Promise<string | undefined> {
  const { Reservations = [] } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  return Reservations[0]?.Instances?.[0]?.State?.Name;
}

/** Images owned by the test account (the fixture images belong to other owners). */
export async function ownImages(ec2: EC2Client) {
  const { Images = [] } = await ec2.send(new DescribeImagesCommand({ Owners: ["self"] }));
  return Images;
}

/** Snapshot ids in the region (moto gives every fixture AMI one): compare with a baseline taken before the test. */
export async function snapshotIds(ec2: EC2Client): Promise<Set<string>> {
  const { Snapshots = [] } = await ec2.send(new DescribeSnapshotsCommand({}));
  return new Set(Snapshots.map((s) => s.SnapshotId as string));
}

/** Snapshots that exist now and did not at baseline. */
export async function newSnapshots(ec2: EC2Client, baseline: Set<string>): Promise<string[]> {
  return [...(await snapshotIds(ec2))].filter((id) => !baseline.has(id));
}

export const noSleep = async (): Promise<void> => {};
