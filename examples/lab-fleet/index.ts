/**
 * The lab-fleet example: one ResearchWorkstation per entry of fleet.yaml (named by cloudworkstation:fleetFile).
 *
 * In your own repository, `npm install cloudworkstation @pulumi/pulumi @pulumi/aws` and import from "cloudworkstation".
 * Inside this repository the import is relative, because the package does not resolve itself by name here.
 */
import { deployFleet, fleetOutputs, readFleet } from "../../src/components/lab-fleet";

export const workstations = fleetOutputs(deployFleet(readFleet()));
