import { buildTemplateImage, planBuild, type BuildResult } from "../../imaging";
import { parseDuration } from "../../resolver/engine";
import { parseArchitecture, parseCommandArgs, parseRegionList, requireRegion, UsageError } from "../args";
import { EXIT, type CliCommand } from "../command";
import { formatTable } from "../format";
import { progressFor, writeJson } from "../output";
import { loadTemplateForCli } from "../templates";
import { validateInstanceType } from "../../resolver/instance-families";
import { askToProceed, renameInputField } from "../imaging-flags";

const OPTIONS = {
  region: { type: "string" },
  arch: { type: "string" },
  "instance-type": { type: "string" },
  "publish-ssm": { type: "string" },
  "copy-to-regions": { type: "string" },
  timeout: { type: "string" },
  force: { type: "boolean" },
  yes: { type: "boolean" },
  json: { type: "boolean" },
} as const;

/** What `--json` prints: the figures a pipeline needs to publish or pin the image. */
export function buildJson(result: BuildResult) {
  return {
    amiId: result.amiId,
    region: result.region,
    baseAmiId: result.baseAmiId,
    templateHash: result.templateHash,
    reused: result.reused,
    provisioningVerified: result.provisioningVerified ?? null,
    publishedParameter: result.publishedParameter ?? null,
    amiIds: result.amiIds,
  };
}

export const amiBuildCommand: CliCommand = {
  path: ["ami", "build"],
  summary: "Bake a template into an AMI (launch a builder, provision, image, terminate) and optionally publish it",
  usage:
    "cws ami build <template> [--region R] [--arch A] [--instance-type T] [--publish-ssm NAME] [--copy-to-regions a,b] [--timeout D] [--force] [--yes] [--json]",
  help: [
    "Options:",
    formatTable(
      [
        ["--region R", "where to build (default: global --region, AWS_REGION, AWS_DEFAULT_REGION, profile)"],
        ["--arch A", "x86_64 or arm64 (default: the template's preferred architecture)"],
        ["--instance-type T", "builder instance type (default: the template's size)"],
        ["--publish-ssm NAME", "write the new AMI id to exactly this SSM parameter (data type aws:ec2:image)"],
        ["--copy-to-regions a,b", "copy the built image to these regions too"],
        ["--timeout D", "how long provisioning may take, e.g. 45m, 2h (default 60m)"],
        ["--force", "build even when an image from the same template and base already exists"],
        ["--yes", "do not ask before launching the builder (required without a terminal)"],
        ["--json", "print {amiId, region, baseAmiId, templateHash, reused, publishedParameter, amiIds}"],
      ],
      "  ",
    ),
    "",
    "Launches one builder instance (billed while it runs, usually 10–20 min), waits for the template's script to",
    "finish, images it and terminates it. An image already built from the same template hash and base AMI is reused.",
    "On failure or Ctrl-C the builder is terminated and everything the build made is removed.",
    "Exit codes: 0 built or reused, 2 invalid input, 1 the build failed.",
  ].join("\n"),
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, { min: 1, max: 1, names: "<template>" });
    const region = requireRegion(values.region, context);
    const architecture = parseArchitecture(values.arch);
    const instanceType = values["instance-type"];
    if (instanceType !== undefined) validateInstanceType(instanceType, "--instance-type");
    const copyToRegions = values["copy-to-regions"]
      ? parseRegionList(values["copy-to-regions"], "--copy-to-regions", context)
      : [];
    const timeoutMs = values.timeout ? parseTimeout(values.timeout) : undefined;
    const publishSsmParameter = values["publish-ssm"];
    if (publishSsmParameter !== undefined && !/^\/?[a-zA-Z0-9_.\-/]{1,1011}$/.test(publishSsmParameter)) {
      throw new UsageError(
        `--publish-ssm "${publishSsmParameter}" is not a valid SSM parameter name (letters, digits, _ . - /)`,
      );
    }
    const { template } = loadTemplateForCli(positionals[0], context);
    const json = values.json === true;

    // Plan first (read-only): invalid input and a missing base image fail before anything is launched.
    const plan = await planBuild(
      template,
      { region, architecture, instanceType, copyToRegions },
      context.clients,
    ).catch((error: unknown) => {
      throw renameInputField(error, "copyToRegions", "--copy-to-regions");
    });
    const refused = await askToProceed(
      context,
      "ami build",
      `Build ${template.name} in ${region}: launch one ${plan.instanceType} builder from ${plan.baseAmiId} ` +
        "(billed while it runs), image it, terminate it. Continue?",
      values.yes === true,
    );
    if (refused !== undefined) return refused;

    // Per-step progress with elapsed time, on a terminal only (a build takes minutes; --json stays clean).
    const progress = progressFor(context, json || !context.isTTY, "steps");
    // Ctrl-C must never leave a builder running: the first one interrupts, the build then terminates and cleans up.
    const interrupt = new AbortController();
    const onInterrupt = () => {
      context.stderr.write("\ncws ami build: interrupted; terminating the builder and removing what the build made…\n");
      interrupt.abort();
    };
    process.once("SIGINT", onInterrupt);
    let result: BuildResult;
    try {
      result = await buildTemplateImage(
        template,
        {
          region,
          architecture,
          instanceType,
          publishSsmParameter,
          copyToRegions,
          timeoutMs,
          force: values.force === true,
          signal: interrupt.signal,
          onProgress: (step) => progress.update(step),
        },
        context.clients,
      );
    } finally {
      process.removeListener("SIGINT", onInterrupt);
      progress.done();
    }
    const unverified =
      result.provisioningVerified === false ? unverifiedProvisioning(context.env.AWS_ENDPOINT_URL) : undefined;
    if (json) {
      if (unverified) context.stderr.write(`cws ami build: warning: ${unverified}\n`);
      writeJson(context, buildJson(result));
    } else {
      const lines = [
        `${result.reused ? "Reused" : "Built"} ${result.amiId} in ${result.region} from ${template.name} on ${result.baseAmiId}`,
        ...(unverified ? [`  ${unverified}`] : []),
        ...Object.entries(result.amiIds)
          .filter(([r]) => r !== result.region)
          .map(([r, id]) => `  copy in ${r}: ${id}`),
        ...(result.publishedParameter ? [`  published as SSM parameter ${result.publishedParameter}`] : []),
        `  template hash ${result.templateHash.slice(0, 12)}`,
      ];
      context.stdout.write(`${lines.join("\n")}\n`);
    }
    return EXIT.ok;
  },
};

/** Why a build's image may hold the base image only; `endpoint` is AWS_ENDPOINT_URL (an emulator when set). */
function unverifiedProvisioning(endpoint: string | undefined): string {
  const why = endpoint
    ? `the endpoint ${endpoint} (AWS_ENDPOINT_URL) is an emulator such as moto, whose Run Command answers Success ` +
      "without running anything: the image is the base image, nothing of the template was installed"
    : "test a workstation launched from the image before publishing it";
  return `provisioning NOT verified: Run Command reported success without the check script's readiness line; ${why}`;
}

function parseTimeout(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    throw new UsageError(`--timeout "${text}" is not a duration: use e.g. 45m, 90m, 2h`);
  }
}
