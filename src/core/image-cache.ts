import { Semaphore, SharedCall } from "./shared-call";
import {
  DescribeImagesCommand,
  type DescribeImagesCommandInput,
  type EC2Client,
  type Filter,
  type Image,
} from "@aws-sdk/client-ec2";
import { GetParameterCommand, GetParametersCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { isNotFound, regionOf, throwAwsCallError } from "./aws-errors";

/**
 * Fleet-scale lookups for the resolver: a per-process cache of DescribeImages/GetParameter results with a TTL,
 * batching of image-id lookups (all ids asked for within `batchWindowMs` go out as ONE DescribeImages call) and of
 * parameter lookups (as GetParameters, 10 names a call — which also makes the ids they hold arrive together, so the
 * DescribeImages that follows batches too),
 * coalescing of identical concurrent searches, and a per-client (so per-region) limit on calls in flight.
 *
 * State is kept per SDK client object, and clients are per region (see clients.ts), so two emulators or two
 * accounts never share entries. A cached "not found" is also kept for the TTL: a freshly published image can take
 * up to `ttlMs` to be seen by a long-running process.
 *
 * Failures are never answers: a call that fails (after the SDK's retries) rejects every caller waiting on it (a
 * failed batch fails all its keys) with an AwsCallError, and nothing is cached for it. Only AWS's own "not found"
 * (InvalidAMIID.*, ParameterNotFound, names GetParameters reports invalid) is cached as absent.
 */
export interface ImageCacheOptions {
  /** How long a result is reused. Default 5 minutes; 0 disables caching (coalescing and batching still apply). */
  ttlMs?: number;
  /** Milliseconds clock, injectable for tests. Default `Date.now`. */
  now?: () => number;
  /** Collect image ids (parameter names) for this long before sending one DescribeImages (GetParameters). Default 2 ms. */
  batchWindowMs?: number;
  /** false sends one DescribeImages per image id and one GetParameter per name (for comparison in the bench). Default true. */
  batching?: boolean;
  /** Calls in flight per region (per client). Default 8. */
  maxInFlightPerRegion?: number;
}

export interface ImageSearch {
  /** Never empty: a search without owners can return anyone's image (name-squatting). */
  owners: string[];
  filters: Filter[];
}

export interface LookupStats {
  describeImagesCalls: number;
  getParameterCalls: number;
  cacheHits: number;
}

/** A search's identity for coalescing and caching: owners and filters in a canonical order. */
export function searchKey(search: ImageSearch): string {
  const owners = [...search.owners].sort();
  const filters = search.filters
    .map((filter) => ({ Name: filter.Name ?? "", Values: [...(filter.Values ?? [])].sort() }))
    .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  return JSON.stringify({ owners, filters });
}

export const DEFAULT_CACHE_TTL_MS = 5 * 60_000;
const MAX_IDS_PER_CALL = 100;
/** At most this many expected ids wait per client, and ride along with one batch (the rest of it is for callers). */
export const MAX_EXPECTED_IMAGES = 50;
/** GetParameters takes at most 10 names. */
const MAX_PARAMETERS_PER_CALL = 10;

interface Entry {
  value: unknown;
  expires: number;
}

/** Keys collected during one batch window, answered by one call that returns a value (or undefined) per key. */
interface Batch {
  keys: Set<string>;
  shared: SharedCall<Map<string, unknown>>;
}

interface ClientState {
  entries: Map<string, Entry>;
  inflight: Map<string, SharedCall<unknown>>;
  /** The open batch per kind of lookup ("image", "parameter"). */
  batches: Map<string, Batch>;
  /** `<kind>:<key>` → the batch (open or sent, not answered yet) that asks for it. */
  pendingKeys: Map<string, Batch>;
  /** Image ids expected to be asked for soon (expectImages): added to the next by-id batch. */
  expected: Set<string>;
  semaphore: Semaphore;
}

export class ImageCache {
  readonly stats: LookupStats = { describeImagesCalls: 0, getParameterCalls: 0, cacheHits: 0 };
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly batchWindowMs: number;
  private readonly batching: boolean;
  private readonly maxInFlight: number;
  private states = new WeakMap<object, ClientState>();

  constructor(options: ImageCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_CACHE_TTL_MS;
    this.now = options.now ?? Date.now;
    this.batchWindowMs = options.batchWindowMs ?? 2;
    this.batching = options.batching ?? true;
    this.maxInFlight = options.maxInFlightPerRegion ?? 8;
  }

  /** Forgets every cached result (in-flight calls still complete for their callers). */
  clear(): void {
    this.states = new WeakMap();
  }

  /** The image with this id in the client's region, or undefined when it does not exist there. Batched. */
  async getImage(ec2: EC2Client, imageId: string, signal?: AbortSignal): Promise<Image | undefined> {
    const state = this.state(ec2);
    const key = `image:${imageId}`;
    const cached = this.cached<Image | undefined>(state, key);
    if (cached.hit) return cached.value;
    if (!this.batching) {
      return (
        await this.shared(state, `single:${imageId}`, signal, (abort) => this.fetchImages(ec2, state, [imageId], abort))
      ).get(imageId);
    }
    return this.batched<Image>(
      state,
      "image",
      imageId,
      MAX_IDS_PER_CALL,
      signal,
      (ids, abort) => this.fetchImages(ec2, state, ids, abort),
      state.expected,
    );
  }

  /**
   * Image ids that will probably be asked for soon (a fleet's pinned AMIs, known from its previous run): they ride
   * along with the next by-id DescribeImages in this client's region, so their own lookups answer from the cache
   * instead of costing a call each. Never starts a call by itself. Ids already cached or being asked for are skipped;
   * at most MAX_EXPECTED_IMAGES wait per client.
   */
  expectImages(ec2: EC2Client, imageIds: readonly string[]): void {
    if (!this.batching || this.ttlMs <= 0) return;
    const state = this.state(ec2);
    for (const id of imageIds) {
      if (state.expected.size >= MAX_EXPECTED_IMAGES) break;
      if (this.knownImage(ec2, id) !== "unknown" || state.pendingKeys.has(`image:${id}`)) continue;
      state.expected.add(id);
    }
  }

  /** What the cache knows of an image, without asking AWS or counting a hit: present, absent, or unknown. */
  knownImage(ec2: EC2Client, imageId: string): "present" | "absent" | "unknown" {
    const entry = this.state(ec2).entries.get(`image:${imageId}`);
    if (!entry || entry.expires <= this.now()) return "unknown";
    return entry.value === undefined ? "absent" : "present";
  }

  /** Every image matching the search (all pages), newest order not guaranteed. Identical concurrent searches share one call. */
  async searchImages(ec2: EC2Client, search: ImageSearch, signal?: AbortSignal): Promise<Image[]> {
    if (search.owners.length === 0)
      throw new Error("refusing to search images without owners: a name alone can match anyone's image");
    const state = this.state(ec2);
    const key = `search:${searchKey(search)}`;
    const cached = this.cached<Image[]>(state, key);
    if (cached.hit) return cached.value;
    return this.shared(state, key, signal, async (abort) => {
      const images = await this.paginate(
        ec2,
        state,
        { Owners: search.owners, Filters: search.filters, MaxResults: 1000 },
        abort,
      );
      for (const image of images) if (image.ImageId) this.store(state, `image:${image.ImageId}`, image);
      return images;
    });
  }

  /** Whether the image belongs to the caller's own account (`Owners: ["self"]`), for trusted_owners: ["self"]. */
  async isOwnedBySelf(ec2: EC2Client, imageId: string, signal?: AbortSignal): Promise<boolean> {
    const state = this.state(ec2);
    const key = `self:${imageId}`;
    const cached = this.cached<boolean>(state, key);
    if (cached.hit) return cached.value;
    return this.shared(state, key, signal, async (abort) => {
      const images = await this.paginate(
        ec2,
        state,
        { Owners: ["self"], Filters: [{ Name: "image-id", Values: [imageId] }] },
        abort,
      );
      return images.some((image) => image.ImageId === imageId);
    });
  }

  /** The parameter's value, or undefined when it does not exist in the client's region. */
  async getParameter(ssm: SSMClient, name: string, signal?: AbortSignal): Promise<string | undefined> {
    const state = this.state(ssm);
    const key = `parameter:${name}`;
    const cached = this.cached<string | undefined>(state, key);
    if (cached.hit) return cached.value;
    if (this.batching) {
      return this.batched<string>(state, "parameter", name, MAX_PARAMETERS_PER_CALL, signal, (names, abort) =>
        this.fetchParameters(ssm, state, names, abort),
      );
    }
    return this.shared(state, key, signal, async (abort) => {
      this.stats.getParameterCalls++;
      try {
        const { Parameter } = await this.send(ssm, state, "SSM", "GetParameter", () =>
          ssm.send(new GetParameterCommand({ Name: name }), { abortSignal: abort }),
        );
        return Parameter?.Value;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    });
  }

  /** Adds `key` to the open batch of this kind (opening one, sent after batchWindowMs, when none is open or it is full). */
  private async batched<T>(
    state: ClientState,
    kind: string,
    key: string,
    maxKeys: number,
    signal: AbortSignal | undefined,
    fetch: (keys: string[], abort: AbortSignal) => Promise<Map<string, T | undefined>>,
    expected?: Set<string>,
  ): Promise<T | undefined> {
    // A key already in a batch (open or sent and not answered yet) waits for that batch: no second call for it.
    const asked = state.pendingKeys.get(`${kind}:${key}`);
    if (asked && !asked.shared.abandoned) return (await asked.shared.wait(signal)).get(key) as T | undefined;
    let batch = state.batches.get(kind);
    // A batch every caller has given up on is aborted: a newcomer must not join it and inherit the abort.
    if (!batch || batch.keys.size >= maxKeys || batch.shared.abandoned) {
      const keys = new Set<string>();
      const shared = new SharedCall<Map<string, unknown>>();
      const opened: Batch = (batch = { keys, shared });
      state.batches.set(kind, opened);
      // Expected keys ride along (nobody waits on them yet; a later lookup of one joins this batch or its answer).
      for (const key of expected ?? []) {
        if (keys.size >= Math.min(MAX_EXPECTED_IMAGES, maxKeys - 1)) break;
        expected?.delete(key);
        if (state.pendingKeys.has(`${kind}:${key}`)) continue;
        keys.add(key);
        state.pendingKeys.set(`${kind}:${key}`, opened);
      }
      setTimeout(() => {
        if (state.batches.get(kind) === opened) state.batches.delete(kind);
        shared.start(async (abort) => {
          try {
            return await fetch([...keys], abort);
          } finally {
            for (const asked of keys)
              if (state.pendingKeys.get(`${kind}:${asked}`) === opened) state.pendingKeys.delete(`${kind}:${asked}`);
          }
        });
      }, this.batchWindowMs);
    }
    batch.keys.add(key);
    state.pendingKeys.set(`${kind}:${key}`, batch);
    return (await batch.shared.wait(signal)).get(key) as T | undefined;
  }

  /** One GetParameters for up to 10 names; names it reports invalid (not found) map to undefined. */
  private async fetchParameters(
    ssm: SSMClient,
    state: ClientState,
    names: string[],
    abort: AbortSignal,
  ): Promise<Map<string, string | undefined>> {
    this.stats.getParameterCalls++;
    const { Parameters = [] } = await this.send(ssm, state, "SSM", "GetParameters", () =>
      ssm.send(new GetParametersCommand({ Names: names }), { abortSignal: abort }),
    );
    const values = new Map<string, string | undefined>(names.map((name) => [name, undefined]));
    for (const parameter of Parameters)
      if (parameter.Name && values.has(parameter.Name)) values.set(parameter.Name, parameter.Value);
    for (const [name, value] of values) this.store(state, `parameter:${name}`, value);
    return values;
  }

  private async fetchImages(
    ec2: EC2Client,
    state: ClientState,
    ids: string[],
    abort: AbortSignal,
  ): Promise<Map<string, Image | undefined>> {
    const found = new Map<string, Image | undefined>();
    const record = (images: Image[], asked: string[]) => {
      for (const id of asked) found.set(id, undefined);
      for (const image of images) if (image.ImageId && asked.includes(image.ImageId)) found.set(image.ImageId, image);
      for (const id of asked) this.store(state, `image:${id}`, found.get(id));
    };
    try {
      record(await this.paginate(ec2, state, { ImageIds: ids }, abort), ids);
    } catch (error) {
      // On AWS one missing or malformed id fails the whole call. The error names it ("The image id '[ami-…]' does
      // not exist"): ask once more without the ids it names; else look the ids up one by one.
      if (!isNotFound(error)) throw error;
      const message = String((error as Error).message ?? "");
      const named = ids.filter((id) => mentionsId(message, id));
      if (ids.length === 1) {
        record([], ids);
      } else if (named.length > 0) {
        record([], named);
        const rest = ids.filter((id) => !named.includes(id));
        if (rest.length)
          for (const [id, image] of await this.fetchImages(ec2, state, rest, abort)) found.set(id, image);
      } else {
        await Promise.all(
          ids.map(async (id) => {
            try {
              record(await this.paginate(ec2, state, { ImageIds: [id] }, abort), [id]);
            } catch (single) {
              if (!isNotFound(single)) throw single;
              record([], [id]);
            }
          }),
        );
      }
    }
    return found;
  }

  private async paginate(
    ec2: EC2Client,
    state: ClientState,
    input: DescribeImagesCommandInput,
    abort: AbortSignal,
  ): Promise<Image[]> {
    const images: Image[] = [];
    let NextToken: string | undefined;
    do {
      this.stats.describeImagesCalls++;
      const page = await this.send(ec2, state, "EC2", "DescribeImages", () =>
        ec2.send(new DescribeImagesCommand({ ...input, IncludeDeprecated: true, NextToken }), { abortSignal: abort }),
      );
      images.push(...(page.Images ?? []));
      NextToken = page.NextToken || undefined;
    } while (NextToken);
    return images;
  }

  /**
   * One AWS call under the region's in-flight limit. "Not found" errors pass through unchanged (callers turn them
   * into absent); every other AWS failure becomes an AwsCallError naming the service, operation and region.
   */
  private async send<T>(
    client: { config: { region: unknown } },
    state: ClientState,
    service: string,
    operation: string,
    call: () => Promise<T>,
  ): Promise<T> {
    try {
      return await state.semaphore.run(call);
    } catch (error) {
      if (isNotFound(error)) throw error;
      return throwAwsCallError(error, { service, operation, region: await regionOf(client) });
    }
  }

  private async shared<T>(
    state: ClientState,
    key: string,
    signal: AbortSignal | undefined,
    run: (abort: AbortSignal) => Promise<T>,
  ): Promise<T> {
    let call = state.inflight.get(key) as SharedCall<T> | undefined;
    if (!call || call.abandoned) {
      const created = new SharedCall<T>();
      call = created;
      state.inflight.set(key, created as SharedCall<unknown>);
      created.start(async (abort) => {
        try {
          const value = await run(abort);
          this.store(state, key, value);
          return value;
        } finally {
          if (state.inflight.get(key) === (created as SharedCall<unknown>)) state.inflight.delete(key);
        }
      });
    }
    return call.wait(signal);
  }

  private cached<T>(state: ClientState, key: string): { hit: true; value: T } | { hit: false } {
    const entry = state.entries.get(key);
    if (entry && entry.expires > this.now()) {
      this.stats.cacheHits++;
      return { hit: true, value: entry.value as T };
    }
    if (entry) state.entries.delete(key);
    return { hit: false };
  }

  private store(state: ClientState, key: string, value: unknown): void {
    if (this.ttlMs > 0) state.entries.set(key, { value, expires: this.now() + this.ttlMs });
  }

  private state(client: object): ClientState {
    let state = this.states.get(client);
    if (!state)
      this.states.set(
        client,
        (state = {
          entries: new Map(),
          inflight: new Map(),
          batches: new Map(),
          pendingKeys: new Map(),
          expected: new Set(),
          semaphore: new Semaphore(this.maxInFlight),
        }),
      );
    return state;
  }
}

/** Whether `text` names `id` as a whole id (not as the start of a longer one: ami-1234abcd vs ami-1234abcd0…). */
function mentionsId(text: string, id: string): boolean {
  for (let at = text.indexOf(id); at >= 0; at = text.indexOf(id, at + 1)) {
    if (!/[0-9a-z]/i.test(text.charAt(at + id.length))) return true;
  }
  return false;
}

/** The process-wide cache `resolveAmi` uses when the caller passes none. */
export const defaultImageCache = new ImageCache();
