import * as path from "node:path";
import { renderUserData } from "../../resolver/user-data";
import { InvalidInputError } from "../../core/errors";
import { loadTemplate, loadTemplateFromObject, type LoadedTemplate } from "../../templates";
import type { Architecture, Template } from "../../templates/schema";
import type { AmiResolutionInputs } from "./state";

/** The loaded template and how check failures and warnings name it (`template "x" (path)`). */
export interface LabelledTemplate extends LoadedTemplate {
  label: string;
}

/**
 * The template an AmiResolution's inputs name: an inline object, or a name/path looked up in `templatesDirs` then the
 * shipped templates (loads are cached by content). Used by the provider's check and by the program, which renders
 * the user data from the same template (see `resolutionUserData`).
 */
export function loadTemplateInput(
  inputs: Pick<AmiResolutionInputs, "template" | "templateObject" | "templatesDirs" | "parameters">,
): LabelledTemplate {
  const options = { templatesDirs: inputs.templatesDirs, parameters: inputs.parameters };
  if (inputs.templateObject !== undefined) {
    const loaded = loadTemplateFromObject(inputs.templateObject, options);
    return { ...loaded, label: `template "${loaded.template.name}" (inline object)` };
  }
  if (typeof inputs.template !== "string" || inputs.template.length === 0) {
    throw new InvalidInputError("give `template` (a name or a path) or `templateObject` (an inline template)");
  }
  const loaded = loadTemplate(inputs.template, options);
  return { ...loaded, label: `template "${loaded.template.name}" (${loaded.file})` };
}

/**
 * The provisioning script of a resolution on the script path: the template rendered for the resolved architecture
 * and the target region, exactly as the script tier rendered it. It is not kept in state (it is a function of the
 * template, which check pins through `templateHash` and `userDataHash`), so the program renders it rather than
 * reading it back.
 */
export function resolutionUserData(template: Template, architecture: Architecture, region: string): string {
  return renderUserData(template, { architecture, region });
}

/**
 * `templatesDirs` relative to the Pulumi project's root, with `/` separators: what the state records beside the
 * absolute dirs, so `cws ami outdated`/`upgrade` find the lab's templates from a checkout at another path (CI after
 * a laptop deploy). A directory on another drive (Windows) has no relative form and is kept as given.
 */
export function templatesDirsInProject(templatesDirs: readonly string[], projectRoot: string): string[] {
  return templatesDirs.map((dir) => {
    const relative = path.relative(projectRoot, path.resolve(projectRoot, dir));
    if (path.isAbsolute(relative)) return dir;
    return relative === "" ? "." : relative.split(path.sep).join("/");
  });
}
