import { loadTemplate } from "../templates";
import type { Template } from "../templates/schema";
import type { CliContext } from "./command";

/**
 * Loads a template by name or path through the templates loader: --templates-dir directories first, then the
 * bundled ones. Loader warnings go to stderr (never stdout, which may be JSON). Errors (unknown template, validation
 * issues) propagate as TemplateError, which the dispatcher prints with file:line:col and maps to exit 2.
 */
export function loadTemplateForCli(
  nameOrPath: string,
  context: CliContext,
): { template: Template; file: string | undefined } {
  const loaded = loadTemplate(nameOrPath, { templatesDirs: context.templatesDirs });
  for (const warning of loaded.warnings) context.stderr.write(`cws: warning: ${warning}\n`);
  return { template: loaded.template, file: loaded.file };
}
