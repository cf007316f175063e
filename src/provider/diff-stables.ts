import * as grpc from "@grpc/grpc-js";
import type * as provider from "@pulumi/pulumi/provider";
import { DiffResponse, type DiffRequest } from "@pulumi/pulumi/proto/provider_pb";

/**
 * `@pulumi/pulumi/provider`'s gRPC server answers Diff without the result's `stables`. Without them a preview makes
 * every output of a resource being updated unknown, so whatever reads one (a copy's sourceAmiId) looks replaced. The
 * Diff handler is therefore replaced, in the grpc-js copy the SDK registers its service with, before `main` runs.
 */

type Handler = grpc.handleUnaryCall<DiffRequest, DiffResponse>;

/** The engine's answer to a diff: what the SDK sends, plus `stables`. Internal. Exported for testing. */
export function diffResponse(result: provider.DiffResult): DiffResponse {
  const response = new DiffResponse();
  response.setChanges(
    result.changes === true
      ? DiffResponse.DiffChanges.DIFF_SOME
      : result.changes === false
        ? DiffResponse.DiffChanges.DIFF_NONE
        : DiffResponse.DiffChanges.DIFF_UNKNOWN,
  );
  if (result.replaces?.length) response.setReplacesList(result.replaces);
  if (result.stables?.length) response.setStablesList(result.stables);
  if (result.deleteBeforeReplace) response.setDeletebeforereplace(true);
  return response;
}

/** A Diff handler that asks `target` and sends its whole result. */
export function diffHandler(target: Pick<provider.Provider, "diff">): Handler {
  return (call, callback) => {
    const request = call.request;
    const diff = target.diff;
    if (!diff) {
      callback(null, diffResponse({}));
      return;
    }
    diff
      .call(
        target,
        request.getId(),
        request.getUrn(),
        request.getOlds()?.toJavaScript(),
        request.getNews()?.toJavaScript(),
      )
      .then(
        (result) => callback(null, diffResponse(result)),
        (error: Error) => callback({ code: grpc.status.UNKNOWN, details: error.message }, null),
      );
  };
}

/**
 * Makes every gRPC service registered from now on in this process answer Diff with `diffHandler(target)`; returns
 * the undo (for tests).
 */
export function sendDiffStables(target: Pick<provider.Provider, "diff">): () => void {
  const addService = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function (service, implementation) {
    if (typeof implementation.diff === "function") implementation.diff = diffHandler(target);
    return addService.call(this, service, implementation);
  };
  return () => {
    grpc.Server.prototype.addService = addService;
  };
}
