import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { InvalidInputError } from "../core/errors";
import type { Architecture } from "../templates/schema";
import type { AmiMapping } from "../templates/schema-ami-sources";
import { ALLOWED_SIGNERS_FILE, catalogEntrySchema, reviewSchema, type CatalogEntry, type Review } from "./format";
import { signEntry } from "./signatures";

/**
 * Writing to a catalog's working copy: new entries (`cws catalog submit`, `cws save --publish`,
 * `cws ami share --community`), reviews, and rewrites of an entry (promote, revoke) that are re-signed. Files are
 * written through the `yaml` library and validated by the entry schema before they touch the disk.
 */

export const ENTRY_KEY_ORDER = [
  "template",
  "version",
  "creator",
  "owner_account",
  "description",
  "channels",
  "regions",
  "verification",
  "revoked",
] as const;

export function entryPath(root: string, template: string, version: string): string {
  return path.join(root, "entries", template, `${version}.yml`);
}

/** The entry as YAML, keys in the documented order. */
export function renderEntry(entry: CatalogEntry): string {
  const ordered: Record<string, unknown> = {};
  for (const key of ENTRY_KEY_ORDER) if (entry[key] !== undefined) ordered[key] = entry[key];
  return YAML.stringify(ordered, { lineWidth: 0 });
}

export interface WriteEntryOptions {
  /** An SSH private key; the entry is signed with it (`<entry>.yml.sig`). Without it any old signature is removed. */
  signKey?: string;
  /** Replace an existing file (promote, revoke); new versions never overwrite. */
  replace?: boolean;
}

/** Validates, writes and (with a key) signs one entry; returns the files written. */
export async function writeCatalogEntry(
  root: string,
  entry: CatalogEntry,
  options: WriteEntryOptions = {},
): Promise<{ file: string; signature?: string }> {
  const checked = catalogEntrySchema.safeParse(entry);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new InvalidInputError(`the entry would be invalid: ${issue.message}`, issue.path.join("."));
  }
  const file = entryPath(root, entry.template, entry.version);
  if (!options.replace && fs.existsSync(file))
    throw new InvalidInputError(
      `${path.relative(process.cwd(), file) || file} already exists: a published version never changes; submit a new version`,
      "--version",
    );
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, renderEntry(checked.data));
  if (!options.signKey) {
    fs.rmSync(`${file}.sig`, { force: true });
    return { file };
  }
  return { file, signature: await signEntry(file, options.signKey) };
}

export function writeReview(root: string, template: string, version: string, review: Review): string {
  const checked = reviewSchema.safeParse(review);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new InvalidInputError(issue.message, issue.path.join("."));
  }
  const file = path.join(root, "reviews", template, version, `${review.reviewer}.yml`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, YAML.stringify(checked.data, { lineWidth: 0 }));
  return file;
}

/** The public key of a private key file (`ssh-keygen -y`), as `<type> <base64>`. */
export function publicKeyOf(privateKey: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("ssh-keygen", ["-y", "-f", privateKey], (error, stdout, stderr) => {
      if (error)
        reject(new InvalidInputError(`cannot read ${privateKey}: ${stderr.trim() || error.message}`, "--sign-key"));
      else resolve(stdout.trim().split(/\s+/).slice(0, 2).join(" "));
    });
  });
}

/** The principals allowed_signers lists for a public key (first field of each line holding the key). */
export function principalsForKey(root: string, publicKey: string): string[] {
  const file = path.join(root, ALLOWED_SIGNERS_FILE);
  if (!fs.existsSync(file)) return [];
  const [type, blob] = publicKey.split(/\s+/);
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .filter((line) => {
      const words = line.split(/\s+/);
      return words.some((word, index) => word === type && words[index + 1] === blob);
    })
    .flatMap((line) => line.split(/\s+/)[0].split(","));
}

/** One image to publish: where it is and what it runs on. */
export interface PublishedImage {
  region: string;
  amiId: string;
  architecture?: Architecture;
}

/** region → AMI id, or region → { x86_64, arm64 } when a region has images of both (architecture required then). */
export function regionsOf(images: readonly PublishedImage[]): Record<string, AmiMapping> {
  const byRegion = new Map<string, PublishedImage[]>();
  for (const image of images) byRegion.set(image.region, [...(byRegion.get(image.region) ?? []), image]);
  const regions: Record<string, AmiMapping> = {};
  for (const [region, list] of [...byRegion].sort(([a], [b]) => a.localeCompare(b))) {
    if (list.length === 1) {
      regions[region] = list[0].amiId;
      continue;
    }
    const mapping: Partial<Record<Architecture, string>> = {};
    for (const image of list) {
      if (!image.architecture || mapping[image.architecture])
        throw new InvalidInputError(
          `${region} is given ${list.length} AMIs (${list.map((i) => i.amiId).join(", ")}); give at most one per architecture`,
          "--ami",
        );
      mapping[image.architecture] = image.amiId;
    }
    regions[region] = mapping as AmiMapping;
  }
  return regions;
}

export interface PublishRequest {
  template: string;
  version: string;
  creator: string;
  ownerAccount: string;
  images: readonly PublishedImage[];
  /** Default ["beta"]: new versions are tried by the lab before they are promoted to stable. */
  channels?: string[];
  description?: string;
  verification?: CatalogEntry["verification"];
  signKey?: string;
}

/**
 * Writes a new entry for images a lab made (the shared step of `cws catalog submit`, `cws save --publish` and
 * `cws ami share --community`). Ready to commit; nothing is pushed.
 */
export function publishToCatalog(root: string, request: PublishRequest): Promise<{ file: string; signature?: string }> {
  const entry: CatalogEntry = {
    template: request.template,
    version: request.version,
    creator: request.creator,
    owner_account: request.ownerAccount,
    ...(request.description ? { description: request.description } : {}),
    channels: request.channels ?? ["beta"],
    regions: regionsOf(request.images) as CatalogEntry["regions"],
    ...(request.verification ? { verification: request.verification } : {}),
  };
  return writeCatalogEntry(root, entry, request.signKey ? { signKey: request.signKey } : {});
}
