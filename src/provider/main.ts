/**
 * The `cloudworkstation` provider plugin's entry point: the engine starts it through the
 * `pulumi-resource-cloudworkstation` launcher (scripts/build-plugin.ts) and talks gRPC to it.
 */
import * as pulumiProvider from "@pulumi/pulumi/provider";
import { pluginVersion } from "./version";
import { CloudWorkstationProvider } from "./provider";

void pulumiProvider.main(new CloudWorkstationProvider(pluginVersion()), process.argv.slice(2));
