import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  DEFAULT_TEMPLATES_DIR,
  listTemplates,
  loadTemplate,
  validateTemplateFile,
  type LoadedTemplate,
  type TemplateSummary,
} from "../templates";
import { sortIssues, type TemplateIssue } from "../templates/errors";
import { isInsideDirectory } from "../templates/template-files";
import { TEMPLATE_NAME_PATTERN } from "../templates/template-name";
import { ApiError } from "./errors";

/** `cws template validate --json` element (same shape). */
export interface ValidationReport {
  file: string;
  ok: boolean;
  issues: TemplateIssue[];
}

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
    const file = this.fileOf(name);
    const result = validateTemplateFile(file, { templatesDirs: this.dirs.slice(0, -1) });
    return { file, ok: result.ok, issues: sortIssues(result.issues) };
  }

  /**
   * Validates YAML sent in a request, with inheritance from the templates directories. The text is written to a
   * private temporary directory (under a fixed file name) so the loader sees a file; issues name `displayName`.
   * Its `inherits` may name templates of the directories only, never a path: anyone may call this route, and a
   * parent's errors would quote the parent's keys and values.
   */
  validateContent(content: string, displayName: string): ValidationReport {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-validate-"));
    try {
      // The loader warns when `name:` differs from the file's stem, so the file is named as the caller named it.
      const stem = path.basename(displayName).replace(/\.ya?ml$/, "");
      const file = path.join(dir, `${TEMPLATE_NAME_PATTERN.test(stem) ? stem : "submitted"}.yml`);
      fs.writeFileSync(file, content, { mode: 0o600 });
      const result = validateTemplateFile(file, { templatesDirs: this.dirs.slice(0, -1), inheritByNameOnly: true });
      const issues = result.issues.map((issue) =>
        path.resolve(issue.file) === file ? { ...issue, file: displayName } : issue,
      );
      return { file: displayName, ok: result.ok, issues: sortIssues(issues) };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
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
