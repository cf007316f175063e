import { InvalidInputError } from "../core/errors";

/**
 * Reading what `pulumi stack export` writes, without Pulumi: the AmiResolution resources of a stack (what each
 * workstation resolved, pinned, and from which template). Freshness and retirement read stacks this way.
 */
export interface StackResolution {
  /** The resource's name (the last part of its URN), e.g. "alice-ami". */
  name: string;
  urn: string;
  region: string;
  amiId: string;
  architecture?: string;
  instanceType?: string;
  /** How the template was given: a name or path, or an inline object; plus where to look and its parameters. */
  template?: string;
  templateObject?: unknown;
  templatesDirs?: string[];
  /** The same dirs relative to the Pulumi project's root (recorded since the CLI reads stacks from other checkouts). */
  templatesDirsInProject?: string[];
  parameters?: Record<string, string | number | boolean>;
  templateName?: string;
}

interface ExportedResource {
  urn?: unknown;
  type?: unknown;
  outputs?: Record<string, unknown>;
  inputs?: Record<string, unknown>;
}

/** Every AmiResolution in a stack export (any type-token spelling ending in AmiResolution). */
export function readStackExport(text: string, file: string): StackResolution[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(
      `${file} is not JSON (${(error as Error).message}); write it with: pulumi stack export --file ${file}`,
      "--stack-export",
    );
  }
  const resources = (parsed as { deployment?: { resources?: unknown } })?.deployment?.resources;
  if (!Array.isArray(resources)) {
    throw new InvalidInputError(
      `${file} has no deployment.resources: it is not what \`pulumi stack export\` writes`,
      "--stack-export",
    );
  }
  const found: StackResolution[] = [];
  for (const resource of resources as ExportedResource[]) {
    if (typeof resource?.type !== "string" || !/(^|[:/])AmiResolution$/.test(resource.type)) continue;
    const state = { ...(resource.inputs ?? {}), ...(resource.outputs ?? {}) };
    const urn = String(resource.urn ?? "");
    const amiId = state.amiId;
    const region = state.region;
    if (typeof amiId !== "string" || typeof region !== "string") continue; // never resolved (a failed first check)
    found.push({
      name: urn.slice(urn.lastIndexOf("::") + 2) || urn,
      urn,
      region,
      amiId,
      architecture: stringOr(state.architecture),
      instanceType: stringOr(state.instanceType),
      template: stringOr(state.template),
      templateObject: state.templateObject ?? undefined,
      templatesDirs: stringsOr(state.templatesDirs),
      templatesDirsInProject: stringsOr(state.templatesDirsInProject),
      parameters: isRecord(state.parameters)
        ? (state.parameters as Record<string, string | number | boolean>)
        : undefined,
      templateName: stringOr(state.templateName),
    });
  }
  return found;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function stringsOr(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
