import type { TemplatePath } from "./errors";
import { copyOrigins, isPlainObject, pathKey, type OriginIndex, type Tracked } from "./origins";

/**
 * Inheritance: how a child template is merged over its parent. Pure; both inputs are left untouched.
 *
 * - `name`, `description` and `inherits` are never inherited: they describe the template itself.
 * - Mappings are merged key by key, recursively; a scalar (or a value whose type differs) is replaced by the child's.
 * - Lists are appended, parent's items first, and de-duplicated keeping the first occurrence. Lists of objects with a
 *   `name` (`services`, `users`) are de-duplicated by name: the child's entry replaces the parent's, in its place.
 * - `post_install` scripts are concatenated, parent's first, so a child adds steps without repeating its parent's.
 * - `instance_defaults`: `type` and `size` are alternatives, so a child that sets either replaces the parent's pair.
 * - `ami_config`, key by key: `ami_mappings` merged per region (the child's region entry replaces the parent's whole
 *   entry); every other key is replaced whole by the child's. In particular a child's `ami_search` replaces the
 *   parent's block (its owners and name pattern belong together: merging them would search one publisher's names
 *   under another's account), and a child's `trusted_owners` is the whole allowlist (trust is never widened by
 *   inheritance).
 */

const NEVER_INHERITED = new Set(["name", "description", "inherits"]);

interface Side {
  tracked: Tracked;
  path: TemplatePath;
  value: unknown;
}

export function mergeTracked(parent: Tracked, child: Tracked): Tracked {
  const origins: OriginIndex = new Map();
  const merged = mergeMapping([], side(parent, []), side(child, []), origins, mergeTopLevelKey);
  return { value: merged, origins };
}

function side(tracked: Tracked, path: TemplatePath, value: unknown = tracked.value): Side {
  return { tracked, path, value };
}

function child(of: Side, segment: string | number): Side {
  const value =
    Array.isArray(of.value) || isPlainObject(of.value)
      ? (of.value as Record<string | number, unknown>)[segment]
      : undefined;
  return { tracked: of.tracked, path: [...of.path, segment], value };
}

/** Copy one side's value (and its origins) to `to`. */
function take(from: Side, to: TemplatePath, origins: OriginIndex): unknown {
  copyOrigins(from.tracked.origins, from.path, from.value, origins, to);
  return clonePlain(from.value);
}

function clonePlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clonePlain);
  if (isPlainObject(value))
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, clonePlain(entry)]));
  return value;
}

function setOrigin(from: Side, to: TemplatePath, origins: OriginIndex): void {
  const origin = from.tracked.origins.get(pathKey(from.path));
  if (origin) origins.set(pathKey(to), origin);
}

type KeyMerger = (
  key: string,
  to: TemplatePath,
  parent: Side | undefined,
  child: Side | undefined,
  origins: OriginIndex,
) => unknown;

function mergeMapping(
  to: TemplatePath,
  parent: Side,
  childSide: Side,
  origins: OriginIndex,
  mergeKey: KeyMerger,
): Record<string, unknown> {
  const parentValue = parent.value as Record<string, unknown>;
  const childValue = childSide.value as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(parentValue), ...Object.keys(childValue)])];
  const out: Record<string, unknown> = {};
  setOrigin(childSide, to, origins);
  for (const key of keys) {
    const p = key in parentValue ? child(parent, key) : undefined;
    const c = key in childValue ? child(childSide, key) : undefined;
    const value = mergeKey(key, [...to, key], p, c, origins);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function mergeTopLevelKey(
  key: string,
  to: TemplatePath,
  parent: Side | undefined,
  childSide: Side | undefined,
  origins: OriginIndex,
): unknown {
  if (NEVER_INHERITED.has(key)) return childSide ? take(childSide, to, origins) : undefined;
  if (parent && childSide) {
    if (key === "post_install" && typeof parent.value === "string" && typeof childSide.value === "string") {
      setOrigin(childSide, to, origins);
      return `${parent.value.replace(/\n*$/, "\n")}${childSide.value}`;
    }
    if (key === "instance_defaults" && isPlainObject(parent.value) && isPlainObject(childSide.value)) {
      return mergeMapping(to, parent, childSide, origins, mergeInstanceDefaultsKey(childSide.value));
    }
    if (key === "ami_config" && isPlainObject(parent.value) && isPlainObject(childSide.value)) {
      return mergeMapping(to, parent, childSide, origins, mergeAmiConfigKey);
    }
  }
  return mergeGeneric(to, parent, childSide, origins);
}

function mergeInstanceDefaultsKey(childValue: Record<string, unknown>): KeyMerger {
  const childChoosesType = "type" in childValue || "size" in childValue;
  return (key, to, parent, childSide, origins) => {
    if ((key === "type" || key === "size") && childChoosesType)
      return childSide ? take(childSide, to, origins) : undefined;
    return mergeGeneric(to, parent, childSide, origins);
  };
}

function mergeAmiConfigKey(
  key: string,
  to: TemplatePath,
  parent: Side | undefined,
  childSide: Side | undefined,
  origins: OriginIndex,
): unknown {
  if (key === "ami_mappings" && parent && childSide && isPlainObject(parent.value) && isPlainObject(childSide.value)) {
    // One level deep: a region's entry is the child's or the parent's, never a mix of their architectures.
    return mergeMapping(to, parent, childSide, origins, (_region, regionPath, p, c) =>
      take((c ?? p) as Side, regionPath, origins),
    );
  }
  return take((childSide ?? parent) as Side, to, origins);
}

function mergeGeneric(
  to: TemplatePath,
  parent: Side | undefined,
  childSide: Side | undefined,
  origins: OriginIndex,
): unknown {
  if (!parent) return childSide ? take(childSide, to, origins) : undefined;
  if (!childSide) return take(parent, to, origins);
  if (isPlainObject(parent.value) && isPlainObject(childSide.value)) {
    return mergeMapping(to, parent, childSide, origins, (_key, keyPath, p, c) => mergeGeneric(keyPath, p, c, origins));
  }
  if (Array.isArray(parent.value) && Array.isArray(childSide.value)) return mergeLists(to, parent, childSide, origins);
  return take(childSide, to, origins);
}

/** Parent's items then the child's, first occurrence kept; items with a `name` are matched by name. */
function mergeLists(to: TemplatePath, parent: Side, childSide: Side, origins: OriginIndex): unknown[] {
  const slots: Side[] = [];
  const identity = (item: unknown): string =>
    isPlainObject(item) && typeof item.name === "string" ? `name:${item.name}` : `value:${JSON.stringify(item)}`;
  const index = new Map<string, number>();
  const add = (from: Side, replace: boolean) => {
    (from.value as unknown[]).forEach((item, i) => {
      const key = identity(item);
      const existing = index.get(key);
      if (existing === undefined) {
        index.set(key, slots.length);
        slots.push(child(from, i));
      } else if (replace && key.startsWith("name:")) {
        slots[existing] = child(from, i);
      }
    });
  };
  add(parent, false);
  add(childSide, true);
  setOrigin(childSide, to, origins);
  return slots.map((slot, i) => take(slot, [...to, i], origins));
}
