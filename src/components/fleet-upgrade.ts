/**
 * Upgrading on purpose: from a fleet (a fleet.yaml, or a Pulumi stack config file holding `cloudworkstation:fleet`)
 * and the freshness of each workstation's AMI, which workstations would move to which AMI, and the exact edit that
 * moves them (`amiGeneration: N → N+1`, at the file's line). Pure: no Pulumi, no AWS. The edit goes through the yaml
 * library's Document API, so comments and layout are kept.
 */
import { isMap, isSeq, type Document } from "yaml";
import type { Freshness } from "../resolver/freshness";
import { locate, parseYamlSource, type YamlSource } from "../templates/yaml-source";
import { FleetConfigError, parseFleet, parseFleetYaml, type FleetEntry } from "./fleet";

const STACK_CONFIG_FLEET_KEY = "cloudworkstation:fleet";
const STACK_CONFIG_FILE_KEY = "cloudworkstation:fleetFile";

/** Where the workstation list sits in the file. */
export type FleetLocation = { kind: "fleet-file"; path: ["workstations"] } | { kind: "stack-config"; path: string[] };

export interface LoadedFleet {
  file: string;
  yaml: YamlSource;
  location: FleetLocation;
  entries: FleetEntry[];
}

/** The AmiResolution a workstation's ResearchWorkstation makes: `<name>-ami`. */
export const resolutionNameOf = (workstation: string): string => `${workstation}-ami`;

/**
 * Reads a fleet.yaml (`workstations:`) or a Pulumi stack config file (`config: cloudworkstation:fleet:`), validated
 * as the program validates it. Throws FleetConfigError naming the file, line and field.
 */
export function loadFleetForUpgrade(text: string, file: string): LoadedFleet {
  const parsed = parseYamlSource(text, file);
  const value = parsed.value as Record<string, unknown> | undefined;
  const config = value?.config as Record<string, unknown> | undefined;
  if (config && typeof config === "object" && !("workstations" in (value ?? {}))) {
    if (config[STACK_CONFIG_FILE_KEY] !== undefined && config[STACK_CONFIG_FLEET_KEY] === undefined) {
      throw new FleetConfigError(file, [
        {
          path: `config.${STACK_CONFIG_FILE_KEY}`,
          message: `the fleet is in ${String(config[STACK_CONFIG_FILE_KEY])}: pass that file with --fleet`,
          file,
          ...locate(parsed.yaml, ["config", STACK_CONFIG_FILE_KEY]),
        },
      ]);
    }
    if (config[STACK_CONFIG_FLEET_KEY] === undefined) {
      throw new FleetConfigError(file, [
        {
          path: "config",
          message: `no ${STACK_CONFIG_FLEET_KEY} in this stack config: pass the fleet.yaml with --fleet`,
          file,
        },
      ]);
    }
    const path = ["config", STACK_CONFIG_FLEET_KEY];
    const entries = parseFleet(config[STACK_CONFIG_FLEET_KEY], {
      source: file,
      base: path,
      located: { yaml: parsed.yaml, file },
    });
    return { file, yaml: parsed.yaml, location: { kind: "stack-config", path }, entries };
  }
  return {
    file,
    yaml: parsed.yaml,
    location: { kind: "fleet-file", path: ["workstations"] },
    entries: parseFleetYaml(text, file),
  };
}

export type UpgradeAction =
  /** Bump amiGeneration: the workstation moves to what a fresh resolution picks (its instance is replaced). */
  | "bump"
  /** Nothing to do: current, or not deployed. */
  | "none"
  /** Moves at the next `pulumi up` without an edit: the pinned image is no longer launchable. */
  | "moves-anyway"
  /** A new image must be built first (base_outdated), or nothing newer exists (deprecated_soon). */
  | "needs-image";

export interface UpgradeStep {
  workstation: string;
  region?: string;
  amiId?: string;
  status: Freshness["status"] | "not_deployed";
  /** The AMI it would move to, when known (newer_available). */
  targetAmiId?: string;
  action: UpgradeAction;
  /** For `bump`: the generation now and after. */
  generation?: { from: number; to: number };
  /** `file:line` of the entry's amiGeneration (or of the entry, when it has none yet). */
  where?: string;
  /** What the change does, in words. */
  note: string;
}

/** What the edit to the workstation's entry is, and what it costs: the instance is replaced; a data volume stays. */
function replacementNote(entry: FleetEntry): string {
  return entry.dataVolumeGb !== undefined
    ? `replaces the instance (root volume and anything outside /data are lost); the ${entry.dataVolumeGb} GiB data volume at /data is kept and reattached`
    : "replaces the instance: its root volume and everything on it are lost (no dataVolumeGb: add one to keep data across upgrades)";
}

/**
 * One step per fleet entry, from the freshness of its AmiResolution (matched by name, `<workstation>-ami`).
 * Internal. Exported for testing.
 */
export function planUpgrades(fleet: LoadedFleet, freshness: readonly Freshness[]): UpgradeStep[] {
  const byName = new Map(freshness.map((result) => [result.name ?? "", result]));
  return fleet.entries.map((entry, index) => {
    const result = byName.get(resolutionNameOf(entry.name));
    if (!result) {
      return {
        workstation: entry.name,
        status: "not_deployed",
        action: "none",
        note: `no ${resolutionNameOf(entry.name)} in the stack export: not deployed yet, nothing to move`,
      };
    }
    const base = { workstation: entry.name, region: result.region, amiId: result.amiId, status: result.status };
    const from = entry.amiGeneration ?? 0;
    const bump = (target: string | undefined, why: string): UpgradeStep => ({
      ...base,
      ...(target ? { targetAmiId: target } : {}),
      action: "bump",
      generation: { from, to: from + 1 },
      where: whereOf(fleet, index),
      note: `${why}; ${replacementNote(entry)}`,
    });
    switch (result.status) {
      case "current":
        return { ...base, action: "none", note: "current" };
      case "newer_available":
        return bump(result.candidateAmiId, `moves to ${result.candidateAmiId ?? "a newer image"}`);
      case "revoked":
        return bump(undefined, `${result.reason}: moves to what a fresh resolution picks now`);
      case "deprecated":
      case "deregistered":
        return {
          ...base,
          action: "moves-anyway",
          note: `${result.reason}: the pinned image is no longer launchable, so the next pulumi up re-resolves it without an edit; ${replacementNote(entry)}`,
        };
      case "deprecated_soon":
        return {
          ...base,
          action: "needs-image",
          note: `${result.reason}; nothing newer to move to yet: publish or build a newer image (cws ami build)`,
        };
      case "base_outdated":
        return {
          ...base,
          action: "needs-image",
          note: `${result.reason}; rebuild the image first (cws ami build), then run this plan again`,
        };
    }
  });
}

/** `file:line` of entry `index`'s amiGeneration, or of the entry itself when it has none yet. */
function whereOf(fleet: LoadedFleet, index: number): string {
  const entryPath = [...fleet.location.path, index];
  const existing = fleet.yaml.doc.getIn([...entryPath, "amiGeneration"], true);
  const position = locate(fleet.yaml, existing !== undefined ? [...entryPath, "amiGeneration"] : entryPath);
  return `${fleet.file}:${position.line}`;
}

/**
 * The fleet file with every `bump` applied (amiGeneration set on the entry itself), comments and layout kept.
 * Internal. Exported for testing.
 */
export function applyUpgrades(fleet: LoadedFleet, steps: readonly UpgradeStep[]): string {
  const doc = fleet.yaml.doc as Document.Parsed;
  const list = doc.getIn(fleet.location.path, true);
  if (!isSeq(list)) throw new Error(`${fleet.file}: ${fleet.location.path.join(".")} is not a list`);
  for (const step of steps) {
    if (step.action !== "bump" || !step.generation) continue;
    const index = fleet.entries.findIndex((entry) => entry.name === step.workstation);
    const item = list.items[index];
    if (!isMap(item)) throw new Error(`${fleet.file}: entry ${index} (${step.workstation}) is not a mapping`);
    item.set("amiGeneration", step.generation.to);
  }
  return doc.toString();
}
