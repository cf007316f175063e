import { entryPosition } from "../../catalog/loader";
import { describeCatalog } from "../../catalog/select";
import { ImageCache } from "../../core/image-cache";
import { formatIssue, isError, type TemplateIssue } from "../../templates/errors";
import { listTemplates } from "../../templates/loader";
import type { AmiMapping } from "../../templates/schema-ami-sources";
import { checkRegion, parseCommandArgs, parseRegionList } from "../args";
import { EXIT, type CliCommand } from "../command";
import { formatFields, formatTable, paint } from "../format";
import { progressFor, styleOf, writeJson } from "../output";
import {
  CATALOG_FLAG_HELP,
  catalogSourceFor,
  checkChannelFlag,
  openCatalogForCli,
  parseEntryRef,
} from "./catalog-common";
import { browseCatalog, entryView, verifyAll, type BrowseRow } from "../../catalog/views";

/** `cws catalog browse|show|verify`: reading a lab catalog (docs/catalog.md). */

function verificationText(verification: Record<string, unknown> | undefined): string {
  if (!verification) return "–";
  const parts: string[] = [];
  if (verification.tested === true) parts.push("tested");
  if (typeof verification.security_scan === "string") parts.push(`scan ${verification.security_scan}`);
  if (typeof verification.performance_benchmark === "string") parts.push("benchmarked");
  return parts.join(", ") || "–";
}

export const catalogBrowseCommand: CliCommand = {
  path: ["catalog", "browse"],
  summary: "List a lab catalog's entries: versions, channels, regions, ratings, signatures, revocations",
  usage:
    "cws catalog browse [--catalog SRC] [--template T] [--region R] [--channel C] [--creator C] [--category C] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        CATALOG_FLAG_HELP,
        ["--template T", "only T's versions (and T's ami_config.catalog.source when --catalog is not given)"],
        ["--region R", "only versions with an AMI in R"],
        ["--channel C", "only versions in channel C"],
        ["--creator C", "only versions whose creator is C (e.g. ml@uni.edu)"],
        ["--category C", "only templates whose category is C (as cws template list shows it)"],
        [
          "--json",
          "print [{ template, version, file, valid, channels, regions, rating?, creator, signature, revoked? }]",
        ],
      ],
      "  ",
    ),
    "",
    "SIG is ✓ when the entry's signature verifies for its creator against allowed_signers (ssh-keygen -Y verify).",
  ].join("\n"),
  async run(argv, context) {
    const { values } = parseCommandArgs(
      argv,
      {
        catalog: { type: "string" },
        template: { type: "string" },
        region: { type: "string" },
        channel: { type: "string" },
        creator: { type: "string" },
        category: { type: "string" },
        json: { type: "boolean" },
      } as const,
      { min: 0, max: 0, names: "" },
    );
    const category = values.category;
    const templates =
      category === undefined
        ? undefined
        : listTemplates({ templatesDirs: context.templatesDirs })
            .filter((t) => t.category === category)
            .map((t) => t.name);
    const region = values.region === undefined ? undefined : checkRegion(values.region);
    const json = values.json === true;
    const progress = progressFor(context, json);
    progress.update("reading the catalog…");
    let rows: BrowseRow[];
    let name: string;
    try {
      const opened = await openCatalogForCli(catalogSourceFor(values.catalog, context, values.template));
      name = describeCatalog(opened);
      const channel =
        values.channel === undefined || !opened.catalog.manifest
          ? values.channel
          : checkChannelFlag(values.channel, opened.catalog.manifest.channels);
      rows = await browseCatalog(opened, {
        template: values.template,
        region,
        channel,
        creator: values.creator,
        templates,
      });
    } finally {
      progress.done();
    }
    if (json) {
      writeJson(context, rows);
      return EXIT.ok;
    }
    const style = styleOf(context, json);
    if (rows.length === 0) {
      context.stdout.write(`${name}: no entries match\n`);
      return EXIT.ok;
    }
    const table = [
      ["TEMPLATE", "VERSION", "CHANNELS", "REGIONS", "RATING", "VERIFICATION", "CREATOR", "SIG", "REVOKED"],
      ...rows.map((r) => [
        r.template,
        r.version,
        r.valid ? r.channels.join(",") : paint(style, "red", "invalid file"),
        r.regions.join(",") || "–",
        r.rating ? `★ ${r.rating.average.toFixed(1)} (${r.rating.count})` : "–",
        verificationText(r.verification),
        r.creator ?? "–",
        r.signature?.ok ? paint(style, "green", "✓") : paint(style, "red", "✗"),
        r.revoked ? paint(style, "red", `${r.revoked.at}: ${r.revoked.reason}`) : "–",
      ]),
    ];
    context.stdout.write(`${name}\n${formatTable(table)}\n`);
    return EXIT.ok;
  },
};

export const catalogShowCommand: CliCommand = {
  path: ["catalog", "show"],
  summary: "Show one catalog entry (default: the newest version) with its signature and reviews",
  usage: "cws catalog show <template[@version]> [--catalog SRC] [--json]",
  help: [
    "Options:",
    formatTable(
      [CATALOG_FLAG_HELP, ["--json", "print { catalog, commit?, file, entry, signature, rating?, reviews }"]],
      "  ",
    ),
  ].join("\n"),
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { catalog: { type: "string" }, json: { type: "boolean" } } as const,
      { min: 1, max: 1, names: "<template[@version]>" },
    );
    const ref = parseEntryRef(positionals[0], true);
    const opened = await openCatalogForCli(catalogSourceFor(values.catalog, context, ref.template));
    const view = await entryView(opened, ref.template, ref.version);
    const { loaded } = view;
    const { signature, reviews } = view.json;
    if (values.json) {
      writeJson(context, view.json);
      return loaded.entry ? EXIT.ok : EXIT.invalidInput;
    }
    const style = styleOf(context, false);
    const entry = loaded.entry;
    if (!entry) {
      context.stdout.write(`${loaded.file}: invalid\n${loaded.issues.map((i) => `  ${formatIssue(i)}`).join("\n")}\n`);
      return EXIT.invalidInput;
    }
    const regions = Object.entries(entry.regions as Record<string, AmiMapping>).map(([region, mapping]) =>
      typeof mapping === "string"
        ? `${region} ${mapping}`
        : `${region} ${Object.entries(mapping)
            .map(([arch, id]) => `${arch} ${id}`)
            .join(", ")}`,
    );
    context.stdout.write(
      `${formatFields([
        ["Entry", `${entry.template}@${entry.version}`],
        ["Catalog", describeCatalog(opened)],
        ["File", loaded.file],
        ["Description", entry.description],
        ["Channels", entry.channels.join(", ")],
        ["Creator", entry.creator],
        ["Owner account", entry.owner_account],
        [
          "Signature",
          signature?.ok
            ? paint(style, "green", `✓ ${signature.revocation ? "revocation signed by " : ""}${signature.signer}`)
            : paint(style, "red", `✗ ${signature?.reason}`),
        ],
        ["Verification", verificationText(entry.verification)],
        ["Rating", loaded.rating ? `★ ${loaded.rating.average.toFixed(1)} (${loaded.rating.count})` : "no reviews"],
        ["Revoked", entry.revoked ? paint(style, "red", `${entry.revoked.at}: ${entry.revoked.reason}`) : undefined],
      ])}\nRegions:\n${regions.map((r) => `  ${r}`).join("\n")}\n`,
    );
    if (reviews.length > 0)
      context.stdout.write(
        `Reviews:\n${formatTable(
          reviews.map((r) => [`★ ${r.rating}`, r.reviewer, r.date, r.comment ?? ""]),
          "  ",
        )}\n`,
      );
    return EXIT.ok;
  },
};

/** One problem `cws catalog verify` found, positioned in its file. */
export interface VerifyProblem extends TemplateIssue {
  kind: "file" | "signature" | "ami";
}

export const catalogVerifyCommand: CliCommand = {
  path: ["catalog", "verify"],
  summary: "CI gate for a catalog repository: valid files, valid signatures, every AMI present and owned as declared",
  usage: "cws catalog verify [--catalog SRC] [--regions R1,R2] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        CATALOG_FLAG_HELP,
        ["--regions R1,R2", "check AMIs only in these regions (default: every region an entry lists)"],
        ["--json", "print { catalog, commit?, ok, problems: [{ kind, file, line, column, path, message }] }"],
      ],
      "  ",
    ),
    "",
    "Checks every file against the format, every entry's signature (ssh-keygen -Y verify, for its creator), and",
    "that every AMI of every unrevoked entry exists, is available and is owned by the entry's owner_account.",
    "Exit codes: 0 all good, 2 invalid files or signatures, 3 AMI problems (2 wins when both), 1 AWS unreachable.",
  ].join("\n"),
  async run(argv, context) {
    const { values } = parseCommandArgs(
      argv,
      { catalog: { type: "string" }, regions: { type: "string" }, json: { type: "boolean" } } as const,
      { min: 0, max: 0, names: "" },
    );
    const onlyRegions = values.regions === undefined ? undefined : parseRegionList(values.regions);
    const json = values.json === true;
    const progress = progressFor(context, json);
    const problems: VerifyProblem[] = [];
    progress.update("reading the catalog…");
    let opened;
    try {
      opened = await openCatalogForCli(catalogSourceFor(values.catalog, context));
      problems.push(...opened.catalog.issues.filter(isError).map((issue) => ({ kind: "file" as const, ...issue })));
      progress.update("verifying signatures…");
      const signatures = await verifyAll(opened);
      const required = opened.catalog.manifest?.require_signatures !== false;
      for (const [loaded, verdict] of signatures) {
        // Unsigned entries are allowed when the catalog says so; a signature that is there must still verify.
        if (verdict && !verdict.ok && (required || !/^signature missing/.test(verdict.reason)))
          problems.push({
            kind: "signature",
            file: loaded.file,
            line: 0,
            column: 0,
            path: [],
            message: verdict.reason,
          });
      }
      const cache = new ImageCache();
      const checks: Promise<void>[] = [];
      for (const loaded of opened.catalog.entries) {
        const entry = loaded.entry;
        if (!entry || entry.revoked) continue;
        for (const [region, mapping] of Object.entries(entry.regions as Record<string, AmiMapping>)) {
          if (onlyRegions && !onlyRegions.includes(region)) continue;
          const amis: Array<[string[], string]> =
            typeof mapping === "string"
              ? [[["regions", region], mapping]]
              : Object.entries(mapping).map(([arch, id]) => [["regions", region, arch], id as string]);
          for (const [at, amiId] of amis) {
            checks.push(
              (async () => {
                const image = await cache.getImage(context.clients.ec2(region), amiId);
                let message: string | undefined;
                if (!image) message = `${amiId} does not exist in ${region} (or is not shared with this account)`;
                else if (image.OwnerId !== entry.owner_account)
                  message = `${amiId} is owned by ${image.OwnerId ?? "unknown"}, not the entry's owner_account ${entry.owner_account}`;
                else if (image.State !== "available")
                  message = `${amiId} is ${image.State ?? "in an unknown state"}, not available`;
                if (message)
                  problems.push({ kind: "ami", file: loaded.file, ...entryPosition(loaded, at), path: at, message });
              })(),
            );
          }
        }
      }
      progress.update(`checking ${checks.length} AMIs…`);
      await Promise.all(checks);
    } finally {
      progress.done();
    }
    problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
    const code = problems.some((p) => p.kind !== "ami")
      ? EXIT.invalidInput
      : problems.length > 0
        ? EXIT.unresolvable
        : EXIT.ok;
    if (json) {
      writeJson(context, {
        catalog: opened.name,
        ...(opened.commit ? { commit: opened.commit } : {}),
        ok: problems.length === 0,
        entries: opened.catalog.entries.length,
        problems,
      });
      return code;
    }
    const style = styleOf(context, json);
    for (const problem of problems) context.stdout.write(`${formatIssue(problem)}\n`);
    context.stdout.write(
      problems.length === 0
        ? `${paint(style, "green", "✓")} ${describeCatalog(opened)}: ${opened.catalog.entries.length} entries, every file, signature and AMI checked\n`
        : `${paint(style, "red", "✗")} ${describeCatalog(opened)}: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n`,
    );
    return code;
  },
};
