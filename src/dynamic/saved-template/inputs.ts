import type { DiffResult } from "@pulumi/pulumi/dynamic";
import type { CaptureMode } from "../../imaging";
import { isInstanceId } from "../../core/aws-ids";
import { isTemplateName, TEMPLATE_NAME_RULE } from "../../templates/template-name";
import { diffInputs, UNKNOWN } from "../host";

/** Provider inputs after check: defaults applied. */
export interface SavedTemplateInputs {
  instanceId: string;
  region: string;
  templateName: string;
  description?: string;
  baseTemplate?: string;
  mode: CaptureMode;
  tags: Record<string, string>;
  retainOnDelete: boolean;
  /** Default true: AWS refuses to deregister the kept image until this is turned off (retire refuses it too). */
  deregistrationProtection: boolean;
  templatesDir?: string;
}

export interface SavedTemplateOutputs extends SavedTemplateInputs {
  amiId: string;
  imageName: string;
  snapshotIds: string[];
  architecture: string;
  ownerId: string;
  templateYaml: string;
  /** Where the YAML was written; null without a templatesDir. */
  templateFile: string | null;
  /** The date of the capture (kept so updates regenerate the same YAML). */
  capturedAt: string;
}

const REPLACE_ON = ["instanceId", "region", "mode"] as const;
const UPDATABLE = [
  "retainOnDelete",
  "deregistrationProtection",
  "tags",
  "templateName",
  "description",
  "baseTemplate",
  "templatesDir",
] as const;

/** Applies defaults and reports input mistakes as check failures. Internal. Exported for testing. */
export function checkSavedTemplateInputs(news: Record<string, unknown>): {
  inputs: SavedTemplateInputs;
  failures: { property: string; reason: string }[];
} {
  const failures: { property: string; reason: string }[] = [];
  const text = (key: string) => (typeof news[key] === "string" && news[key] !== "" ? (news[key] as string) : undefined);
  const inputs: SavedTemplateInputs = {
    instanceId: text("instanceId") ?? "",
    region: text("region") ?? "",
    templateName: text("templateName") ?? "",
    description: text("description"),
    baseTemplate: text("baseTemplate"),
    mode: (text("mode") ?? "stop") as CaptureMode,
    tags: (news.tags as Record<string, string> | undefined) ?? {},
    retainOnDelete: news.retainOnDelete === undefined ? true : Boolean(news.retainOnDelete),
    deregistrationProtection:
      news.deregistrationProtection === undefined ? true : Boolean(news.deregistrationProtection),
    templatesDir: text("templatesDir"),
  };
  if (!isInstanceId(inputs.instanceId))
    failures.push({
      property: "instanceId",
      reason: `"${inputs.instanceId}" is not an instance id (i- followed by 8 or 17 hex digits)`,
    });
  if (!inputs.region)
    failures.push({ property: "region", reason: "region is required (the instance's region, e.g. us-east-1)" });
  if (!isTemplateName(inputs.templateName)) {
    failures.push({
      property: "templateName",
      reason: `"${inputs.templateName}" is not a template name: ${TEMPLATE_NAME_RULE}`,
    });
  }
  if (!["stop", "reboot", "no-reboot"].includes(inputs.mode))
    failures.push({ property: "mode", reason: `unknown mode "${inputs.mode}": use stop, reboot or no-reboot` });
  // In a preview, an input computed from another resource is Pulumi's unknown sentinel: it is checked again once
  // known, so it is not a mistake now.
  return { inputs, failures: failures.filter((failure) => news[failure.property] !== UNKNOWN) };
}

/** Replace when the capture itself would differ; everything else is an in-place update. Internal. Exported for testing. */
export function diffSavedTemplate(olds: Partial<SavedTemplateInputs>, news: SavedTemplateInputs): DiffResult {
  // A replacement captures the new image before the old resource is deleted (which by default keeps its AMI).
  // State from before deregistrationProtection existed has none: not a change (an upgrade of CloudWorkstation keeps
  // old stacks previewing clean); the next update of the resource for another reason turns protection on.
  return diffInputs({ deregistrationProtection: news.deregistrationProtection, ...olds }, news, {
    replaceOn: REPLACE_ON,
    updatable: UPDATABLE,
    stables: ["amiId", "snapshotIds", "architecture", "ownerId", "imageName", "capturedAt"],
  });
}
