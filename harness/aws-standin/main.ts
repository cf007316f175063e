/**
 * The AWS provider stand-in's entry point, started by the engine through the `pulumi-resource-aws` launcher that
 * install.ts writes. Serves the gRPC provider protocol with `@pulumi/pulumi/provider`'s `main`.
 */
import type * as Grpc from "@grpc/grpc-js";
import * as path from "node:path";
import * as pulumiProvider from "@pulumi/pulumi/provider";
import { standinPluginVersion } from "./version";
import { AwsStandin } from "./provider";

const standin = new AwsStandin(standinPluginVersion());

/**
 * `@pulumi/pulumi/provider` answers Configure without passing its arguments to the provider, yet the stand-in needs
 * them (region, endpoints, default tags). So the Configure handler is wrapped, in the grpc-js copy that
 * `@pulumi/pulumi` itself loads, before `main` registers the service.
 */
function forwardConfigure(): void {
  const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] })) as typeof Grpc;
  const addService = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function (service, implementation) {
    const configure = implementation.configure as Grpc.handleUnaryCall<unknown, unknown> | undefined;
    if (configure) {
      implementation.configure = (
        call: Grpc.ServerUnaryCall<unknown, unknown>,
        callback: Grpc.sendUnaryData<unknown>,
      ) => {
        try {
          const request = call.request as { getArgs(): { toJavaScript(): Record<string, unknown> } | undefined };
          standin.configure(request.getArgs()?.toJavaScript() ?? {});
        } catch (error) {
          callback({ code: grpc.status.INVALID_ARGUMENT, details: (error as Error).message }, null);
          return;
        }
        configure.call(implementation, call, callback);
      };
    }
    return addService.call(this, service, implementation);
  };
}

forwardConfigure();
void pulumiProvider.main(standin, process.argv.slice(2));
