import { templateSchema, type Template, type TemplateInput } from "../../src/templates/schema";

/** A validated template from an inline object (defaults applied), so tests do not depend on the shipped templates. */
export function template(input: Partial<TemplateInput> & { ami_config?: TemplateInput["ami_config"] }): Template {
  return templateSchema.parse({ name: "test-workstation", base: "ubuntu-24.04", ...input });
}

export const CANONICAL = "099720109477";
export const SQUATTER = "210987654321";
export const AMAZON = "137112412989";
export const DLAMI = "898082745236";
export const MARKETPLACE_SELLER = "679593333241";
export const RSTUDIO_PRODUCT_CODE = "4xsv6kuy9rz3wrj0k7s8wfjxa";
export const NOBLE_AMD64_PATTERN = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*";
export const UBUNTU_2404_AMD64_PARAMETER =
  "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id";
