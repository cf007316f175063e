import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { EngineService } from "@pulumi/pulumi/proto/engine_grpc_pb";
import { LogSeverity, type LogRequest } from "@pulumi/pulumi/proto/engine_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { forwardConsoleToEngine } from "../../src/provider/engine-log";

describe("the plugin's console goes to the engine's log (src/provider/engine-log.ts)", () => {
  let server: grpc.Server;
  const received: { severity: number; message: string }[] = [];
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error };

  before(async () => {
    server = new grpc.Server();
    server.addService(EngineService, {
      log: (call: grpc.ServerUnaryCall<LogRequest, Empty>, callback: grpc.sendUnaryData<Empty>) => {
        received.push({ severity: call.request.getSeverity(), message: call.request.getMessage() });
        callback(null, new Empty());
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    forwardConsoleToEngine(["--logtostderr", `127.0.0.1:${port}`]);
  });

  after(() => {
    Object.assign(console, saved);
    server.forceShutdown();
  });

  it("sends what the logic prints, a 'warning: ' line as a warning without the prefix, the rest as information", async () => {
    console.log("SavedTemplate: keeping %s in %s (retainOnDelete)", "ami-1", "us-east-1");
    console.error("warning: ws-4: newer image available");
    Object.assign(console, saved);
    for (let wait = 0; received.length < 2 && wait < 50; wait++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      received.sort((a, b) => a.severity - b.severity),
      [
        { severity: LogSeverity.INFO, message: "SavedTemplate: keeping ami-1 in us-east-1 (retainOnDelete)" },
        { severity: LogSeverity.WARNING, message: "ws-4: newer image available" },
      ],
    );
  });
});
