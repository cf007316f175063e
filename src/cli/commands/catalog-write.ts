import * as path from "node:path";
import { type CatalogEntry, DEFAULT_CHANNELS } from "../../catalog/format";
import { readCatalogDirectory } from "../../catalog/loader";
import {
  principalsForKey,
  publicKeyOf,
  publishToCatalog,
  writeCatalogEntry,
  writeReview,
  type PublishedImage,
} from "../../catalog/write";
import { ImageCache } from "../../core/image-cache";
import { normaliseArchitecture } from "../../resolver/validate-image";
import { InvalidInputError } from "../../core/errors";
import { AMI_ID_PATTERN } from "../../templates/schema";
import { type AmiMapping } from "../../templates/schema-ami-sources";
import { checkRegion, parseCommandArgs, UsageError } from "../args";
import { EXIT, type CliCommand, type CliContext } from "../command";
import { formatTable } from "../format";
import { writeJson } from "../output";
import { loadTemplateForCli } from "../templates";
import {
  CATALOG_FLAG_HELP,
  catalogSourceFor,
  checkChannelFlag,
  openCatalogForCli,
  parseEntryRef,
  workingCopy,
} from "./catalog-common";
import { findEntry } from "../../catalog/views";

/** `cws catalog submit|review|promote|revoke`: writing to a catalog's working copy, ready to commit. */

export const SIGN_KEY_HELP: [string, string] = [
  "--sign-key KEY",
  "SSH private key to sign the entry with (ssh-keygen -Y sign -n cloudworkstation-catalog)",
];

export function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith("..") ? file : relative;
}

/** The principal a key signs as: --creator when given (and then the key must be listed for it), else the key's. */
export async function signerPrincipal(
  root: string,
  key: string | undefined,
  creator: string | undefined,
): Promise<string> {
  if (!key) {
    if (creator) return creator;
    throw new UsageError("pass --creator PRINCIPAL (the signer's principal in allowed_signers), or --sign-key KEY");
  }
  const principals = principalsForKey(root, await publicKeyOf(key));
  if (principals.length === 0)
    throw new InvalidInputError(
      `${key} is not listed in ${shown(path.join(root, "allowed_signers"))}: add its public key for your principal first (a reviewed change)`,
      "--sign-key",
    );
  if (creator && !principals.includes(creator))
    throw new InvalidInputError(`${key} is listed for ${principals.join(", ")}, not for ${creator}`, "--sign-key");
  return creator ?? principals[0];
}

export function warnUnsigned(context: CliContext, root: string, file: string): void {
  const manifest = readCatalogDirectory(root).manifest;
  if (manifest?.require_signatures !== false)
    context.stderr.write(
      `cws: warning: ${shown(file)} is unsigned and catalog ${manifest?.name ?? root} requires signatures; ` +
        "no workstation will use it until it is signed (rerun with --sign-key KEY)\n",
    );
}

/** "us-east-1=ami-…" → region and AMI id. */
function parseAmiFlag(text: string): { region: string; amiId: string } {
  const match = /^([a-z0-9-]+)=(ami-[0-9a-f]+)$/.exec(text);
  if (!match || !AMI_ID_PATTERN.test(match[2]))
    throw new UsageError(`--ami ${text}: write REGION=AMI, e.g. --ami us-east-1=ami-0123456789abcdef0`);
  return { region: checkRegion(match[1], "--ami"), amiId: match[2] };
}

export const catalogSubmitCommand: CliCommand = {
  path: ["catalog", "submit"],
  summary: "Write a new catalog entry for AMIs (and sign it), ready to commit",
  usage:
    "cws catalog submit --template T --version V (--ami REGION=AMI … | --from-template SAVED.yml) [--channel beta] [--sign-key KEY] [--catalog DIR] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        ["--template T", "the template the images are for"],
        ["--version V", "semver version of this image set; a published version never changes"],
        ["--ami REGION=AMI", "an image (repeatable; two per region for x86_64 + arm64)"],
        ["--from-template F", "take the images from a saved template's ami_mappings (cws save writes one)"],
        ["--channel C", "channel to publish in (default beta; promote to stable later)"],
        SIGN_KEY_HELP,
        ["--creator P", "the creator principal (default: the sign key's principal in allowed_signers)"],
        ["--description D", "what is in the image"],
        CATALOG_FLAG_HELP,
        ["--json", "print { file, signature?, entry }"],
      ],
      "  ",
    ),
    "",
    "Every AMI is looked up in its region: it must exist, and all must have one owner (written as owner_account).",
  ].join("\n"),
  async run(argv, context) {
    const { values } = parseCommandArgs(
      argv,
      {
        template: { type: "string" },
        version: { type: "string" },
        ami: { type: "string", multiple: true },
        "from-template": { type: "string" },
        channel: { type: "string" },
        "sign-key": { type: "string" },
        creator: { type: "string" },
        description: { type: "string" },
        catalog: { type: "string" },
        json: { type: "boolean" },
      } as const,
      { min: 0, max: 0, names: "" },
    );
    if (!values.template) throw new UsageError("--template T is required");
    if (!values.version) throw new UsageError("--version V is required");
    const amiFlags = values.ami ?? [];
    if (amiFlags.length > 0 === (values["from-template"] !== undefined))
      throw new UsageError("give the images with --ami REGION=AMI (repeatable) or --from-template SAVED.yml, not both");
    const root = workingCopy(catalogSourceFor(values.catalog, context, values.template));
    const channel = checkChannelFlag(
      values.channel ?? "beta",
      readCatalogDirectory(root).manifest?.channels ?? [...DEFAULT_CHANNELS],
    );
    const wanted = values["from-template"]
      ? imagesOfTemplate(values["from-template"], context)
      : amiFlags.map(parseAmiFlag);
    const published = await describeImages(wanted, context);
    const creator = await signerPrincipal(root, values["sign-key"], values.creator);
    const written = await publishToCatalog(root, {
      template: values.template,
      version: values.version,
      creator,
      ownerAccount: published.owner,
      images: published.images,
      channels: [channel],
      ...(values.description ? { description: values.description } : {}),
      ...(values["sign-key"] ? { signKey: values["sign-key"] } : {}),
    });
    return report(context, values.json === true, root, written);
  },
};

function imagesOfTemplate(file: string, context: CliContext): { region: string; amiId: string }[] {
  const mappings = loadTemplateForCli(file, context).template.ami_config?.ami_mappings as
    Record<string, AmiMapping> | undefined;
  const images = Object.entries(mappings ?? {}).flatMap(([region, mapping]) =>
    typeof mapping === "string"
      ? [{ region, amiId: mapping }]
      : Object.values(mapping).map((amiId) => ({ region, amiId: amiId as string })),
  );
  if (images.length === 0)
    throw new InvalidInputError(`${file} has no ami_config.ami_mappings to publish`, "--from-template");
  return images;
}

export async function describeImages(
  wanted: { region: string; amiId: string }[],
  context: CliContext,
): Promise<{ owner: string; images: PublishedImage[] }> {
  const cache = new ImageCache();
  const images: PublishedImage[] = [];
  const owners = new Set<string>();
  for (const { region, amiId } of wanted) {
    const image = await cache.getImage(context.clients.ec2(region), amiId);
    if (!image)
      throw new InvalidInputError(`${amiId} does not exist in ${region} (or is not shared with this account)`, "--ami");
    if (image.OwnerId) owners.add(image.OwnerId);
    const architecture = normaliseArchitecture(image.Architecture);
    images.push({ region, amiId, ...(architecture ? { architecture } : {}) });
  }
  if (owners.size !== 1)
    throw new InvalidInputError(
      `the images belong to ${owners.size === 0 ? "no known account" : [...owners].join(" and ")}; an entry vouches for one owner_account: submit each account's images separately`,
      "--ami",
    );
  return { owner: [...owners][0], images };
}

function report(
  context: CliContext,
  json: boolean,
  root: string,
  written: { file: string; signature?: string },
  entry?: CatalogEntry,
): number {
  if (json)
    writeJson(context, {
      file: shown(written.file),
      ...(written.signature ? { signature: shown(written.signature) } : {}),
      ...(entry ? { entry } : {}),
    });
  else {
    const files = [written.file, ...(written.signature ? [written.signature] : [])].map(shown);
    context.stdout.write(
      `wrote ${files.join(" and ")}\nnext: git -C ${shown(root) || "."} add ${files.map((f) => path.relative(root, path.resolve(f))).join(" ")} && git commit, then open a pull request\n`,
    );
  }
  if (!written.signature) warnUnsigned(context, root, written.file);
  return EXIT.ok;
}

/** Rewrites an existing entry (promote, revoke) and re-signs it. */
async function rewrite(
  context: CliContext,
  refText: string,
  values: { catalog?: string; "sign-key"?: string; json?: boolean },
  change: (entry: CatalogEntry, channels: readonly string[]) => CatalogEntry | string,
  signerMayDiffer: boolean,
): Promise<number> {
  const ref = parseEntryRef(refText);
  const root = workingCopy(catalogSourceFor(values.catalog, context, ref.template));
  const opened = await openCatalogForCli(root);
  const loaded = findEntry(opened, ref.template, ref.version);
  if (!loaded.entry)
    throw new InvalidInputError(`${loaded.file} is invalid; fix it first (cws catalog verify lists the problems)`);
  const changed = change(loaded.entry, opened.catalog.manifest?.channels ?? []);
  if (typeof changed === "string") {
    context.stdout.write(`${changed}\n`);
    return EXIT.ok;
  }
  const key = values["sign-key"];
  if (!key && opened.catalog.manifest?.require_signatures !== false)
    throw new UsageError(
      `this rewrites ${loaded.file}, so its signature must be renewed: pass --sign-key KEY (catalog ${opened.name} requires signatures)`,
    );
  if (key) await signerPrincipal(root, key, signerMayDiffer ? undefined : loaded.entry.creator);
  const written = await writeCatalogEntry(root, changed, { replace: true, ...(key ? { signKey: key } : {}) });
  return report(context, values.json === true, root, written, changed);
}

const REWRITE_OPTIONS = {
  catalog: { type: "string" },
  "sign-key": { type: "string" },
  json: { type: "boolean" },
} as const;

export const catalogPromoteCommand: CliCommand = {
  path: ["catalog", "promote"],
  summary: "Add a catalog entry to a channel (e.g. beta → stable) and re-sign it as its creator",
  usage: "cws catalog promote <template@version> --channel C --sign-key KEY [--catalog DIR] [--json]",
  help: [
    "Options:",
    formatTable(
      [["--channel C", "the channel to add (one of the catalog's channels)"], SIGN_KEY_HELP, CATALOG_FLAG_HELP],
      "  ",
    ),
  ].join("\n"),
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { ...REWRITE_OPTIONS, channel: { type: "string" } },
      {
        min: 1,
        max: 1,
        names: "<template@version>",
      },
    );
    const channel = values.channel;
    if (!channel) throw new UsageError("--channel C is required, e.g. --channel stable");
    return rewrite(
      context,
      positionals[0],
      values,
      (entry, channels) => {
        checkChannelFlag(channel, channels);
        if (entry.channels.includes(channel)) return `${entry.template}@${entry.version} is already in ${channel}`;
        return { ...entry, channels: [...entry.channels, channel] };
      },
      false,
    );
  },
};

export const catalogRevokeCommand: CliCommand = {
  path: ["catalog", "revoke"],
  summary: "Revoke a catalog entry: no resolution selects it, pinned workstations re-resolve at the next preview",
  usage: "cws catalog revoke <template@version> --reason R --sign-key KEY [--at YYYY-MM-DD] [--catalog DIR] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        ["--reason R", 'why, e.g. "openssl CVE-2026-1234" (shown in every re-resolved chain)'],
        ["--at DATE", "when (default today, UTC)"],
        [SIGN_KEY_HELP[0], `${SIGN_KEY_HELP[1]}; any principal in allowed_signers may sign a revocation`],
        CATALOG_FLAG_HELP,
      ],
      "  ",
    ),
  ].join("\n"),
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { ...REWRITE_OPTIONS, reason: { type: "string" }, at: { type: "string" } },
      { min: 1, max: 1, names: "<template@version>" },
    );
    const reason = values.reason?.trim();
    if (!reason) throw new UsageError('--reason R is required, e.g. --reason "openssl CVE-2026-1234"');
    const at = values.at ?? new Date().toISOString().slice(0, 10);
    return rewrite(context, positionals[0], values, (entry) => ({ ...entry, revoked: { reason, at } }), true);
  },
};

export const catalogReviewCommand: CliCommand = {
  path: ["catalog", "review"],
  summary: "Write a review (rating 1-5) of a catalog entry, ready to commit",
  usage: "cws catalog review <template@version> --rating N --reviewer NAME [--comment C] [--catalog DIR] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        ["--rating N", "1 (poor) to 5 (excellent)"],
        ["--reviewer NAME", "your name; the review is reviews/<template>/<version>/<NAME>.yml"],
        ["--comment C", "what worked, what did not"],
        CATALOG_FLAG_HELP,
      ],
      "  ",
    ),
    "",
    "Ratings shown by browse and used by min_rating are computed from these files.",
  ].join("\n"),
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        catalog: { type: "string" },
        rating: { type: "string" },
        reviewer: { type: "string" },
        comment: { type: "string" },
        json: { type: "boolean" },
      } as const,
      { min: 1, max: 1, names: "<template@version>" },
    );
    const rating = Number(values.rating);
    if (!Number.isInteger(rating) || rating < 1 || rating > 5)
      throw new UsageError(`--rating ${values.rating ?? "(missing)"}: give a whole number from 1 to 5`);
    if (!values.reviewer)
      throw new UsageError("--reviewer NAME is required (letters, digits, . _ @ -; it names the review file)");
    if (!/^[A-Za-z0-9._@-]+$/.test(values.reviewer))
      throw new UsageError(
        `--reviewer "${values.reviewer}" is not a name: use letters, digits, . _ @ - only (it names the review file ` +
          "reviews/<template>/<version>/<NAME>.yml)",
      );
    const ref = parseEntryRef(positionals[0]);
    const root = workingCopy(catalogSourceFor(values.catalog, context, ref.template));
    const opened = await openCatalogForCli(root);
    const loaded = findEntry(opened, ref.template, ref.version);
    const file = writeReview(root, loaded.template, loaded.version, {
      rating,
      reviewer: values.reviewer,
      date: new Date().toISOString().slice(0, 10),
      ...(values.comment ? { comment: values.comment } : {}),
    });
    if (values.json) writeJson(context, { file: shown(file) });
    else context.stdout.write(`wrote ${shown(file)}\n`);
    return EXIT.ok;
  },
};
