import * as path from "node:path";
import type { EngineEvent, OutputMap, Stack } from "@pulumi/pulumi/automation";
import { resolveAmi } from "../../resolver";
import { formatAmountUsd } from "../../resolver/cost";
import type { ResolutionResult, ResolveOptions } from "../../resolver/types";
import type { AwsClients } from "../../core/clients";
import type { Template } from "../../templates/schema";
import { openWorkstationStack, releaseWorkspace, type WorkstationEngine } from "./stack";

/**
 * `cws launch` and `POST /api/v1/workstations` as one use case: plan (resolve the AMI as `cws ami resolve` does, say
 * what needs consent), then run (the workstation's stack through the Automation API, ResearchWorkstation in an
 * inline program), then report (the stack's outputs and the measured wall time).
 */

export interface LaunchRequest {
  name: string;
  template: Template;
  /** How the template was named: a path (made absolute) or a name found in `templatesDirs`. */
  templateRef: string;
  templatesDirs: string[];
  options: ResolveOptions;
}

export interface LaunchPlan {
  request: LaunchRequest;
  resolution: ResolutionResult;
  /** Each thing that costs money or time beyond the launch itself, as a question; empty when none. */
  consents: string[];
}

export async function planLaunch(request: LaunchRequest, clients: AwsClients): Promise<LaunchPlan> {
  const resolution = await resolveAmi(request.template, request.options, clients);
  return { request, resolution, consents: consentsFor(resolution) };
}

/** A cross-region copy (minutes, and snapshot storage), or a script fallback where the template expected an AMI. */
export function consentsFor(resolution: ResolutionResult): string[] {
  const consents: string[] = [];
  if (resolution.method === "cross_region") {
    const copy = resolution.copyPlan;
    consents.push(
      `This copies ${resolution.amiId} from ${resolution.sourceRegion} to ${resolution.region}` +
        (copy
          ? ` (about ${copy.estimatedMinutes} min, about ${formatAmountUsd(copy.estimatedCostUsd)}, estimates)`
          : "") +
        "; the copy stays until the workstation is destroyed.",
    );
  }
  if (resolution.method === "fallback_script" && resolution.strategy !== "ami_fallback") {
    consents.push(
      `No AMI was found for ${resolution.template} in ${resolution.region}: the workstation will be provisioned by ` +
        `script at boot (about ${resolution.cost.setupMinutes} min before it is usable).`,
    );
  }
  return consents;
}

/** What the stack exports: everything `cws launch` reports and `cws list` shows. */
export interface WorkstationOutputs {
  name: string;
  template: string;
  templateVersion?: string;
  region: string;
  instanceId: string;
  amiId: string;
  method: string;
  launchMode: string;
  instanceType: string;
  estimatedLaunchSeconds: number;
  estimatedCostPerHour?: number;
  connection: { ssh?: string; sessionManager: string; serviceUrls: Record<string, string> };
}

export interface LaunchResult extends WorkstationOutputs {
  /** Measured: seconds `pulumi up` took, beside the estimate. */
  measuredSeconds: number;
  backend: string;
}

/** The inline program: one ResearchWorkstation named after the stack. */
export function launchProgram(request: LaunchRequest) {
  return async () => {
    // Loaded here, inside the program: the component module (and @pulumi/aws) only when a stack runs.
    const { ResearchWorkstation } =
      require("../../components/research-workstation") as typeof import("../../components/research-workstation");
    const { name, options } = request;
    const workstation = new ResearchWorkstation(name, {
      template: request.templateRef,
      templatesDirs: request.templatesDirs,
      region: options.region,
      ...(options.size ? { size: options.size } : {}),
      ...(options.instanceType ? { instanceType: options.instanceType } : {}),
      ...(options.architecture ? { architecture: options.architecture } : {}),
      ...(options.strategy ? { strategy: options.strategy } : {}),
      ...(options.allowCrossRegionCopy ? { allowCrossRegionCopy: true } : {}),
    });
    return {
      name,
      template: workstation.templateName,
      templateVersion: workstation.templateVersion,
      region: workstation.region,
      instanceId: workstation.instanceId,
      amiId: workstation.amiId,
      method: workstation.resolutionMethod,
      launchMode: workstation.launchMode,
      instanceType: workstation.instanceType,
      estimatedLaunchSeconds: workstation.estimatedLaunchSeconds,
      estimatedCostPerHour: workstation.estimatedCostPerHour,
      connection: workstation.connection,
    };
  };
}

/** A template named by path is passed to the program as an absolute path: the program runs in another directory. */
export function templateRefOf(given: string, file: string | undefined): string {
  return file && (given.includes("/") || /\.ya?ml$/.test(given)) ? path.resolve(given) : given;
}

export function outputsOf(outputs: OutputMap): WorkstationOutputs {
  return Object.fromEntries(
    Object.entries(outputs).map(([key, output]) => [key, output.value]),
  ) as unknown as WorkstationOutputs;
}

export interface RunHooks {
  /** One line per resource step as the engine reports it. */
  onProgress(line: string): void;
  signal?: AbortSignal;
}

/** One line per resource the engine starts or finishes, from its events. */
export function progressLine(event: EngineEvent): string | undefined {
  const pre = event.resourcePreEvent?.metadata;
  const done = event.resOutputsEvent?.metadata;
  const failed = event.resOpFailedEvent?.metadata;
  const step = pre ?? done ?? failed;
  // The stack and the providers are the engine's bookkeeping, not parts of the workstation.
  if (!step || step.op === "same" || step.type === "pulumi:pulumi:Stack" || step.type.startsWith("pulumi:providers:"))
    return undefined;
  const name = step.urn.split("::").pop();
  const state = failed ? "failed" : done ? "done" : "…";
  return `  ${step.op} ${step.type} ${name} ${state}`;
}

/** Runs `pulumi up` on the workstation's stack; the wall time is measured around the engine's own work. */
export async function runLaunch(engine: WorkstationEngine, plan: LaunchPlan, hooks: RunHooks): Promise<LaunchResult> {
  const stack: Stack = await openWorkstationStack(engine, plan.request.name, launchProgram(plan.request), {
    create: true,
    region: plan.request.options.region,
  });
  const started = Date.now();
  try {
    const up = await stack.up({ onEvent: progressListener(hooks), ...(hooks.signal ? { signal: hooks.signal } : {}) });
    const measuredSeconds = Math.round((Date.now() - started) / 1000);
    return { ...outputsOf(up.outputs), measuredSeconds, backend: engine.state.backendUrl };
  } finally {
    releaseWorkspace(stack.workspace);
  }
}

/** The engine's events as progress lines, for `up` and `destroy`. */
export function progressListener(hooks: RunHooks): (event: EngineEvent) => void {
  return (event) => {
    const line = progressLine(event);
    if (line) hooks.onProgress(line);
  };
}
