import { Document, isMap, parseDocument, Scalar, stringify } from "yaml";
import { type Architecture, type Template, type TemplateInput, templateSchema } from "../templates/schema";
import { InvalidInputError } from "../core/errors";

/** region → architecture → AMI id, the shape of a template's `ami_config.ami_mappings`. */
export type AmiMappings = Record<string, Partial<Record<Architecture, string>>>;

export interface SavedTemplateInput {
  templateName: string;
  description?: string;
  /** The template the saved one inherits from (packages, services, users…); the saved AMI replaces only the image. */
  baseTemplate?: string;
  amiMappings: AmiMappings;
  /** The capturing account: only its images are accepted for this template, whatever tier finds them. */
  ownerId: string;
  architecture: Architecture;
  sourceInstanceId?: string;
  sourceAmiId?: string;
  createdAt?: Date;
}

/** Adds one AMI to a mapping, keeping every other region and architecture. */
export function addMapping(
  mappings: AmiMappings,
  region: string,
  architecture: Architecture,
  amiId: string,
): AmiMappings {
  return { ...mappings, [region]: { ...(mappings[region] ?? {}), [architecture]: amiId } };
}

/** The saved template as an object; validated by the template schema before it is returned. */
export function buildSavedTemplate(input: SavedTemplateInput): TemplateInput {
  if (Object.keys(input.amiMappings).length === 0) {
    throw new InvalidInputError("a saved template needs at least one region → AMI mapping", "amiMappings");
  }
  const raw: TemplateInput = {
    name: input.templateName,
    description: input.description ?? `Saved from ${input.sourceInstanceId ?? input.sourceAmiId ?? "an instance"}`,
    ...(input.baseTemplate ? { inherits: input.baseTemplate } : {}),
    ...(input.sourceInstanceId || input.createdAt
      ? {
          tags: {
            ...(input.sourceInstanceId ? { "cloudworkstation:source-instance": input.sourceInstanceId } : {}),
            ...(input.createdAt ? { "cloudworkstation:saved": input.createdAt.toISOString() } : {}),
          },
        }
      : {}),
    ami_config: {
      strategy: "ami_preferred",
      ami_mappings: sortMappings(input.amiMappings),
      preferred_architecture: input.architecture,
      trusted_owners: [input.ownerId],
    },
  };
  const parsed = templateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError(
      `the saved template would be invalid: ${issue.message}`,
      issue.path.join(".") || "template",
    );
  }
  return raw;
}

/** The tag holding the capture time: quoted, so that YAML 1.1 readers (PyYAML…) keep it a string, not a date. */
export const SAVED_AT_TAG = "cloudworkstation:saved";

function quoteSavedAt(document: Document): void {
  const savedAt = document.getIn(["tags", SAVED_AT_TAG], true);
  if (savedAt instanceof Scalar) savedAt.type = Scalar.QUOTE_DOUBLE;
}

/** The saved template as YAML (through the `yaml` library), with a header saying where it came from. */
export function renderSavedTemplateYaml(input: SavedTemplateInput): string {
  const document = new Document(buildSavedTemplate(input));
  quoteSavedAt(document);
  document.commentBefore =
    ` Saved by CloudWorkstation${input.createdAt ? ` on ${input.createdAt.toISOString()}` : ""}` +
    `${input.sourceInstanceId ? ` from ${input.sourceInstanceId}` : ""}.\n` +
    " Only images owned by the trusted owner are accepted. In a region without a mapping, resolution continues with\n" +
    " the other tiers (and whatever the inherited template configures).";
  return document.toString({ lineWidth: 0 });
}

/**
 * A saved template's YAML with `mappings` added to its `ami_config.ami_mappings` (e.g. the copies of its image in
 * other regions), keeping its header, its other fields and its quoting. The result is validated like a new one.
 */
export function withAmiMappings(templateYaml: string, mappings: AmiMappings): string {
  const document = parseDocument(templateYaml);
  const current = document.getIn(["ami_config", "ami_mappings"]);
  const existing = (isMap(current) ? current.toJSON() : {}) as AmiMappings;
  let merged = existing;
  for (const [region, byArchitecture] of Object.entries(mappings)) {
    for (const [architecture, amiId] of Object.entries(byArchitecture) as [Architecture, string][]) {
      merged = addMapping(merged, region, architecture, amiId);
    }
  }
  document.setIn(["ami_config", "ami_mappings"], document.createNode(sortMappings(merged)));
  const parsed = templateSchema.safeParse(document.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError(
      `the saved template would be invalid: ${issue.message}`,
      issue.path.join(".") || "template",
    );
  }
  quoteSavedAt(document);
  return document.toString({ lineWidth: 0 });
}

/** A ready-to-paste `ami_mappings:` block. */
export function amiMappingsYaml(mappings: AmiMappings): string {
  return stringify({ ami_mappings: sortMappings(mappings) }, { lineWidth: 0 });
}

function sortMappings(mappings: AmiMappings): AmiMappings {
  const sorted: AmiMappings = {};
  for (const region of Object.keys(mappings).sort()) {
    const byArch = mappings[region];
    sorted[region] = {};
    for (const arch of ["x86_64", "arm64"] as const) if (byArch[arch]) sorted[region][arch] = byArch[arch];
  }
  return sorted;
}

export type { Template };
