import { format } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { EngineClient } from "@pulumi/pulumi/proto/engine_grpc_pb";
import { LogRequest, LogSeverity } from "@pulumi/pulumi/proto/engine_pb";

/**
 * The engine hides what a resource plugin prints (it shows only a dynamic provider's output), yet our logic prints
 * what the user must read — "SavedTemplate: keeping ami-… (retainOnDelete)", a pinned AMI's "warning: newer image
 * available", TemplateImage warnings. So the plugin sends the console to the engine's Log service, where the dynamic
 * host's output used to appear: a line starting "warning: " as a warning, the rest as information. Installed once
 * `main` has printed the port, which must stay on stdout.
 */
export function forwardConsoleToEngine(args: readonly string[]): void {
  // The engine starts a plugin with its own address as the first argument that is not a flag.
  const engineAddress = args.find((arg) => !arg.startsWith("-"));
  if (!engineAddress) return;
  const engine = new EngineClient(engineAddress, grpc.credentials.createInsecure());
  const toEngine = (...values: unknown[]) => {
    const text = format(...values);
    const warning = /^warning: /.exec(text);
    const request = new LogRequest();
    request.setSeverity(warning ? LogSeverity.WARNING : LogSeverity.INFO);
    request.setMessage(warning ? text.slice(warning[0].length) : text);
    engine.log(request, () => undefined);
  };
  console.log = toEngine;
  console.info = toEngine;
  console.warn = toEngine;
  console.error = toEngine;
}
