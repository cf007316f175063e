import * as fs from "node:fs";
import * as path from "node:path";
import { validateTemplateAt, validateTemplateText, type ValidationReport } from "../ops/validate-templates";
import {
  DEFAULT_TEMPLATES_DIR,
  listTemplates,
  loadTemplate,
  type LoadedTemplate,
  type TemplateSummary,
} from "../templates";
import { isInsideDirectory } from "../templates/template-files";
import { TEMPLATE_NAME_PATTERN } from "../templates/template-name";
import { ApiError } from "./errors";

/**
 * Template access for requests. A request names a template; the name is looked up in the listing of the configured
 * directories (then the bundled ones), and the file found must really lie inside one of them (symlinks resolved).
 * Nothing a request sends is ever used as a path, so `../../etc/passwd` is a 400 and a symlink out of a templates
 * directory is a 404.
 */
export class TemplateStore {
  readonly dirs: string[];
  /** Listing and loaded templates, valid while no template file in the directories changed (names, sizes, mtimes). */
  private cache: { signature: string; list: TemplateSummary[]; loaded: Map<string, LoadedTemplate> } | undefined;

  constructor(templatesDirs: readonly string[]) {
    this.dirs = [...templatesDirs.map((d) => path.resolve(d)), DEFAULT_TEMPLATES_DIR];
  }

  list(): TemplateSummary[] {
    return this.current().list;
  }

  /** The file of a template by name; 400 for a name that is not one, 404 when no directory holds it. */
  fileOf(name: string): string {
    checkTemplateName(name);
    const found = this.list().find((t) => t.name === name);
    if (!found || !this.isInside(found.file))
      throw new ApiError(404, "template_not_found", `no template named "${name}" in the templates directories`, {
        name,
        searched: this.dirs,
      });
    return found.file;
  }

  load(name: string): LoadedTemplate {
    const file = this.fileOf(name);
    const { loaded } = this.current();
    let template = loaded.get(file);
    if (!template) {
      template = loadTemplate(file, { templatesDirs: this.dirs.slice(0, -1) });
      loaded.set(file, template);
    }
    return template;
  }

  /** Re-reads the templates only when a file changed: a warm request costs a few stat calls, not YAML parsing. */
  private current() {
    const signature = this.dirs
      .map((dir) => {
        let names: string[];
        try {
          names = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
        } catch {
          return `${dir}:-`;
        }
        return `${dir}:${names
          .sort()
          .map((f) => {
            try {
              const stat = fs.statSync(path.join(dir, f));
              return `${f}/${stat.size}/${stat.mtimeMs}`;
            } catch {
              return `${f}/-`;
            }
          })
          .join(",")}`;
      })
      .join("|");
    if (this.cache?.signature !== signature)
      this.cache = {
        signature,
        list: listTemplates({ templatesDirs: this.dirs.slice(0, -1) }),
        loaded: new Map(),
      };
    return this.cache;
  }

  validateNamed(name: string): ValidationReport {
    return validateTemplateAt(this.fileOf(name), { templatesDirs: this.dirs.slice(0, -1) });
  }

  /** YAML sent in a request, with inheritance (by name only) from the templates directories. */
  validateContent(content: string, displayName: string): ValidationReport {
    return validateTemplateText(content, displayName, this.dirs.slice(0, -1));
  }

  private isInside(file: string): boolean {
    return this.dirs.some((dir) => isInsideDirectory(file, dir));
  }
}

export function checkTemplateName(name: string): void {
  if (!TEMPLATE_NAME_PATTERN.test(name) || name.includes("..") || /\.ya?ml$/.test(name))
    throw new ApiError(
      400,
      "invalid_template_name",
      `"${name}" is not a template name: use the name shown by GET /api/v1/templates (lowercase letters, digits, '.', '_' and '-'; no paths)`,
      { name },
    );
}
