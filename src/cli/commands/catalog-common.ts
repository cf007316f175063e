import { CatalogSourceError, parseCatalogSource } from "../../catalog/source";
import { catalogRevocation } from "../../catalog/references";
import { CatalogStore, type OpenedCatalog } from "../../catalog/store";
import type { RevocationCheck } from "../../resolver/freshness";
import { InvalidInputError } from "../../core/errors";
import { didYouMean } from "../../core/suggest";
import { UsageError } from "../args";
import type { CliContext } from "../command";
import { loadTemplateForCli } from "../templates";

/** Shared by the `cws catalog` commands: which catalog, opening it, and naming an entry. */

export const CATALOG_FLAG_HELP: [string, string] = [
  "--catalog SRC",
  "a catalog directory or git+https://…, git+ssh://…, git+file:///…[#ref] (default: CWS_CATALOG, else the template's ami_config.catalog.source)",
];

/** --catalog, else CWS_CATALOG, else the named template's ami_config.catalog.source. */
export function catalogSourceFor(flag: string | undefined, context: CliContext, templateName?: string): string {
  if (flag) return flag;
  if (context.env.CWS_CATALOG) return context.env.CWS_CATALOG;
  if (templateName) {
    let source: string | undefined;
    try {
      source = loadTemplateForCli(templateName, context).template.ami_config?.catalog?.source;
    } catch {
      source = undefined;
    }
    if (source) return source;
  }
  throw new UsageError(
    `no catalog: pass --catalog SRC, set CWS_CATALOG${templateName ? `, or give template ${templateName} an ami_config.catalog.source` : ""}`,
  );
}

/** Opens a catalog for one command (a fresh store: a command always sees the files as they are now). */
export async function openCatalogForCli(source: string): Promise<OpenedCatalog> {
  try {
    return await new CatalogStore().open(source);
  } catch (error) {
    if (error instanceof CatalogSourceError) throw new InvalidInputError(error.message, "--catalog");
    throw error;
  }
}

/** The write commands edit a working copy; a Git URL is refused with what to do instead. */
export function workingCopy(source: string): string {
  const parsed = parseCatalogSource(source);
  if (parsed.kind === "git")
    throw new UsageError(
      `${source} is a Git URL: this command writes files, so give the catalog's working copy (a directory), then commit and open a pull request`,
    );
  return parsed.path;
}

/** A --channel value: one of the catalog's channels, else exit 2 with the list and a "did you mean". */
export function checkChannelFlag(channel: string, channels: readonly string[]): string {
  if (channels.includes(channel)) return channel;
  throw new InvalidInputError(
    `"${channel}" is not a channel of this catalog (${channels.join(", ")})${didYouMean(channel, channels)}`,
    "--channel",
  );
}

/** "python-ml@2.1.0" → { template, version }; `version` optional when `allowBare`. */
export function parseEntryRef(text: string, allowBare = false): { template: string; version?: string } {
  const at = text.indexOf("@");
  if (at < 0) {
    if (allowBare) return { template: text };
    throw new UsageError(`"${text}" names no version: write TEMPLATE@VERSION, e.g. python-ml@2.1.0`);
  }
  const template = text.slice(0, at);
  const version = text.slice(at + 1);
  if (!template || !version) throw new UsageError(`"${text}" is not TEMPLATE@VERSION, e.g. python-ml@2.1.0`);
  return { template, version };
}

/**
 * The freshness check's catalog revocations for one command: a fresh store (the files as they are now), and a
 * catalog that cannot be opened is the user's to fix (exit 2), never read as "not revoked".
 */
export function revocationsForCli(): RevocationCheck {
  const check = catalogRevocation(new CatalogStore());
  return async (question) => {
    try {
      return await check(question);
    } catch (error) {
      if (error instanceof CatalogSourceError)
        throw new InvalidInputError(`${question.template.name}: ${error.message}`, "ami_config.catalog.source");
      throw error;
    }
  };
}
