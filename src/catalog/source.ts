import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Where a catalog lives: a directory, or a Git repository written `git+<url>[#ref]` (git+https://, git+ssh://,
 * git+file:///). Repositories are fetched with the real `git`, shallow, into a cache keyed by URL and ref; each
 * fetched commit is checked out into its own directory that is never changed afterwards, so two processes (a Pulumi
 * provider and a `cws` command) can share the cache without locking.
 */

export type CatalogSource =
  { kind: "directory"; path: string; text: string } | { kind: "git"; url: string; ref?: string; text: string };

/** A catalog source that cannot be used: a malformed source string, a missing directory, or a failed `git` call. */
export class CatalogSourceError extends Error {
  constructor(
    message: string,
    /** The source as the user wrote it. */
    readonly source: string,
  ) {
    super(message);
    this.name = "CatalogSourceError";
  }
}

const GIT_SCHEMES = ["git+https://", "git+ssh://", "git+file://", "git+http://"];

/** Parses `git+<url>[#ref]` or a directory path (relative paths resolve against `baseDir`, default the working dir). */
export function parseCatalogSource(text: string, baseDir = process.cwd()): CatalogSource {
  const trimmed = text.trim();
  if (trimmed === "") throw new CatalogSourceError("the catalog source is empty", text);
  if (trimmed.startsWith("git+")) {
    if (!GIT_SCHEMES.some((scheme) => trimmed.startsWith(scheme)))
      throw new CatalogSourceError(
        `"${text}" is not a supported Git URL: write git+https://…, git+ssh://… or git+file:///…, optionally #<branch, tag or commit>`,
        text,
      );
    const hash = trimmed.indexOf("#");
    const url = (hash < 0 ? trimmed : trimmed.slice(0, hash)).slice("git+".length);
    const ref = hash < 0 ? undefined : trimmed.slice(hash + 1);
    if (ref !== undefined && !/^[A-Za-z0-9._/-]+$/.test(ref))
      throw new CatalogSourceError(`"#${ref}" is not a Git branch, tag or commit name`, text);
    return { kind: "git", url, ...(ref ? { ref } : {}), text: trimmed };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed))
    throw new CatalogSourceError(
      `"${text}" is a URL, not a catalog source: prefix Git repositories with git+ (e.g. git+${trimmed})`,
      text,
    );
  return { kind: "directory", path: path.resolve(baseDir, trimmed), text: trimmed };
}

/** Runs `git`; counts invocations so tests and benches can measure fetches. */
export interface GitRunner {
  run(args: string[], options?: { cwd?: string }): Promise<string>;
  readonly invocations: number;
}

export function createGitRunner(command = "git"): GitRunner {
  let invocations = 0;
  return {
    get invocations() {
      return invocations;
    },
    run(args, options = {}) {
      invocations++;
      return new Promise((resolve, reject) => {
        execFile(
          command,
          args,
          // Never prompt for credentials inside a preview: fail and say so instead.
          { cwd: options.cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" }, maxBuffer: 16 * 1024 * 1024 },
          (error, stdout, stderr) => {
            if (error) {
              const detail = (stderr || error.message).trim().split("\n").slice(-3).join(" ");
              reject(new Error(`git ${args.join(" ")}: ${detail}`));
            } else resolve(stdout);
          },
        );
      });
    },
  };
}

export interface FetchedCatalog {
  /** The checked-out tree (read-only by convention). */
  dir: string;
  /** The full commit id the tree was checked out at. */
  commit: string;
}

/** ~/.cache/cloudworkstation/catalogs, or CWS_CATALOG_CACHE. */
export function defaultCatalogCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CWS_CATALOG_CACHE || path.join(os.homedir(), ".cache", "cloudworkstation", "catalogs");
}

/** The cache folder of one URL and ref. Internal. Exported for testing. */
export function cacheKey(url: string, ref: string | undefined): string {
  return createHash("sha256")
    .update(`${url}#${ref ?? ""}`)
    .digest("hex")
    .slice(0, 24);
}

/**
 * Shallow-fetches `ref` (default: the remote's HEAD) of `url` and checks it out under
 * `<cacheDir>/<key of url+ref>/<commit>`. Four git calls: init, fetch, rev-parse, checkout (the checkout is skipped
 * when that commit is already in the cache).
 */
export async function fetchGitCatalog(
  source: Extract<CatalogSource, { kind: "git" }>,
  cacheDir: string,
  git: GitRunner,
): Promise<FetchedCatalog> {
  const keyDir = path.join(cacheDir, cacheKey(source.url, source.ref));
  fs.mkdirSync(keyDir, { recursive: true });
  const work = path.join(keyDir, `.fetch-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await git.run(["init", "--quiet", work]);
    try {
      await git.run(["fetch", "--quiet", "--depth", "1", "--no-tags", source.url, source.ref ?? "HEAD"], { cwd: work });
    } catch (error) {
      throw new CatalogSourceError(
        `could not fetch ${source.ref ? `ref "${source.ref}" of ` : ""}${source.url}: ${(error as Error).message}. ` +
          "Check the URL, the ref and your Git credentials (git ls-remote <url> shows what is there)",
        source.text,
      );
    }
    const commit = (await git.run(["rev-parse", "FETCH_HEAD"], { cwd: work })).trim();
    const target = path.join(keyDir, commit);
    if (!fs.existsSync(target)) {
      await git.run(["checkout", "--quiet", "--detach", "FETCH_HEAD"], { cwd: work });
      try {
        fs.renameSync(work, target);
      } catch (error) {
        // Another process checked out the same commit first: theirs is identical, use it.
        if (!fs.existsSync(target)) throw error;
      }
    }
    return { dir: target, commit };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
