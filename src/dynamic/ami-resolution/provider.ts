import type { CreateResult, ReadResult, UpdateResult } from "@pulumi/pulumi/dynamic";
import { defaultImageCache } from "../../core/image-cache";
import type { AwsClients } from "../../core/clients";
import { providerLogic } from "../host";
import { check } from "./check";
import { ensureCopy, removeCopy } from "./copy";
import { diff } from "./diff";
import { type AmiResolutionState, defaultClients } from "./state";

/** Internal. Exported for testing. */
export async function create(
  inputs: Record<string, unknown>,
  clients: AwsClients = defaultClients(),
): Promise<CreateResult & { outs: Record<string, unknown> }> {
  const checked = inputs as unknown as AmiResolutionState;
  if (typeof checked.resolvedAmiId !== "string")
    throw new Error("AmiResolution: create was called without a resolution (check did not run or failed)");
  const state = await ensureCopy(checked, clients);
  return { id: state.amiId as string, outs: state as unknown as Record<string, unknown> };
}

/** Internal. Exported for testing. */
export async function update(
  _id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  clients: AwsClients = defaultClients(),
): Promise<UpdateResult & { outs: Record<string, unknown> }> {
  let state = { ...news } as unknown as AmiResolutionState;
  const old = olds as unknown as AmiResolutionState;
  const sameSource =
    Boolean(old.copiedImageId) && old.resolvedAmiId === state.resolvedAmiId && old.region === state.region;
  if (sameSource) {
    // Same source, same region: the copy we made is still this resource's.
    state = {
      ...state,
      amiId: state.amiId ?? old.copiedImageId,
      copiedImageId: old.copiedImageId,
      copyMadeByUs: old.copyMadeByUs,
    };
    if (state.amiId === old.copiedImageId) delete state.copyPending;
  }
  state = await ensureCopy(state, clients);
  if (!sameSource && old.copiedImageId && old.copiedImageId !== state.copiedImageId) {
    // The resolution moved away from a copy we made: remove it as delete would (running instances are unaffected).
    await removeCopy({ ...old, retainCopyOnDelete: state.retainCopyOnDelete }, clients);
  }
  return { outs: state as unknown as Record<string, unknown> };
}

/** Refresh: the resolution is a recorded decision; only a copy we made can disappear underneath it. */
export async function read(
  id: string,
  props: Record<string, unknown>,
  clients: AwsClients = defaultClients(),
): Promise<ReadResult & { props: Record<string, unknown> }> {
  const state = { ...props } as unknown as AmiResolutionState;
  if (state.copiedImageId && !(await defaultImageCache.getImage(clients.ec2(state.region), state.copiedImageId))) {
    delete state.copiedImageId;
    delete state.copyMadeByUs;
  }
  return { id, props: state as unknown as Record<string, unknown> };
}

/** Delete: removes a copy we made (unless retainCopyOnDelete); the resolution itself owns nothing in AWS. */
export async function remove(
  _id: string,
  props: Record<string, unknown>,
  clients: AwsClients = defaultClients(),
): Promise<void> {
  await removeCopy(props as unknown as AmiResolutionState, clients);
}

export const provider = providerLogic<Record<string, unknown>, Record<string, unknown>>({
  check: (olds, news) => check(olds, news),
  diff: async (_id, olds, news) => diff(olds, news),
  create: (inputs) => create(inputs),
  read: (id, props) => read(id, props ?? {}),
  update: (id, olds, news) => update(id, olds, news),
  delete: (id, props) => remove(id, props),
});

export { check, diff };
