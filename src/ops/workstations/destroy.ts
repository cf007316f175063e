import type { Stack } from "@pulumi/pulumi/automation";
import { outputsOf, progressListener, type RunHooks } from "./launch";
import { NO_PROGRAM, openWorkstationStack, releaseWorkspace, type WorkstationEngine } from "./stack";

/**
 * `cws destroy` and `DELETE /api/v1/workstations/{name}`: find the workstation (a front door asks or answers 404 in
 * between), then `pulumi destroy` and remove its stack. Images saved from it are not in its stack, so they stay.
 */

export interface DestroyPlan {
  name: string;
  /** Undefined when the launch never got as far as an instance. */
  instanceId?: string;
  region?: string;
  stack: Stack;
}

/** What `cws destroy --json` prints and the API's destroy job returns. */
export interface DestroyResult {
  name: string;
  destroyed: true;
  instanceId?: string;
  region?: string;
}

/** The workstation's stack and what it holds; a WorkstationNotFoundError when the backend has no such workstation. */
export async function planDestroy(engine: WorkstationEngine, name: string): Promise<DestroyPlan> {
  const stack = await openWorkstationStack(engine, name, NO_PROGRAM, { create: false });
  const outputs = outputsOf(await stack.outputs());
  return { name, instanceId: outputs.instanceId, region: outputs.region, stack };
}

export async function runDestroy(plan: DestroyPlan, hooks: RunHooks): Promise<DestroyResult> {
  const { stack, name } = plan;
  try {
    await stack.destroy({ onEvent: progressListener(hooks), ...(hooks.signal ? { signal: hooks.signal } : {}) });
    await stack.workspace.removeStack(name);
  } finally {
    releaseWorkspace(stack.workspace);
  }
  return { name, destroyed: true, instanceId: plan.instanceId, region: plan.region };
}
