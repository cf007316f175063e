import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { FleetConfigError, loadFleetFile, parseFleet, type FleetEntry } from "./fleet";
import { ResearchWorkstation } from "./research-workstation";
import type { ConnectionHints, LaunchMode } from "./workstation-plan";

/**
 * The lab-fleet program's wiring: read the fleet from stack config, make one ResearchWorkstation per entry, and
 * export what each one's user needs. The root index.ts calls these; examples/lab-fleet reuses them.
 */

export const FLEET_CONFIG_KEY = "cloudworkstation:fleet";
export const FLEET_FILE_CONFIG_KEY = "cloudworkstation:fleetFile";

/**
 * The fleet: stack config `cloudworkstation:fleet` (a list), or the file named by `cloudworkstation:fleetFile`
 * (relative to the program directory). Throws pulumi.RunError with every problem (index, name, field, file:line).
 */
export function readFleet(
  config: pulumi.Config = new pulumi.Config("cloudworkstation"),
  baseDir: string = process.cwd(),
): FleetEntry[] {
  const file = config.get("fleetFile");
  const inline = config.getObject<unknown>("fleet");
  try {
    if (file !== undefined && inline !== undefined) {
      throw new pulumi.RunError(
        `set ${FLEET_CONFIG_KEY} or ${FLEET_FILE_CONFIG_KEY}, not both: remove one with \`pulumi config rm\``,
      );
    }
    if (file !== undefined) return loadFleetFile(path.resolve(baseDir, file), file);
    if (inline === undefined) {
      throw new pulumi.RunError(
        `no fleet configured: set ${FLEET_CONFIG_KEY} (a list of {name, template, …}) or ${FLEET_FILE_CONFIG_KEY} (a fleet.yaml path) ` +
          "in the stack config; see Pulumi.dev.yaml for an example",
      );
    }
    return parseFleet(inline, { source: FLEET_CONFIG_KEY });
  } catch (error) {
    if (error instanceof FleetConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

export interface FleetOptions {
  /** Extra template directories (e.g. the lab's own templates next to the program). */
  templatesDirs?: string[];
  /** Options for every workstation (e.g. an explicit aws provider). */
  opts?: pulumi.ComponentResourceOptions;
}

/** One ResearchWorkstation per entry, named after the entry. */
export function deployFleet(
  entries: readonly FleetEntry[],
  options: FleetOptions = {},
): Record<string, ResearchWorkstation> {
  const workstations: Record<string, ResearchWorkstation> = {};
  for (const entry of entries) {
    workstations[entry.name] = new ResearchWorkstation(
      entry.name,
      {
        template: entry.template,
        ...(options.templatesDirs ? { templatesDirs: options.templatesDirs } : {}),
        region: entry.region,
        size: entry.size,
        instanceType: entry.instanceType,
        architecture: entry.architecture,
        owner: entry.owner,
        project: entry.project,
        allowedCidrs: entry.allowedCidrs,
        subnetId: entry.subnetId,
        keyName: entry.keyName,
        strategy: entry.strategy,
        refresh: entry.refresh,
        allowCrossRegionCopy: entry.allowCrossRegionCopy,
        rootVolumeGb: entry.rootVolumeGb,
        amiGeneration: entry.amiGeneration,
        dataVolumeGb: entry.dataVolumeGb,
        dataVolumeType: entry.dataVolumeType,
        tags: entry.tags,
      },
      options.opts,
    );
  }
  return workstations;
}

export interface WorkstationSummary {
  instanceId: string;
  amiId: string;
  resolutionMethod: string;
  fallbackChain: string[];
  launchMode: LaunchMode;
  /** Estimate, not a measurement (USD/hour, on-demand, from a bundled price snapshot). */
  estimatedCostPerHour: number | undefined;
  connection: ConnectionHints;
}

/** The stack output: name → what that workstation's user needs. */
export function fleetOutputs(
  workstations: Record<string, ResearchWorkstation>,
): pulumi.Output<Record<string, WorkstationSummary>> {
  const entries = Object.entries(workstations).map(([name, workstation]) =>
    pulumi
      .all([
        workstation.instanceId,
        workstation.amiId,
        workstation.resolutionMethod,
        workstation.fallbackChain,
        workstation.launchMode,
        workstation.estimatedCostPerHour,
        workstation.connection,
      ])
      .apply(
        ([instanceId, amiId, resolutionMethod, fallbackChain, launchMode, estimatedCostPerHour, connection]) =>
          [
            name,
            {
              instanceId,
              amiId,
              resolutionMethod,
              fallbackChain,
              launchMode,
              estimatedCostPerHour,
              connection,
            } satisfies WorkstationSummary,
          ] as const,
      ),
  );
  return pulumi.all(entries).apply((pairs) => Object.fromEntries(pairs));
}

export interface LabFleetArgs {
  /** The fleet file (`workstations:`), absolute or relative to the working directory. */
  fleetFile: string;
  /** Extra template directories searched by name, before the shipped ones. */
  templatesDirs?: string[];
}

/**
 * A lab's fleet as one component: one ResearchWorkstation per entry of a fleet file, parented to it. What the
 * `cloudworkstation` plugin builds for `cloudworkstation:index:LabFleet` (Python, Go and YAML programs).
 */
export class LabFleet extends pulumi.ComponentResource {
  /** name → what that workstation's user needs. */
  public readonly workstations: pulumi.Output<Record<string, WorkstationSummary>>;

  constructor(name: string, args: LabFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cloudworkstation:index:LabFleet", name, {}, opts);
    let entries: FleetEntry[];
    try {
      entries = loadFleetFile(path.resolve(args.fleetFile), args.fleetFile);
    } catch (error) {
      throw new pulumi.ResourceError((error as Error).message, this);
    }
    const fleet = deployFleet(entries, { templatesDirs: args.templatesDirs, opts: { parent: this } });
    this.workstations = fleetOutputs(fleet);
    this.registerOutputs({ workstations: this.workstations });
  }
}
