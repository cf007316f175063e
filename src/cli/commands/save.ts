import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import {
  addMapping,
  type AmiMappings,
  captureImage,
  CAPTURE_MODES,
  type CaptureMode,
  copyImage,
  type CopyResult,
  ImagingError,
  PUBLIC_SHARING_WARNING,
  renderSavedTemplateYaml,
  shareImage,
  type SharingOptions,
  validateSharing,
} from "../../imaging";
import { InvalidInputError } from "../../resolver/errors";
import { EXIT, type CliCommand, type CliContext } from "../command";

const OPTIONS = {
  region: { type: "string" },
  "copy-to-regions": { type: "string", multiple: true },
  description: { type: "string" },
  mode: { type: "string" },
  public: { type: "boolean" },
  "share-accounts": { type: "string", multiple: true },
  "base-template": { type: "string" },
  "templates-dir": { type: "string", multiple: true },
  force: { type: "boolean" },
  yes: { type: "boolean", short: "y" },
} as const;

/** Where `cws save` writes the template: the first --templates-dir, else ./templates. Internal. Exported for testing. */
export function templateFilePath(templateName: string, templatesDirs: string[], cwd: string): string {
  return path.resolve(cwd, templatesDirs[0] ?? "templates", `${templateName}.yml`);
}

export const saveCommand: CliCommand = {
  path: ["save"],
  summary: "Save an instance's environment as an AMI and a template that launches from it",
  usage:
    "cws save <instance-id> <template-name> [--region R] [--copy-to-regions a,b] [--description D] [--mode stop|reboot|no-reboot] " +
    "[--public] [--share-accounts id,…] [--base-template NAME] [--templates-dir DIR] [--force] [--yes]",
  help: [
    "Options:",
    "  --region R              the instance's region (default: global --region, AWS_REGION)",
    "  --copy-to-regions a,b   copy the image to these regions after the capture (template maps them all)",
    "  --description D         template and image description",
    "  --mode M                stop (default: stop, image, start again) | reboot (EC2 reboots it) | no-reboot",
    "  --public                share the image with everyone (warns; think twice)",
    "  --share-accounts ids    share with these 12-digit account ids (image and snapshots)",
    "  --base-template NAME    the template the saved one inherits",
    "  --templates-dir DIR     write <DIR>/<template-name>.yml (default ./templates)",
    "  --force                 overwrite an existing template file",
    "  --yes, -y               do not ask before stopping the instance",
  ].join("\n"),
  run(argv, context) {
    return runWithErrors(saveCommand, context, async () => {
      const { values, positionals } = parseCommandLine(argv, OPTIONS, {
        min: 2,
        max: 2,
        names: "<instance-id> <template-name>",
      });
      const [instanceId, templateName] = positionals;
      const region = regionOf(values.region, context);
      const mode = (values.mode ?? "stop") as CaptureMode;
      if (!(CAPTURE_MODES as readonly string[]).includes(mode))
        throw new CommandLineError(`--mode must be one of ${CAPTURE_MODES.join(", ")}, not "${mode}"`);
      if (!/^[a-z0-9][a-z0-9._-]*$/.test(templateName)) {
        throw new InvalidInputError(
          `"${templateName}" is not a template name: use lowercase letters, digits, '.', '_' and '-'`,
          "<template-name>",
        );
      }
      const copyRegions = listFlag(values["copy-to-regions"]).filter((r) => r !== region);
      const sharing: SharingOptions = {
        accountIds: listFlag(values["share-accounts"]),
        public: values.public === true,
      };
      validateSharing(sharing);
      const file = templateFilePath(
        templateName,
        [...(values["templates-dir"] ?? []), ...context.templatesDirs],
        process.cwd(),
      );
      // Refuse before touching the instance: a capture whose template cannot be written wastes minutes of downtime.
      if (fs.existsSync(file) && values.force !== true) {
        throw new InvalidInputError(
          `${file} already exists; pass --force to overwrite it or choose another template name`,
          "<template-name>",
        );
      }

      if (values.yes !== true) {
        const question =
          mode === "stop"
            ? `Instance ${instanceId} in ${region} will be STOPPED while it is imaged (usually a few minutes), then started again. Continue?`
            : mode === "reboot"
              ? `Instance ${instanceId} in ${region} will be REBOOTED by EC2 while it is imaged. Continue?`
              : `Instance ${instanceId} in ${region} will be imaged while running (open files may be inconsistent). Continue?`;
        if (!context.isTTY) {
          context.stderr.write(
            `cws save: ${question.replace(/ Continue\?$/, "")}\ncws save: not a terminal, so not asking: pass --yes to proceed\n`,
          );
          return EXIT.invalidInput;
        }
        if (!(await context.confirm(question))) {
          context.stderr.write("cws save: cancelled; nothing was changed\n");
          return EXIT.ok;
        }
      }
      if (sharing.public) context.stderr.write(`cws save: warning: ${PUBLIC_SHARING_WARNING}\n`);

      const progress = progressPrinter(context, true);
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
          description: values.description,
          mode,
          signal: interrupt.signal,
          onProgress: (step) => progress(step),
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
        progress(`share ${capture.amiId} in ${region}`);
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
            description: values.description,
            sharing,
            onProgress: (step) => progress(step),
          }),
        ),
      );
      copies.forEach((outcome, index) => {
        if (outcome.status === "fulfilled") {
          const copy: CopyResult = outcome.value;
          mappings = addMapping(mappings, copy.region, copy.architecture, copy.amiId);
          context.stderr.write(`cws save: copy ${copy.amiId} available in ${copy.region}\n`);
        } else {
          failures.push(`${copyRegions[index]}: ${(outcome.reason as Error).message}`);
        }
      });

      const yamlText = renderSavedTemplateYaml({
        templateName,
        description: values.description,
        baseTemplate: values["base-template"],
        amiMappings: mappings,
        ownerId: capture.ownerId,
        architecture: capture.architecture,
        sourceInstanceId: instanceId,
        createdAt: new Date(),
      });
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, yamlText);

      const dirFlag = path.dirname(file);
      context.stdout.write(
        [
          `Saved ${templateName}: ${Object.entries(mappings)
            .map(([r, m]) => `${r} ${Object.values(m).join("/")}`)
            .join(", ")}`,
          `Template written to ${file}`,
          "",
          "Launch from it:",
          `  cws ami resolve ${templateName} --region ${region} --templates-dir ${dirFlag}`,
          "",
          "Or in a Pulumi program:",
          `  import { ResearchWorkstation } from "cloudworkstation";`,
          `  new ResearchWorkstation("${templateName}", { template: "${templateName}", templatesDirs: ["${dirFlag}"], region: "${region}", size: "M" });`,
          "",
        ].join("\n"),
      );
      if (failures.length) {
        context.stderr.write(
          `cws save: the image was saved, but some steps after it failed (the template maps only the regions that worked):\n  ${failures.join("\n  ")}\n`,
        );
        return EXIT.failure;
      }
      return EXIT.ok;
    });
  },
};

// Helpers shared by `cws save`, `cws ami copy` and `cws ami share`. Internal.

export type Options = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

export class CommandLineError extends Error {}

/** util.parseArgs in strict mode: unknown flags and wrong positional counts are errors (exit 2). */
/** What parseCommandLine returns for an option table. */
export type ParsedValues<O extends Options> = {
  [K in keyof O]?: O[K] extends { type: "boolean" } ? boolean : O[K] extends { multiple: true } ? string[] : string;
};

export function parseCommandLine<O extends Options>(
  argv: string[],
  options: O,
  positionals: { min: number; max: number; names: string },
): { values: ParsedValues<O>; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CommandLineError((error as Error).message);
  }
  if (parsed.positionals.length < positionals.min || parsed.positionals.length > positionals.max) {
    throw new CommandLineError(
      `expected ${positionals.names}, got ${parsed.positionals.length ? parsed.positionals.join(" ") : "nothing"}`,
    );
  }
  return { values: parsed.values as ParsedValues<O>, positionals: parsed.positionals };
}

/** "a,b , c" → ["a","b","c"]; repeatable flags are flattened. */
export function listFlag(value: string | string[] | boolean | boolean[] | undefined): string[] {
  if (value === undefined || typeof value === "boolean") return [];
  const values = Array.isArray(value) ? value : [value];
  return values
    .flatMap((v) => String(v).split(","))
    .map((v) => v.trim())
    .filter(Boolean);
}

export function regionOf(flag: string | undefined, context: CliContext): string {
  const region = flag ?? context.defaultRegion;
  if (!region) throw new CommandLineError("no region: pass --region R (or set AWS_REGION)");
  return region;
}

/** Runs a command body and maps errors to exit codes: usage/input mistakes 2, AWS/imaging failures 1. */
export async function runWithErrors(
  command: CliCommand,
  context: CliContext,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof CommandLineError) {
      context.stderr.write(`cws ${command.path.join(" ")}: ${error.message}\nusage: ${command.usage}\n`);
      return EXIT.invalidInput;
    }
    if (error instanceof InvalidInputError) {
      context.stderr.write(`cws ${command.path.join(" ")}: ${error.message}\n`);
      return EXIT.invalidInput;
    }
    if (error instanceof ImagingError) {
      context.stderr.write(`cws ${command.path.join(" ")}: ${error.message}\n`);
      return EXIT.failure;
    }
    context.stderr.write(`cws ${command.path.join(" ")}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failure;
  }
}

/** Progress lines on stderr with elapsed time since the command started: "[  12s] stop instance i-…". */
export function progressPrinter(
  context: CliContext,
  enabled: boolean,
  now: () => number = Date.now,
): (step: string) => void {
  const started = now();
  let last = "";
  return (step: string) => {
    if (!enabled || step === last) return;
    last = step;
    const seconds = Math.round((now() - started) / 1000);
    context.stderr.write(`[${String(seconds).padStart(4)}s] ${step}\n`);
  };
}
