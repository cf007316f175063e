import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { DiffRequest, DiffResponse } from "@pulumi/pulumi/proto/provider_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { diffResponse } from "../../src/provider/diff-stables";

const SERVER = path.join(__dirname, "fixtures", "diff-server.ts");

/** Starts fixtures/diff-server.ts and asks it for one Diff over gRPC, as the engine does. */
async function diffOverGrpc(mode: "sdk" | "stables"): Promise<DiffResponse> {
  const child: ChildProcess = spawn(process.execPath, ["--require", require.resolve("tsx/cjs"), SERVER, mode], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout?.once("data", (chunk) => resolve(String(chunk).trim()));
      child.once("exit", (code) => reject(new Error(`diff-server exited ${code} before printing its port`)));
    });
    const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const request = new DiffRequest();
    request.setId("ami-1");
    request.setUrn("urn:pulumi:dev::lab::cloudworkstation:index:SavedTemplate::lab");
    request.setOlds(Struct.fromJavaScript({ amiId: "ami-1" }));
    request.setNews(Struct.fromJavaScript({}));
    const response = await new Promise<DiffResponse>((resolve, reject) =>
      client.diff(request, (error, reply) => (error ? reject(error) : resolve(reply as DiffResponse))),
    );
    client.close();
    return response;
  } finally {
    child.kill();
  }
}

describe("the plugin's Diff sends stables (src/provider/diff-stables.ts)", function () {
  this.timeout(60_000);

  it("builds the engine's answer from a diff result, stables included", () => {
    const response = diffResponse({
      changes: true,
      replaces: ["region"],
      stables: ["amiId"],
      deleteBeforeReplace: true,
    });
    assert.equal(response.getChanges(), DiffResponse.DiffChanges.DIFF_SOME);
    assert.deepEqual(response.getReplacesList(), ["region"]);
    assert.deepEqual(response.getStablesList(), ["amiId"]);
    assert.equal(response.getDeletebeforereplace(), true);
    assert.equal(diffResponse({ changes: false }).getChanges(), DiffResponse.DiffChanges.DIFF_NONE);
    assert.equal(diffResponse({}).getChanges(), DiffResponse.DiffChanges.DIFF_UNKNOWN);
  });

  it("over gRPC, the SDK's own server drops the stables and the plugin's handler sends them", async () => {
    // If the first assertion fails, @pulumi/pulumi now sends stables itself and sendDiffStables can go.
    const sdk = await diffOverGrpc("sdk");
    assert.equal(sdk.getChanges(), DiffResponse.DiffChanges.DIFF_SOME);
    assert.deepEqual(sdk.getStablesList(), []);
    const patched = await diffOverGrpc("stables");
    assert.equal(patched.getChanges(), DiffResponse.DiffChanges.DIFF_SOME);
    assert.deepEqual(patched.getStablesList(), ["amiId", "snapshotIds"]);
  });
});
