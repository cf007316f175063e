import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { validateTemplateFile, type LoadOptions } from "../templates";
import { sortIssues, type TemplateIssue } from "../templates/errors";
import { TEMPLATE_NAME_PATTERN } from "../templates/template-name";

/**
 * `cws template validate --json` and `POST /templates/validate`: every issue of a template file at its line,
 * computed here once so the CLI and the HTTP API report the same objects.
 */

/** One file's verdict: `ok` when it has no error (warnings allowed), its issues in file/line order. */
export interface ValidationReport {
  file: string;
  ok: boolean;
  issues: TemplateIssue[];
}

/** Validates one template file (and the templates it inherits); the report names the file as given. */
export function validateTemplateAt(file: string, options: LoadOptions): ValidationReport {
  const result = validateTemplateFile(file, options);
  return { file, ok: result.ok, issues: sortIssues(result.issues) };
}

/**
 * Validates YAML text, with inheritance from `templatesDirs`. The text is written to a private temporary directory
 * (under a fixed file name) so the loader sees a file; the report and its issues name `displayName`. Its `inherits`
 * may name templates of the directories only, never a path: the API lets anyone call this, and a parent's errors
 * would quote the parent's keys and values.
 */
export function validateTemplateText(
  content: string,
  displayName: string,
  templatesDirs: readonly string[],
): ValidationReport {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-validate-"));
  try {
    // The loader warns when `name:` differs from the file's stem, so the file is named as the caller named it.
    const stem = path.basename(displayName).replace(/\.ya?ml$/, "");
    const file = path.join(dir, `${TEMPLATE_NAME_PATTERN.test(stem) ? stem : "submitted"}.yml`);
    fs.writeFileSync(file, content, { mode: 0o600 });
    const result = validateTemplateFile(file, { templatesDirs: [...templatesDirs], inheritByNameOnly: true });
    const issues = result.issues.map((issue) =>
      path.resolve(issue.file) === file ? { ...issue, file: displayName } : issue,
    );
    return { file: displayName, ok: result.ok, issues: sortIssues(issues) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
