import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { SIGNATURE_NAMESPACE } from "../../src/catalog/format";

/** Real ed25519 keys, real ssh-keygen signatures and real git repositories, made in a temp dir per test. */

export interface TestKey {
  principal: string;
  privateKey: string;
  publicKey: string;
}

export function tempDir(prefix = "cws-catalog-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function makeKey(dir: string, principal: string): TestKey {
  const privateKey = path.join(dir, `key-${principal.replace(/[^a-z0-9]/gi, "_")}`);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", principal, "-f", privateKey]);
  return { principal, privateKey, publicKey: fs.readFileSync(`${privateKey}.pub`, "utf8").trim() };
}

export function allowedSignersLine(key: TestKey, principal = key.principal): string {
  return `${principal} namespaces="${SIGNATURE_NAMESPACE}" ${key.publicKey}`;
}

export function sign(file: string, key: TestKey): void {
  fs.rmSync(`${file}.sig`, { force: true });
  execFileSync("ssh-keygen", ["-q", "-Y", "sign", "-f", key.privateKey, "-n", SIGNATURE_NAMESPACE, file], {
    stdio: "ignore",
  });
}

export interface EntrySpec {
  template?: string;
  version: string;
  creator?: string;
  owner_account?: string;
  channels?: string[];
  regions?: Record<string, unknown>;
  description?: string;
  verification?: Record<string, unknown>;
  revoked?: { reason: string; at: string };
  [key: string]: unknown;
}

export const CANONICAL = "099720109477";
export const NOBLE_X86 = "ami-00c41000000000002";
export const NOBLE_ARM = "ami-00c41000000000003";

export function entry(spec: EntrySpec): Record<string, unknown> {
  return {
    template: "python-ml",
    creator: "ml@uni.edu",
    owner_account: CANONICAL,
    description: "Python ML",
    channels: ["stable"],
    regions: { "us-east-1": NOBLE_X86 },
    ...spec,
  };
}

export interface CatalogSpec {
  name?: string;
  manifest?: Record<string, unknown>;
  signers: TestKey[];
  /** Entries signed with `signWith` (default: the first signer); `signWith: null` leaves them unsigned. */
  entries: Array<{ value: Record<string, unknown>; signWith?: TestKey | null }>;
  reviews?: Array<{ template: string; version: string; reviewer: string; rating: number; comment?: string }>;
}

/** Writes a catalog directory; returns the path of each entry file by "template@version". */
export function writeCatalog(root: string, spec: CatalogSpec): Record<string, string> {
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(
    path.join(root, "cloudworkstation-catalog.yml"),
    YAML.stringify(spec.manifest ?? { name: spec.name ?? "acc-lab", description: "test catalog" }),
  );
  fs.writeFileSync(
    path.join(root, "allowed_signers"),
    spec.signers.map((k) => allowedSignersLine(k)).join("\n") + "\n",
  );
  const files: Record<string, string> = {};
  for (const { value, signWith } of spec.entries) {
    const file = writeEntry(root, value);
    const key = signWith === undefined ? spec.signers[0] : signWith;
    if (key) sign(file, key);
    files[`${String(value.template)}@${String(value.version)}`] = file;
  }
  for (const review of spec.reviews ?? []) {
    const dir = path.join(root, "reviews", review.template, review.version);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, `${review.reviewer}.yml`),
      YAML.stringify({
        rating: review.rating,
        comment: review.comment ?? "ok",
        reviewer: review.reviewer,
        date: "2026-11-20",
      }),
    );
  }
  return files;
}

export function writeEntry(root: string, value: Record<string, unknown>): string {
  const dir = path.join(root, "entries", String(value.template));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${String(value.version)}.yml`);
  fs.writeFileSync(file, YAML.stringify(value));
  return file;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    "git",
    ["-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "init.defaultBranch=main", ...args],
    { cwd, encoding: "utf8" },
  ).trim();
}

/** Makes `dir` a Git repository with everything committed; returns the commit id. */
export function commitAll(dir: string, message: string): string {
  if (!fs.existsSync(path.join(dir, ".git"))) git(dir, "init", "--quiet");
  git(dir, "add", "-A");
  git(dir, "commit", "--quiet", "-m", message);
  return git(dir, "rev-parse", "HEAD");
}
