import assert from "node:assert/strict";
import type * as grpc from "@grpc/grpc-js";
import {
  ConfigureResponse,
  CreateRequest,
  UpdateRequest,
  type CreateResponse,
  type UpdateResponse,
} from "@pulumi/pulumi/proto/provider_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { previewHandlers } from "../../src/provider/previews";

type Handler = grpc.handleUnaryCall<unknown, unknown>;

/** Calls `handler` as grpc-js would and resolves with what it answered. */
function answer(handler: Handler | undefined, request: unknown): Promise<unknown> {
  return new Promise((resolve, reject) =>
    handler!({ request } as grpc.ServerUnaryCall<unknown, unknown>, (error, response) =>
      error ? reject(error) : resolve(response),
    ),
  );
}

/** The SDK's server as previewHandlers sees it: methods that use `this`, recording which ran. */
function sdkServer() {
  const ran: string[] = [];
  const server = {
    name: "sdk",
    configure(this: { name: string }, _call: unknown, callback: grpc.sendUnaryData<unknown>) {
      ran.push(`configure by ${this.name}`);
      callback(null, new ConfigureResponse());
    },
    create(this: { name: string }, _call: unknown, callback: grpc.sendUnaryData<unknown>) {
      ran.push(`create by ${this.name}`);
      callback(null, null);
    },
    update(this: { name: string }, _call: unknown, callback: grpc.sendUnaryData<unknown>) {
      ran.push(`update by ${this.name}`);
      callback(null, null);
    },
  };
  return { server: server as unknown as Record<string, Handler>, ran };
}

describe("the plugin answers previews itself (src/provider/previews.ts)", () => {
  const previewed: unknown[][] = [];
  const target = {
    previewUpdate: async (...args: unknown[]) => {
      previewed.push(args);
      return { outs: { amiId: "ami-1" } };
    },
  };

  it("says in Configure that it previews, keeping the rest of the SDK's answer", async () => {
    const { server, ran } = sdkServer();
    const response = (await answer(previewHandlers(target, server).configure, {})) as ConfigureResponse;
    assert.equal(response.getSupportspreview(), true);
    assert.deepEqual(ran, ["configure by sdk"]);
  });

  it("answers a preview Create with the inputs and never runs the SDK's create (which would call AWS)", async () => {
    const { server, ran } = sdkServer();
    const request = new CreateRequest();
    request.setPreview(true);
    request.setProperties(Struct.fromJavaScript({ region: "us-east-1" }));
    const response = (await answer(previewHandlers(target, server).create, request)) as CreateResponse;
    assert.deepEqual(response.getProperties()?.toJavaScript(), { region: "us-east-1" });
    assert.equal(response.getId(), "");
    assert.deepEqual(ran, []);
  });

  it("answers a preview Update with previewUpdate's outputs, and leaves a real Update to the SDK", async () => {
    const { server, ran } = sdkServer();
    const handlers = previewHandlers(target, server);
    const request = new UpdateRequest();
    request.setPreview(true);
    request.setId("ami-1");
    request.setUrn("urn:pulumi:dev::lab::cloudworkstation:index:SavedTemplate::lab");
    request.setOlds(Struct.fromJavaScript({ amiId: "ami-1", __provider: "x" }));
    request.setNews(Struct.fromJavaScript({ region: "us-east-1" }));
    const response = (await answer(handlers.update, request)) as UpdateResponse;
    assert.deepEqual(response.getProperties()?.toJavaScript(), { amiId: "ami-1" });
    assert.deepEqual(previewed.at(-1), [
      "ami-1",
      "urn:pulumi:dev::lab::cloudworkstation:index:SavedTemplate::lab",
      { amiId: "ami-1", __provider: "x" },
      { region: "us-east-1" },
    ]);
    assert.deepEqual(ran, []);

    request.setPreview(false);
    await answer(handlers.update, request);
    const create = new CreateRequest();
    await answer(handlers.create, create);
    assert.deepEqual(ran, ["update by sdk", "create by sdk"], "the SDK's handlers run as methods of its server");
  });
});
