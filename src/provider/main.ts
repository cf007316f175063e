/**
 * The `cloudworkstation` provider plugin's entry point: the engine starts it through the
 * `pulumi-resource-cloudworkstation` launcher (scripts/build-plugin.ts) and talks gRPC to it.
 */
import * as pulumiProvider from "@pulumi/pulumi/provider";
import { registerAsPluginResources } from "../dynamic/host";
import { answerPreviews } from "./previews";
import { pluginVersion } from "./version";
import { CloudWorkstationProvider } from "./provider";

const version = pluginVersion();
// The components construct builds register children this plugin serves, never dynamic resources.
registerAsPluginResources(version);
const plugin = new CloudWorkstationProvider(version);
answerPreviews(plugin);
void pulumiProvider.main(plugin, process.argv.slice(2));
