import {
  DescribeInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  type Instance,
} from "@aws-sdk/client-ec2";
import { throwAwsCallError } from "../../core/aws-errors";
import type { AwsClients } from "../../core/clients";
import { engineDiagnostics } from "./engine-errors";
import { outputsOf, type WorkstationOutputs } from "./launch";
import type { Stack } from "@pulumi/pulumi/automation";
import {
  NO_PROGRAM,
  openWorkstationStack,
  openWorkstationsWorkspace,
  releaseWorkspace,
  type WorkstationEngine,
} from "./stack";

/**
 * The use cases after launch: what is running (`cws list`), stopping and starting a workstation's instance (EC2 does
 * it; the stack is refreshed so its state agrees). Names are stacks of the workstations project.
 */

export interface WorkstationRow {
  name: string;
  template?: string;
  region?: string;
  amiId?: string;
  method?: string;
  instanceId?: string;
  /** EC2's state (running, stopped…), "not found" when EC2 has no such instance, "not launched" without outputs. */
  state: string;
  /** When EC2 launched the instance (ISO), for the age. */
  launchTime?: string;
  /** Estimate from the stack's outputs: on-demand USD per hour. */
  estimatedCostPerHour?: number;
  /** The engine is changing this workstation right now (another user's operation). */
  updateInProgress: boolean;
}

export async function listWorkstations(engine: WorkstationEngine, clients: AwsClients): Promise<WorkstationRow[]> {
  if (engine.state.unused) return [];
  const workspace = await openWorkstationsWorkspace(engine, NO_PROGRAM);
  const rows: WorkstationRow[] = [];
  try {
    for (const summary of await workspace.listStacks()) {
      const outputs = outputsOf(await workspace.stackOutputs(summary.name));
      rows.push(rowOf(summary.name, outputs, summary.updateInProgress === true));
    }
  } finally {
    releaseWorkspace(workspace);
  }
  // One DescribeInstances per region, for every workstation there at once.
  const regions = [...new Set(rows.filter((row) => row.instanceId && row.region).map((row) => row.region as string))];
  await Promise.all(
    regions.map(async (region) => {
      const inRegion = rows.filter((row) => row.region === region && row.instanceId);
      const instances = await describeInstances(
        clients,
        region,
        inRegion.map((row) => row.instanceId as string),
      );
      for (const row of inRegion) {
        const instance = instances.find((candidate) => candidate.InstanceId === row.instanceId);
        row.state = instance?.State?.Name ?? "not found";
        if (instance?.LaunchTime) row.launchTime = instance.LaunchTime.toISOString();
      }
    }),
  );
  return rows;
}

function rowOf(name: string, outputs: Partial<WorkstationOutputs>, updateInProgress: boolean): WorkstationRow {
  return {
    name,
    template: outputs.template,
    region: outputs.region,
    amiId: outputs.amiId,
    method: outputs.method,
    instanceId: outputs.instanceId,
    state: outputs.instanceId ? "unknown" : "not launched",
    estimatedCostPerHour: outputs.estimatedCostPerHour,
    updateInProgress,
  };
}

/** Instances by id; ids EC2 no longer knows are left out (DescribeInstances by filter never fails on them). */
async function describeInstances(clients: AwsClients, region: string, instanceIds: string[]): Promise<Instance[]> {
  try {
    const { Reservations = [] } = await clients
      .ec2(region)
      .send(new DescribeInstancesCommand({ Filters: [{ Name: "instance-id", Values: instanceIds }] }));
    return Reservations.flatMap((reservation) => reservation.Instances ?? []);
  } catch (error) {
    throwAwsCallError(error, { service: "EC2", operation: "DescribeInstances", region });
  }
}

export type PowerAction = "stop" | "start";

export interface PowerResult {
  name: string;
  instanceId: string;
  region: string;
  /** EC2's state after the call and the refresh. */
  state: string;
}

/** EC2 stop/start of the workstation's instance, then a refresh so the stack records the instance as it now is. */
export async function powerWorkstation(
  engine: WorkstationEngine,
  clients: AwsClients,
  name: string,
  action: PowerAction,
): Promise<PowerResult> {
  const stack = await openWorkstationStack(engine, name, NO_PROGRAM, { create: false });
  try {
    return await powerStack(stack, clients, name, action);
  } finally {
    releaseWorkspace(stack.workspace);
  }
}

async function powerStack(stack: Stack, clients: AwsClients, name: string, action: PowerAction): Promise<PowerResult> {
  const outputs = outputsOf(await stack.outputs());
  if (!outputs.instanceId || !outputs.region)
    throw new Error(
      `workstation ${name} has no instance yet (its launch did not finish): run cws launch again or cws destroy ${name}`,
    );
  const ec2 = clients.ec2(outputs.region);
  const input = { InstanceIds: [outputs.instanceId] };
  try {
    await ec2.send(action === "stop" ? new StopInstancesCommand(input) : new StartInstancesCommand(input));
  } catch (error) {
    throwAwsCallError(error, {
      service: "EC2",
      operation: action === "stop" ? "StopInstances" : "StartInstances",
      region: outputs.region,
    });
  }
  try {
    await stack.refresh();
  } catch (error) {
    // EC2 has acted; only the stack's record lags. Say so rather than suggest nothing happened.
    throw new Error(
      `EC2 ${action === "stop" ? "is stopping" : "is starting"} ${outputs.instanceId} in ${outputs.region}, but the ` +
        `refresh of stack ${name} failed (it catches up at its next refresh; cws list shows EC2's state): ` +
        engineDiagnostics((error as Error).message),
      { cause: error },
    );
  }
  const [instance] = await describeInstances(clients, outputs.region, [outputs.instanceId]);
  return { name, instanceId: outputs.instanceId, region: outputs.region, state: instance?.State?.Name ?? "not found" };
}

/** A workstation's instance, by the workstation's name. */
export async function workstationInstance(
  engine: WorkstationEngine,
  name: string,
): Promise<{ instanceId: string; region: string }> {
  const stack = await openWorkstationStack(engine, name, NO_PROGRAM, { create: false });
  try {
    return instanceOf(name, outputsOf(await stack.outputs()));
  } finally {
    releaseWorkspace(stack.workspace);
  }
}

function instanceOf(name: string, outputs: Partial<WorkstationOutputs>): { instanceId: string; region: string } {
  if (!outputs.instanceId || !outputs.region)
    throw new Error(
      `workstation ${name} has no instance yet (its launch did not finish): run cws launch again or cws destroy ${name}`,
    );
  return { instanceId: outputs.instanceId, region: outputs.region };
}
