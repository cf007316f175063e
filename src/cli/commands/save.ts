import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  addMapping,
  type AmiMappings,
  captureImage,
  CAPTURE_MODES,
  type CaptureMode,
  copyImage,
  defaultImageName,
  PUBLIC_SHARING_WARNING,
  renderSavedTemplateYaml,
  shareImage,
  type SharingOptions,
} from "../../imaging";
import { checkAccountRegions } from "../../core/account-regions";
import { InvalidInputError } from "../../core/errors";
import {
  checkAmiName,
  checkRegion,
  parseCommandArgs,
  parseDescription,
  parseInstanceId,
  parseListFlag,
  requireRegion,
  UsageError,
} from "../args";
import { EXIT, type CliCommand } from "../command";
import { formatTable } from "../format";
import {
  imagesOfMappings,
  planCatalogPublish,
  publishToLabCatalog,
  PUBLISH_FLAGS_HELP,
  rejectOrphanPublishFlags,
} from "../catalog-publish";
import { askToProceed, checkSharingFlags } from "../imaging-flags";
import { progressFor, writeJson } from "../output";
import { loadTemplateForCli } from "../templates";
import { TEMPLATE_NAME_PATTERN, TEMPLATE_NAME_RULE } from "../../templates/template-name";

const OPTIONS = {
  region: { type: "string" },
  "copy-to-regions": { type: "string", multiple: true },
  description: { type: "string" },
  mode: { type: "string" },
  public: { type: "boolean" },
  "share-accounts": { type: "string", multiple: true },
  "base-template": { type: "string" },
  force: { type: "boolean" },
  publish: { type: "string" },
  "publish-version": { type: "string" },
  "sign-key": { type: "string" },
  creator: { type: "string" },
  yes: { type: "boolean", short: "y" },
  json: { type: "boolean" },
} as const;

/** Where `cws save` writes the template: the first --templates-dir, else ./templates. */
function templateFilePath(templateName: string, templatesDirs: readonly string[], cwd: string): string {
  return path.resolve(cwd, templatesDirs[0] ?? "templates", `${templateName}.yml`);
}

/**
 * Refuses, before the instance is touched, a template file `cws save` could not write safely: a path outside the
 * templates directory, a directory, a symbolic link (even with --force: it would write wherever the link points),
 * an existing file without --force, or a place the user may not write.
 */
function checkTemplateTarget(file: string, force: boolean): void {
  const dir = path.dirname(file);
  const field = "<template-name>";
  let existing: fs.Stats | undefined;
  try {
    existing = fs.lstatSync(file);
  } catch {
    existing = undefined;
  }
  if (existing?.isSymbolicLink())
    throw new InvalidInputError(
      `${file} is a symbolic link; cws save never writes through links (it could write outside the templates ` +
        `directory): remove the link or choose another template name`,
      field,
    );
  if (existing?.isDirectory())
    throw new InvalidInputError(`${file} is a directory; remove it or choose another template name`, field);
  if (existing && !force)
    throw new InvalidInputError(
      `${file} already exists; pass --force to overwrite it or choose another template name`,
      field,
    );
  if (existing && !existing.isFile())
    throw new InvalidInputError(`${file} is not a regular file; choose another template name`, field);
  // The nearest directory that exists must be one we can write into (the rest is created).
  let probe = existing ? file : dir;
  while (!fs.existsSync(probe)) probe = path.dirname(probe);
  if (probe !== file && !fs.statSync(probe).isDirectory())
    throw new InvalidInputError(`${probe} is not a directory, so ${file} cannot be written`, "--templates-dir");
  try {
    fs.accessSync(probe, fs.constants.W_OK);
  } catch {
    throw new InvalidInputError(
      `${probe} is not writable, so ${file} cannot be written; choose another --templates-dir`,
      "--templates-dir",
    );
  }
}

/**
 * Writes the template without following a symbolic link, and without overwriting unless --force: a link or file
 * that appeared while the image was made is refused rather than followed or clobbered.
 */
function writeTemplateFile(file: string, text: string, force: boolean): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const flags =
    fs.constants.O_WRONLY |
    fs.constants.O_CREAT |
    fs.constants.O_NOFOLLOW |
    (force ? fs.constants.O_TRUNC : fs.constants.O_EXCL);
  const fd = fs.openSync(file, flags, 0o644);
  try {
    fs.writeFileSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

/** `cws save --json`. `file` is absent when the template could not be written; then `rescueFile` (if any) holds it. */
export interface SaveReport {
  templateName: string;
  instanceId: string;
  region: string;
  amiId: string;
  imageName: string;
  /** Every AMI made: the source region's and each copy's. */
  mappings: AmiMappings;
  file?: string;
  rescueFile?: string;
  /** The catalog entry written with --publish (ready to commit). */
  catalogEntry?: string;
  /** Steps after the capture that failed (sharing, copies, writing the template, publishing). */
  failures: string[];
}

function describeMappings(mappings: AmiMappings): string {
  return Object.entries(mappings)
    .map(([region, byArch]) => `${region} ${Object.values(byArch).join("/")}`)
    .join(", ");
}

export const saveCommand: CliCommand = {
  path: ["save"],
  summary: "Save an instance's environment as an AMI and a template that launches from it (creates AWS resources)",
  usage:
    "cws save <instance-id> <template-name> [--region R] [--copy-to-regions a,b] [--description D] [--mode stop|reboot|no-reboot] " +
    "[--public] [--share-accounts id,…] [--base-template NAME] [--publish CATALOG --publish-version V [--sign-key KEY]] [--force] [--yes] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        ["--region R", "the instance's region (default: global --region, AWS_REGION, AWS_DEFAULT_REGION, profile)"],
        ["--copy-to-regions a,b", "copy the image to these regions after the capture (the template maps them all)"],
        ["--description D", "template and image description (at most 255 characters)"],
        ["--mode M", "stop (default: stop, image, start again) | reboot (EC2 reboots it) | no-reboot"],
        ["--public", "share the image with everyone (warns; think twice)"],
        ["--share-accounts ids", "share with these 12-digit account ids (image and snapshots)"],
        ["--base-template NAME", "the template the saved one inherits (must exist)"],
        ["--publish CATALOG", "also write a beta entry for the image and its copies in this catalog working copy"],
        ...PUBLISH_FLAGS_HELP,
        ["--force", "overwrite an existing template file (never a symbolic link)"],
        ["--yes, -y", "do not ask before stopping the instance (required without a terminal)"],
        ["--json", "print the SaveReport (image ids per region, template file, failures) as JSON"],
      ],
      "  ",
    ),
    "",
    "The template is written to <first --templates-dir>/<template-name>.yml (default ./templates). Every input is",
    "checked before the instance is touched (exit 2). If a step after the capture fails, the image is kept and named.",
  ].join("\n"),
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, {
      min: 2,
      max: 2,
      names: "<instance-id> <template-name>",
    });
    // Everything is checked here, before any AWS call: a mistake found after the capture costs minutes of downtime.
    const instanceId = parseInstanceId(positionals[0]);
    const templateName = positionals[1];
    if (!TEMPLATE_NAME_PATTERN.test(templateName))
      throw new UsageError(`<template-name> "${templateName}" is not a template name: use ${TEMPLATE_NAME_RULE}`);
    const region = requireRegion(values.region, context);
    const mode = (values.mode ?? "stop") as CaptureMode;
    if (!(CAPTURE_MODES as readonly string[]).includes(mode))
      throw new UsageError(`--mode must be one of ${CAPTURE_MODES.join(", ")}, not "${mode}"`);
    checkAmiName(defaultImageName(templateName, new Date()), "the image name derived from <template-name>");
    const description = parseDescription(values.description);
    const copyRegions = parseListFlag("--copy-to-regions", values["copy-to-regions"])
      .map((r) => checkRegion(r, "--copy-to-regions:", context))
      .filter((r) => r !== region);
    const sharing: SharingOptions = checkSharingFlags(
      { accountIds: parseListFlag("--share-accounts", values["share-accounts"]), public: values.public === true },
      { accountIds: "--share-accounts" },
    );
    const baseTemplate = values["base-template"];
    if (baseTemplate !== undefined) loadTemplateForCli(baseTemplate, context);
    const force = values.force === true;
    const file = templateFilePath(templateName, context.templatesDirs, process.cwd());
    checkTemplateTarget(file, force);
    const json = values.json === true;
    if (values.publish === undefined) rejectOrphanPublishFlags("--publish", values);
    const publish =
      values.publish === undefined
        ? undefined
        : await planCatalogPublish("--publish", values.publish, {
            version: values["publish-version"],
            signKey: values["sign-key"],
            creator: values.creator,
          });

    await checkAccountRegions(context.clients, region, copyRegions, "--copy-to-regions");

    const question =
      mode === "stop"
        ? `Instance ${instanceId} in ${region} will be STOPPED while it is imaged (usually a few minutes), then started again. Continue?`
        : mode === "reboot"
          ? `Instance ${instanceId} in ${region} will be REBOOTED by EC2 while it is imaged. Continue?`
          : `Instance ${instanceId} in ${region} will be imaged while running (open files may be inconsistent). Continue?`;
    const refused = await askToProceed(context, "save", question, values.yes === true);
    if (refused !== undefined) return refused;
    if (sharing.public) context.stderr.write(`cws save: warning: ${PUBLIC_SHARING_WARNING}\n`);

    const progress = progressFor(context, json, "steps");
    const ec2 = context.clients.ec2(region);
    // Ctrl-C while the instance is stopped must not leave it stopped: the first one interrupts the capture,
    // which then deregisters the unfinished image and restarts the instance before exiting.
    const interrupt = new AbortController();
    const onInterrupt = () => {
      context.stderr.write("\ncws save: interrupted; undoing (unfinished image removed, instance restarted)…\n");
      interrupt.abort();
    };
    process.once("SIGINT", onInterrupt);
    let capture;
    try {
      capture = await captureImage(ec2, {
        instanceId,
        region,
        templateName,
        description,
        mode,
        signal: interrupt.signal,
        onProgress: (step) => progress.update(step),
      });
    } finally {
      process.removeListener("SIGINT", onInterrupt);
    }
    context.stderr.write(
      `cws save: ${capture.amiId} available in ${region}${capture.restarted ? `; ${instanceId} started again` : ""}\n`,
    );

    let mappings: AmiMappings = addMapping({}, region, capture.architecture, capture.amiId);
    const failures: string[] = [];
    // From here on the image exists: a failure in sharing or copying is reported, never a reason not to write the template.
    if (sharing.public || sharing.accountIds?.length) {
      progress.update(`share ${capture.amiId} in ${region}`);
      try {
        await shareImage(ec2, capture.amiId, sharing, { snapshotIds: capture.snapshotIds });
      } catch (error) {
        failures.push(`sharing ${capture.amiId} in ${region}: ${(error as Error).message}`);
      }
    }
    // Copies run in parallel; each one cleans up after itself on failure, and the others are kept.
    const copies = await Promise.allSettled(
      copyRegions.map((targetRegion) =>
        copyImage(context.clients, {
          sourceAmiId: capture.amiId,
          sourceRegion: region,
          targetRegion,
          description,
          sharing,
          onProgress: (step) => progress.update(step),
        }),
      ),
    );
    copies.forEach((outcome, index) => {
      if (outcome.status === "fulfilled") {
        const copy = outcome.value;
        mappings = addMapping(mappings, copy.region, copy.architecture, copy.amiId);
        context.stderr.write(`cws save: copy ${copy.amiId} available in ${copy.region}\n`);
      } else {
        failures.push(`${copyRegions[index]}: ${(outcome.reason as Error).message}`);
      }
    });

    const yamlText = renderSavedTemplateYaml({
      templateName,
      description,
      baseTemplate,
      amiMappings: mappings,
      ownerId: capture.ownerId,
      architecture: capture.architecture,
      sourceInstanceId: instanceId,
      createdAt: new Date(),
    });
    const report: SaveReport = {
      templateName,
      instanceId,
      region,
      amiId: capture.amiId,
      imageName: capture.imageName,
      mappings,
      failures,
    };
    try {
      writeTemplateFile(file, yamlText, force);
      report.file = file;
    } catch (error) {
      report.rescueFile = rescueTemplate(templateName, yamlText);
      failures.push(`writing ${file}: ${(error as Error).message}`);
      context.stderr.write(templateNotWritten(report, file, (error as Error).message, yamlText));
    }

    if (publish) {
      progress.update(`publish ${describeMappings(mappings)} to the catalog`);
      try {
        const written = await publishToLabCatalog(context, publish, {
          template: templateName,
          images: imagesOfMappings(mappings),
          description,
        });
        report.catalogEntry = written.file;
      } catch (error) {
        failures.push(`publishing to ${values.publish}: ${(error as Error).message}`);
      }
    }

    if (json) writeJson(context, report);
    else if (report.file) context.stdout.write(launchInstructions(report, report.file));
    if (failures.length) {
      context.stderr.write(
        `cws save: the image was saved, but some steps after it failed (the template maps only the regions that worked):\n  ${failures.join("\n  ")}\n`,
      );
      return EXIT.failure;
    }
    return EXIT.ok;
  },
};

/** A copy of the template in the temp directory when the real one could not be written; undefined if that fails too. */
function rescueTemplate(templateName: string, yamlText: string): string | undefined {
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cws-save-${templateName}-`));
    const file = path.join(dir, `${templateName}.yml`);
    fs.writeFileSync(file, yamlText, { flag: "wx" });
    return file;
  } catch {
    return undefined;
  }
}

/** Where the images are, and how to get the template into place, when writing it failed after the capture. */
function templateNotWritten(report: SaveReport, file: string, reason: string, yamlText: string): string {
  const lines = [
    `cws save: the template could not be written to ${file} (${reason}).`,
    `cws save: the image is kept and tracked (tag cloudworkstation:managed): ${report.amiId} in ${report.region}; ` +
      `all images: ${describeMappings(report.mappings)} (list them with: cws ami list --region ${report.region}).`,
  ];
  if (report.rescueFile)
    lines.push(
      `cws save: the template was written to ${report.rescueFile} instead; put it in place with:`,
      `  cp ${report.rescueFile} ${file}`,
    );
  else lines.push("cws save: the template follows; save it as " + file + ":", yamlText.replace(/\n$/, ""));
  return `${lines.join("\n")}\n`;
}

function launchInstructions(report: SaveReport, file: string): string {
  const dir = path.dirname(file);
  return [
    `Saved ${report.templateName}: ${describeMappings(report.mappings)}`,
    `Template written to ${file}`,
    "",
    "Launch from it:",
    `  cws ami resolve ${report.templateName} --region ${report.region} --templates-dir ${dir}`,
    "",
    "Or in a Pulumi program:",
    `  import { ResearchWorkstation } from "cloudworkstation";`,
    `  new ResearchWorkstation("${report.templateName}", { template: "${report.templateName}", templatesDirs: ["${dir}"], region: "${report.region}", size: "M" });`,
    "",
  ].join("\n");
}
