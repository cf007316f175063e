/**
 * The `cloudworkstation` provider plugin's entry point: the engine starts it through the
 * `pulumi-resource-cloudworkstation` launcher (bin/, or the tarball scripts/build-plugin.ts makes) and talks gRPC to it.
 */
import * as pulumiProvider from "@pulumi/pulumi/provider";
import { pluginVersion } from "../dynamic/plugin-version";
import { forwardConsoleToEngine } from "./engine-log";
import { answerPreviews } from "./previews";
import { CloudWorkstationProvider } from "./provider";

const plugin = new CloudWorkstationProvider(pluginVersion());
answerPreviews(plugin);
const args = process.argv.slice(2);
void pulumiProvider.main(plugin, args).then(() => forwardConsoleToEngine(args));
