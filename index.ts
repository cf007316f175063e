/**
 * The lab-fleet Pulumi program (Pulumi.yaml: cloudworkstation-lab). The fleet is stack config: a list in
 * `cloudworkstation:fleet`, or a fleet.yaml named by `cloudworkstation:fleetFile` (see Pulumi.dev.yaml).
 * `pulumi preview` shows each workstation's AMI and fallback chain; `pulumi up` launches exactly that.
 */
import * as path from "node:path";
import { deployFleet, fleetOutputs, readFleet } from "./src/components/lab-fleet";

// Template names are looked up in this project's templates/ first, then in the shipped templates.
const fleet = deployFleet(readFleet(undefined, __dirname), { templatesDirs: [path.join(__dirname, "templates")] });

/** name → { instanceId, amiId, resolutionMethod, fallbackChain, launchMode, estimatedCostPerHour (estimate), connection }. */
export const workstations = fleetOutputs(fleet);
