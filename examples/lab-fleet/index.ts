/**
 * The lab-fleet example: one ResearchWorkstation per entry of fleet.yaml (named by cloudworkstation:fleetFile).
 * Copy this folder to the root of your lab's repository; template names in fleet.yaml are looked up in ./templates
 * first (your lab's own templates), then in the templates shipped with CloudWorkstation.
 */
import * as path from "node:path";
import { deployFleet, fleetOutputs, readFleet } from "cloudworkstation";

const fleet = deployFleet(readFleet(undefined, __dirname), { templatesDirs: [path.join(__dirname, "templates")] });

/** name → { instanceId, amiId, resolutionMethod, fallbackChain, launchMode, estimatedCostPerHour (estimate), connection }. */
export const workstations = fleetOutputs(fleet);
