/**
 * The base distributions a template can start from. Their own file, below the schema, because the rules the schema
 * applies (render-rules.ts) and the publishers table read them too.
 */
export const BASES = ["ubuntu-22.04", "ubuntu-24.04", "amazonlinux-2023", "rocky-9", "debian-12"] as const;
export type Base = (typeof BASES)[number];
