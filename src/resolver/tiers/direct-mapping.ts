import { AMI_ID_PATTERN } from "../../templates/schema";
import { type AmiMapping } from "../../templates/schema-ami-sources";
import { imageLabel, firstAcceptable, type Tier, type TierResult } from "./tier";

/**
 * `ami_mappings`: region → AMI id, or region → { x86_64, arm64 }. Pins exact images: nothing changes until the
 * template does, which is what a lab that validated one image wants.
 */
export const directMappingTier: Tier = {
  name: "direct_mapping",
  kind: "image",
  async run(context): Promise<TierResult> {
    const mappings = context.config?.ami_mappings;
    if (!mappings || Object.keys(mappings).length === 0)
      return { outcome: "not_configured", detail: "no ami_mappings in ami_config" };
    const entry = (mappings as Record<string, AmiMapping | undefined>)[context.region];
    if (entry === undefined) {
      return {
        outcome: "not_found",
        detail: `ami_mappings has no entry for ${context.region} (has ${Object.keys(mappings).sort().join(", ")})`,
      };
    }
    let amiId: string;
    let field = `ami_mappings.${context.region}`;
    if (typeof entry === "string") {
      amiId = entry;
    } else {
      const forArchitecture = entry[context.architecture];
      if (!forArchitecture) {
        const other = context.architecture === "x86_64" ? "arm64" : "x86_64";
        return {
          outcome: "not_found",
          detail: `${field} has only ${other} (${entry[other]}), but ${context.instanceType} is ${context.architecture}`,
        };
      }
      amiId = forArchitecture;
      field += `.${context.architecture}`;
    }
    if (!AMI_ID_PATTERN.test(amiId)) return { outcome: "rejected", detail: `${field} is "${amiId}", not an AMI id` };
    const { selected, rejections } = await firstAcceptable(context, [{ amiId }]);
    if (selected)
      return {
        outcome: "selected",
        amiId,
        image: selected.image,
        detail: `selected ${amiId} from ${field}${imageLabel(selected.image)}`,
      };
    return { outcome: "rejected", amiId, detail: `${rejections.join("; ")} (from ${field})` };
  },
};
