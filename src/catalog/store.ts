import * as fs from "node:fs";
import { readCatalogDirectory, type LoadedCatalog, type LoadedEntry } from "./loader";
import { verifyEntrySignature, type SignatureVerdict } from "./signatures";
import {
  CatalogSourceError,
  createGitRunner,
  defaultCatalogCacheDir,
  fetchGitCatalog,
  parseCatalogSource,
  type CatalogSource,
  type GitRunner,
} from "./source";

/** A catalog read from its source: its files, the commit it was read at (Git sources) and memoized signature checks. */
export interface OpenedCatalog {
  source: CatalogSource;
  /** The manifest's name, else the source text. */
  name: string;
  /** The commit the files were read at (Git sources only). */
  commit?: string;
  catalog: LoadedCatalog;
  /** Verifies an entry's signature for its creator (or another principal) once per process. */
  verifySignature(entry: LoadedEntry, principal?: string): Promise<SignatureVerdict>;
}

export interface CatalogStoreOptions {
  cacheDir?: string;
  git?: GitRunner;
  /** Relative directory sources resolve against this (default: the working directory). */
  baseDir?: string;
  /**
   * How long an opened catalog is reused. Default: for the life of the store (a preview is one process, and every
   * workstation in it must see the same catalog). Long-running processes (a server) should set one.
   */
  ttlMs?: number;
  /** Milliseconds clock, injectable for tests. */
  now?: () => number;
}

export interface CatalogStoreStats {
  /** `git` processes run (init, fetch, rev-parse, checkout). */
  gitInvocations: number;
  /** `git fetch` runs: one per source and ref per store. */
  fetches: number;
}

/**
 * Opens catalogs once per source and ref: every resolution of a preview that names the same source shares one
 * fetch and one read (concurrent callers share the same promise). A store lives as long as its process; build a new
 * one (or `clear()`) to see changes made since.
 */
export class CatalogStore {
  readonly git: GitRunner;
  private readonly cacheDir: string | undefined;
  private readonly baseDir: string | undefined;
  private readonly opened = new Map<string, { promise: Promise<OpenedCatalog>; expires: number }>();
  private ttlMs: number;
  private readonly now: () => number;
  private fetchCount = 0;

  /**
   * From now on, reuse an opened catalog for at most `ttlMs`. For a long-running process that uses the shared
   * `defaultCatalogStore` (cws serve): a revocation must reach it without a restart.
   */
  expireAfter(ttlMs: number): void {
    this.ttlMs = ttlMs;
  }

  constructor(options: CatalogStoreOptions = {}) {
    this.git = options.git ?? createGitRunner();
    this.cacheDir = options.cacheDir;
    this.baseDir = options.baseDir;
    this.ttlMs = options.ttlMs ?? Infinity;
    this.now = options.now ?? Date.now;
  }

  get stats(): CatalogStoreStats {
    return { gitInvocations: this.git.invocations, fetches: this.fetchCount };
  }

  clear(): void {
    this.opened.clear();
  }

  open(sourceText: string): Promise<OpenedCatalog> {
    const source = parseCatalogSource(sourceText, this.baseDir);
    const key = source.kind === "git" ? `git:${source.url}#${source.ref ?? ""}` : `dir:${source.path}`;
    const cached = this.opened.get(key);
    if (cached && cached.expires > this.now()) return cached.promise;
    const promise = this.load(source);
    const slot = { promise, expires: this.now() + this.ttlMs };
    this.opened.set(key, slot);
    // A failed fetch is not remembered: the next caller (a later preview step) tries again.
    promise.catch(() => {
      if (this.opened.get(key) === slot) this.opened.delete(key);
    });
    return promise;
  }

  private async load(source: CatalogSource): Promise<OpenedCatalog> {
    let dir: string;
    let commit: string | undefined;
    if (source.kind === "git") {
      this.fetchCount++;
      const fetched = await fetchGitCatalog(source, this.cacheDir ?? defaultCatalogCacheDir(), this.git);
      dir = fetched.dir;
      commit = fetched.commit;
    } else {
      if (!fs.existsSync(source.path) || !fs.statSync(source.path).isDirectory())
        throw new CatalogSourceError(
          `catalog directory ${source.text} does not exist; give a directory holding cloudworkstation-catalog.yml, or git+<url>[#ref]`,
          source.text,
        );
      dir = source.path;
    }
    const catalog = readCatalogDirectory(dir);
    return openedCatalog(source, catalog, commit);
  }
}

export function openedCatalog(source: CatalogSource, catalog: LoadedCatalog, commit?: string): OpenedCatalog {
  const verdicts = new Map<string, Promise<SignatureVerdict>>();
  return {
    source,
    name: catalog.manifest?.name ?? source.text,
    ...(commit ? { commit } : {}),
    catalog,
    verifySignature(loaded, principal = loaded.entry?.creator ?? "") {
      const key = `${loaded.absolutePath}\u0000${principal}`;
      let verdict = verdicts.get(key);
      if (!verdict) {
        verdict = verifyEntrySignature(loaded.absolutePath, catalog.allowedSignersPath, principal);
        verdicts.set(key, verdict);
      }
      return verdict;
    },
  };
}

/** The process-wide store the `catalog` tier uses (like the resolver's default image cache). */
export const defaultCatalogStore = new CatalogStore();
