import * as grpc from "@grpc/grpc-js";
import {
  CreateResponse,
  UpdateResponse,
  type ConfigureResponse,
  type CreateRequest,
  type UpdateRequest,
} from "@pulumi/pulumi/proto/provider_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { PreviewsUpdates } from "./adapter";

/**
 * `@pulumi/pulumi/provider`'s gRPC server never says it previews (Configure's supportsPreview), so in a preview the
 * engine answers an update itself with the new inputs: the outputs of a dynamic-era state being rewritten (a
 * SavedTemplate's amiId) become unknown and whatever reads them (its copies) looks replaced. So the plugin answers
 * previews itself: Configure says it does, a preview Create returns the inputs as the engine would, a preview Update
 * asks `previewUpdate`; none of them reaches the logic's create or update, so a preview makes no AWS write. The
 * handlers are replaced in the grpc-js copy the SDK registers its service with, before `main` runs.
 */

type Handler = grpc.handleUnaryCall<unknown, unknown>;
type Implementation = Record<string, Handler | undefined>;

/** The handlers that answer previews, each around the SDK's own (`sdk`). Internal. Exported for testing. */
export function previewHandlers(target: PreviewsUpdates, sdk: Implementation): Implementation {
  // The SDK's handlers are methods of its server object.
  const [configure, create, update] = [sdk.configure, sdk.create, sdk.update].map((handler) => handler?.bind(sdk));
  return {
    configure:
      configure &&
      ((call, callback) =>
        configure(call, (error, response) => {
          (response as ConfigureResponse | undefined)?.setSupportspreview(true);
          callback(error, response);
        })),
    create:
      create &&
      ((call, callback) => {
        const request = call.request as CreateRequest;
        if (!request.getPreview()) return create(call, callback);
        const response = new CreateResponse();
        response.setProperties(request.getProperties());
        callback(null, response);
      }),
    update:
      update &&
      ((call, callback) => {
        const request = call.request as UpdateRequest;
        if (!request.getPreview()) return update(call, callback);
        target
          .previewUpdate(
            request.getId(),
            request.getUrn(),
            request.getOlds()?.toJavaScript(),
            request.getNews()?.toJavaScript(),
          )
          .then(
            (result) => {
              const response = new UpdateResponse();
              response.setProperties(Struct.fromJavaScript((result.outs ?? {}) as Record<string, never>));
              callback(null, response);
            },
            (error: Error) => callback({ code: grpc.status.UNKNOWN, details: error.message }, null),
          );
      }),
  };
}

/**
 * Makes the provider service registered from now on in this process answer previews (previewHandlers); returns the
 * undo (for tests).
 */
export function answerPreviews(target: PreviewsUpdates): () => void {
  const addService = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function (service, implementation) {
    const sdk = implementation as unknown as Implementation;
    if (typeof sdk.update === "function")
      for (const [method, handler] of Object.entries(previewHandlers(target, sdk)))
        if (handler) (implementation as unknown as Implementation)[method] = handler;
    return addService.call(this, service, implementation);
  };
  return () => {
    grpc.Server.prototype.addService = addService;
  };
}
