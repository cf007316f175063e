import type { Filter } from "@aws-sdk/client-ec2";

/** The options, statistics and search shape of the resolver's lookup cache (image-lookup.ts). */

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
