import { AMI_ID_PATTERN } from "../../templates/schema";
import { imageLabel, firstAcceptable, type Tier, type TierResult } from "./tier";

/**
 * `ssm_parameter`: a parameter (e.g. a distribution's public `/aws/service/...` name) whose value is an AMI id.
 * Follows the publisher's "current" image, so the workstation is replaced when the publisher moves the parameter.
 */
export const ssmParameterTier: Tier = {
  name: "ssm_parameter",
  kind: "image",
  async run(context): Promise<TierResult> {
    const parameter = context.config?.ssm_parameter;
    if (!parameter) return { outcome: "not_configured", detail: "no ssm_parameter in ami_config" };
    let name: string;
    if (typeof parameter === "string") {
      name = parameter;
    } else {
      const forArchitecture = parameter[context.architecture];
      if (!forArchitecture) {
        const other = context.architecture === "x86_64" ? "arm64" : "x86_64";
        return {
          outcome: "not_found",
          detail: `ssm_parameter has only ${other} (${parameter[other]}), but ${context.instanceType} is ${context.architecture}`,
        };
      }
      name = forArchitecture;
    }
    const value = await context.cache.getParameter(context.clients.ssm(context.region), name, context.signal);
    if (value === undefined)
      return { outcome: "not_found", detail: `parameter ${name} not found in ${context.region}` };
    const amiId = value.trim();
    if (!AMI_ID_PATTERN.test(amiId))
      return { outcome: "rejected", detail: `parameter ${name} holds "${value}", not an AMI id` };
    const { selected, rejections } = await firstAcceptable(context, [{ amiId }]);
    if (selected)
      return {
        outcome: "selected",
        amiId,
        image: selected.image,
        detail: `selected ${amiId} from parameter ${name}${imageLabel(selected.image)}`,
      };
    return { outcome: "rejected", amiId, detail: `${rejections.join("; ")} (from parameter ${name})` };
  },
};
