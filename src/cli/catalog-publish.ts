import * as fs from "node:fs";
import * as path from "node:path";
import { valid as validSemver } from "semver";
import { MANIFEST_FILE } from "../catalog/format";
import { publishToCatalog, type PublishedImage } from "../catalog/write";
import type { AmiMappings } from "../imaging";
import { UsageError } from "./args";
import type { CliContext } from "./command";
import { workingCopy } from "./commands/catalog-common";
import { describeImages, SIGN_KEY_HELP, signerPrincipal, shown, warnUnsigned } from "./commands/catalog-write";

/**
 * Publishing images a command just made or shared to a lab catalog, as a beta entry (`cws save --publish`,
 * `cws ami share --community`; `cws catalog submit` is the same step on its own). Everything that can be checked
 * without AWS — the working copy, the version, the signing key's principal — is checked before the command does
 * anything, so a typo never surfaces after an instance was stopped and imaged.
 */
export interface CatalogPublishPlan {
  root: string;
  version: string;
  creator: string;
  signKey?: string;
}

export const PUBLISH_FLAGS_HELP: [string, string][] = [
  ["--publish-version V", "semver version of the catalog entry (required with the catalog flag)"],
  SIGN_KEY_HELP,
  ["--creator P", "the creator principal (default: the sign key's principal in allowed_signers)"],
];

export async function planCatalogPublish(
  flag: string,
  catalog: string,
  options: { version?: string; signKey?: string; creator?: string },
): Promise<CatalogPublishPlan> {
  const root = workingCopy(catalog);
  if (!fs.existsSync(path.join(root, MANIFEST_FILE)))
    throw new UsageError(
      `${flag} ${catalog}: no ${MANIFEST_FILE} there; give the catalog's working copy (a directory)`,
    );
  if (!options.version) throw new UsageError(`${flag} needs --publish-version V (a semver version such as 1.0.0)`);
  if (!validSemver(options.version))
    throw new UsageError(
      `--publish-version ${options.version} is not a semver version; write e.g. 1.0.0 or 2.1.0-beta.1`,
    );
  const creator = await signerPrincipal(root, options.signKey, options.creator);
  return { root, version: options.version, creator, ...(options.signKey ? { signKey: options.signKey } : {}) };
}

/** The images of an ami_mappings block, one per region and architecture. */
export function imagesOfMappings(mappings: AmiMappings): { region: string; amiId: string }[] {
  return Object.entries(mappings).flatMap(([region, mapping]) =>
    typeof mapping === "string"
      ? [{ region, amiId: mapping }]
      : Object.values(mapping).map((amiId) => ({ region, amiId: amiId as string })),
  );
}

/** Writes the beta entry (signed when a key was given); returns the files written. */
export async function publishToLabCatalog(
  context: CliContext,
  plan: CatalogPublishPlan,
  request: { template: string; images: { region: string; amiId: string }[]; description?: string },
): Promise<{ file: string; signature?: string; images: PublishedImage[] }> {
  const described = await describeImages(request.images, context);
  const written = await publishToCatalog(plan.root, {
    template: request.template,
    version: plan.version,
    creator: plan.creator,
    ownerAccount: described.owner,
    images: described.images,
    channels: ["beta"],
    ...(request.description ? { description: request.description } : {}),
    ...(plan.signKey ? { signKey: plan.signKey } : {}),
  });
  context.stderr.write(
    `cws: wrote catalog entry ${shown(written.file)}${written.signature ? ` and ${shown(written.signature)}` : ""} ` +
      `(channel beta); commit it and open a pull request\n`,
  );
  if (!written.signature) warnUnsigned(context, plan.root, written.file);
  return { ...written, images: described.images };
}

/** --publish-version, --sign-key and --creator mean nothing without the catalog flag: refuse them, never ignore. */
export function rejectOrphanPublishFlags(
  flag: string,
  values: { "publish-version"?: string; "sign-key"?: string; creator?: string },
): void {
  for (const name of ["publish-version", "sign-key", "creator"] as const) {
    if (values[name] !== undefined) throw new UsageError(`--${name} only goes with ${flag} CATALOG`);
  }
}
