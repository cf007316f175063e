/**
 * Kept for stacks written before src/dynamic/host.ts: their serialized AmiResolution provider requires this module by
 * path (and their SavedTemplate/RegionalAmiCopy providers require it for `stripUndefined`) on `pulumi destroy` and
 * `refresh`, which run the provider stored in state. New code loads ami-resolution/provider through the host.
 */
export { check, create, diff, read, remove, update } from "./ami-resolution/provider";
export { stripUndefined, UNKNOWN } from "./host";
