import type * as provider from "@pulumi/pulumi/provider";
import type { ProviderLogic } from "../dynamic/host";

/**
 * The one adapter from a resource's logic module (the dynamic `ProviderLogic` shape: no URN, plain values) to
 * `@pulumi/pulumi/provider`'s `Provider` methods. What it adds is the plugin's side of the wire: secrets arrive
 * wrapped (the plugin accepts secrets) and leave wrapped again, and `__provider` — the module text a state written by
 * the dynamic-resource version holds — is dropped, so no state the plugin writes names a module path.
 */

type Props = Record<string, unknown>;

/** The key a dynamic resource stores its provider module text under; never in state the plugin writes. */
export const DYNAMIC_PROVIDER_KEY = "__provider";

// The engine's wire markers (sdk/nodejs/runtime/rpc.ts): a secret is { [SIGNATURE]: SECRET, value }.
const SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";

function isSecret(value: unknown): value is { value: unknown } {
  return Boolean(value && typeof value === "object" && (value as Props)[SIGNATURE_KEY] === SECRET_SIGNATURE);
}

/** `value` with every secret replaced by what it holds (the logic modules read plain values). */
function unwrapSecrets(value: unknown): unknown {
  if (isSecret(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value as Props).map(([key, item]) => [key, unwrapSecrets(item)]));
  return value;
}

/** The properties as the logic reads them: secrets unwrapped, `__provider` gone, and which keys were secret. */
function plain(props: Props | undefined): { props: Props; secretKeys: Set<string> } {
  const secretKeys = new Set<string>();
  const out: Props = {};
  for (const [key, value] of Object.entries(props ?? {})) {
    if (key === DYNAMIC_PROVIDER_KEY) continue;
    if (isSecret(value)) secretKeys.add(key);
    out[key] = unwrapSecrets(value);
  }
  return { props: out, secretKeys };
}

/** A result's properties with the keys that came in secret wrapped again, so the engine stores them encrypted. */
function rewrap(props: Props | undefined, secretKeys: Set<string>): Props | undefined {
  if (!props || secretKeys.size === 0) return props;
  return Object.fromEntries(
    Object.entries(props).map(([key, value]) => [
      key,
      secretKeys.has(key) && value !== undefined ? { [SIGNATURE_KEY]: SECRET_SIGNATURE, value } : value,
    ]),
  );
}

/** A custom resource's CRUD, as the plugin's dispatch table holds it (the URN is already resolved to this resource). */
export type CustomResourceMethods = Required<
  Pick<provider.Provider, "check" | "diff" | "create" | "read" | "update" | "delete">
> &
  PreviewsUpdates;

/** What `pulumi preview` shows as the outputs of an update, computed without any AWS write. */
export interface PreviewsUpdates {
  previewUpdate(id: string, urn: string, olds: unknown, news: unknown): Promise<{ outs?: unknown }>;
}

/**
 * The provider methods of one logic module. A state written by the dynamic-resource version (its outputs hold
 * `__provider`) whose logic sees no change is still an in-place update: Update then writes the old outputs without
 * `__provider` and calls no AWS API (the logic's own update is not run for it), and its preview shows exactly those
 * outputs, so what reads them (a copy's sourceAmiId) stays known and is not falsely replaced.
 */
export function adaptLogic(logic: ProviderLogic): CustomResourceMethods {
  const fromDynamicState = (olds: Props | undefined) => Boolean(olds && DYNAMIC_PROVIDER_KEY in olds);
  /** A dynamic-era state the logic sees no change in: its update only rewrites the state, to these outputs. */
  const bookkeepingOnly = async (id: string, olds: unknown, news: unknown) => {
    const previous = plain(olds as Props | undefined);
    if (!fromDynamicState(olds as Props | undefined)) return undefined;
    if ((await logic.diff(id, previous.props, plain(news as Props | undefined).props)).changes) return undefined;
    return rewrap(previous.props, previous.secretKeys);
  };
  return {
    async check(_urn, olds, news) {
      const next = plain(news);
      const result = await logic.check(plain(olds).props, next.props);
      return { inputs: rewrap(result.inputs as Props | undefined, next.secretKeys), failures: result.failures ?? [] };
    },
    async diff(id, _urn, olds, news) {
      const result = await logic.diff(id, plain(olds).props, plain(news).props);
      if (!result.changes && fromDynamicState(olds)) return { changes: true, replaces: [], deleteBeforeReplace: false };
      return result;
    },
    async create(_urn, inputs) {
      const next = plain(inputs);
      const result = await logic.create(next.props);
      return { id: result.id, outs: rewrap(result.outs as Props, next.secretKeys) };
    },
    async read(id, _urn, props) {
      const current = plain(props);
      const result = await logic.read(id, current.props);
      return { ...result, props: rewrap(result.props as Props | undefined, current.secretKeys) };
    },
    async update(id, _urn, olds, news) {
      const kept = await bookkeepingOnly(id, olds, news);
      if (kept) return { outs: kept };
      const next = plain(news);
      const result = await logic.update(id, plain(olds).props, next.props);
      return { outs: rewrap(result.outs as Props | undefined, next.secretKeys) };
    },
    async previewUpdate(id, _urn, olds, news) {
      // Otherwise the new inputs: what the engine itself shows for a provider that does not preview updates.
      return { outs: (await bookkeepingOnly(id, olds, news)) ?? news };
    },
    async delete(id, _urn, props) {
      await logic.delete(id, plain(props).props);
    },
  };
}
