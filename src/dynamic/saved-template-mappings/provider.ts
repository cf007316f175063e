import * as fs from "node:fs";
import type { DiffResult } from "@pulumi/pulumi/dynamic";
import { type AmiMappings, withAmiMappings } from "../../imaging";
import { isAmiId } from "../../core/aws-ids";
import { containsUnknown, diffInputs, providerLogic } from "../host";

export interface SavedTemplateMappingsInputs {
  /** The SavedTemplate's own YAML (its source region only). */
  savedTemplateYaml: string;
  /** region → AMI id: the source image and its copies. */
  amiIds: Record<string, string>;
  architecture: "x86_64" | "arm64";
  /** The SavedTemplate's file, rewritten with every region; null when it wrote none. */
  templateFile: string | null;
}

export interface SavedTemplateMappingsOutputs extends SavedTemplateMappingsInputs {
  /** The template with an ami_mappings entry for every region. */
  templateYaml: string;
}

const COMPARED = ["savedTemplateYaml", "amiIds", "architecture", "templateFile"] as const;

/** Internal. Exported for testing. */
export function checkMappingsInputs(news: Record<string, unknown>): {
  inputs: SavedTemplateMappingsInputs;
  failures: { property: string; reason: string }[];
} {
  const inputs: SavedTemplateMappingsInputs = {
    savedTemplateYaml: typeof news.savedTemplateYaml === "string" ? news.savedTemplateYaml : "",
    amiIds: (news.amiIds as Record<string, string> | undefined) ?? {},
    architecture: news.architecture === "arm64" ? "arm64" : "x86_64",
    templateFile: typeof news.templateFile === "string" && news.templateFile !== "" ? news.templateFile : null,
  };
  const failures: { property: string; reason: string }[] = [];
  if (!containsUnknown(news.amiIds)) {
    for (const [region, amiId] of Object.entries(inputs.amiIds))
      if (!isAmiId(amiId))
        failures.push({ property: "amiIds", reason: `amiIds.${region}: "${amiId}" is not an AMI id` });
  }
  return { inputs, failures };
}

/** A different source YAML, region set or file is an in-place rewrite; nothing here is ever replaced. */
export function diffMappings(
  olds: Partial<SavedTemplateMappingsInputs>,
  news: SavedTemplateMappingsInputs,
): DiffResult {
  return diffInputs(olds, news, { replaceOn: [], updatable: COMPARED, stables: [] });
}

function render(inputs: SavedTemplateMappingsInputs): SavedTemplateMappingsOutputs {
  const mappings: AmiMappings = Object.fromEntries(
    Object.entries(inputs.amiIds).map(([region, amiId]) => [region, { [inputs.architecture]: amiId }]),
  );
  const templateYaml = withAmiMappings(inputs.savedTemplateYaml, mappings);
  if (inputs.templateFile) fs.writeFileSync(inputs.templateFile, templateYaml);
  return { ...inputs, templateYaml };
}

export const provider = providerLogic<SavedTemplateMappingsInputs, SavedTemplateMappingsOutputs>({
  check: async (_olds, news) => checkMappingsInputs(news as unknown as Record<string, unknown>),
  diff: async (_id, olds, news) => diffMappings(olds, news),
  create: async (inputs) => ({ id: `mappings-${Object.keys(inputs.amiIds).sort().join("+")}`, outs: render(inputs) }),
  read: async (id, props) => ({ id, props }),
  update: async (_id, _olds, news) => ({ outs: render(news) }),
  async delete(_id, props) {
    // The copies go with this stack (or are kept, and still mapped by whoever keeps them): give the file back its
    // source-region-only content, unless someone changed it since we wrote it.
    if (!props.templateFile || !fs.existsSync(props.templateFile)) return;
    if (fs.readFileSync(props.templateFile, "utf8") === props.templateYaml)
      fs.writeFileSync(props.templateFile, props.savedTemplateYaml);
  },
});
