import { isKnownRegion } from "../core/regions";

/**
 * Neighbouring regions to look in, nearest first, when no usable AMI exists in the target region. Order matters: it
 * is the order the cross-region tier searches, so the first neighbour that holds an image is the copy source.
 * The first 17 entries are the original map; the rest cover the newer regions with their closest established ones.
 */
export const REGION_FALLBACKS: Readonly<Record<string, readonly string[]>> = {
  "us-east-1": ["us-east-2", "us-west-2", "us-west-1"],
  "us-east-2": ["us-east-1", "us-west-2", "us-west-1"],
  "us-west-1": ["us-west-2", "us-east-1", "us-east-2"],
  "us-west-2": ["us-west-1", "us-east-2", "us-east-1"],
  "ca-central-1": ["us-east-1", "us-east-2"],
  "sa-east-1": ["us-east-1", "us-east-2"],
  "eu-west-1": ["eu-west-2", "eu-central-1", "eu-west-3"],
  "eu-west-2": ["eu-west-1", "eu-west-3", "eu-central-1"],
  "eu-west-3": ["eu-west-1", "eu-central-1", "eu-west-2"],
  "eu-central-1": ["eu-west-1", "eu-north-1", "eu-west-3"],
  "eu-north-1": ["eu-central-1", "eu-west-1"],
  "ap-south-1": ["ap-southeast-1", "ap-northeast-1", "us-east-1"],
  "ap-southeast-1": ["ap-southeast-2", "ap-northeast-1", "ap-south-1"],
  "ap-southeast-2": ["ap-southeast-1", "ap-northeast-1"],
  "ap-northeast-1": ["ap-northeast-3", "ap-northeast-2", "ap-southeast-1"],
  "ap-northeast-2": ["ap-northeast-1", "ap-northeast-3"],
  "ap-northeast-3": ["ap-northeast-1", "ap-northeast-2"],
  // Newer regions: nearest established regions first.
  "ca-west-1": ["ca-central-1", "us-west-2", "us-east-1"],
  "mx-central-1": ["us-east-2", "us-east-1", "us-west-2"],
  "eu-central-2": ["eu-central-1", "eu-south-1", "eu-west-3"],
  "eu-south-1": ["eu-central-1", "eu-south-2", "eu-west-3"],
  "eu-south-2": ["eu-west-3", "eu-south-1", "eu-west-1"],
  "ap-south-2": ["ap-south-1", "ap-southeast-1"],
  "ap-southeast-3": ["ap-southeast-1", "ap-southeast-2"],
  "ap-southeast-4": ["ap-southeast-2", "ap-southeast-1"],
  "ap-southeast-5": ["ap-southeast-1", "ap-southeast-3"],
  "ap-southeast-7": ["ap-southeast-1", "ap-southeast-5"],
  "ap-southeast-6": ["ap-southeast-2", "ap-southeast-4"],
  "ap-east-1": ["ap-southeast-1", "ap-northeast-1"],
  "ap-east-2": ["ap-east-1", "ap-northeast-1", "ap-southeast-1"],
  "me-south-1": ["me-central-1", "ap-south-1", "eu-central-1"],
  "me-central-1": ["me-south-1", "ap-south-1", "eu-central-1"],
  "il-central-1": ["eu-central-1", "eu-south-1", "eu-west-1"],
  "af-south-1": ["eu-west-1", "eu-south-1", "eu-central-1"],
};

/** The neighbours of a region, nearest first (empty for a region without entries). */
export function regionFallbacks(region: string): readonly string[] {
  return REGION_FALLBACKS[region] ?? [];
}

/**
 * The regions the cross-region tier visits, in order: breadth-first over the fallback map from `region`, at most
 * `maxHops` steps away, never revisiting a region (the map has cycles, e.g. us-east-1 ⇄ us-east-2) and never
 * returning `region` itself. Deterministic: the same inputs always give the same order.
 */
export function crossRegionSearchOrder(region: string, maxHops = 1): string[] {
  const visited = new Set<string>([region]);
  const order: string[] = [];
  let frontier = [region];
  for (let hop = 0; hop < maxHops && frontier.length > 0; hop++) {
    const next: string[] = [];
    for (const from of frontier) {
      for (const neighbour of regionFallbacks(from)) {
        if (visited.has(neighbour) || !isKnownRegion(neighbour)) continue;
        visited.add(neighbour);
        order.push(neighbour);
        next.push(neighbour);
      }
    }
    frontier = next;
  }
  return order;
}
