import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { TemplateError, type TemplateIssue } from "../../src/templates";

/** Lines of a YAML file, joined: keeping one line per argument makes the line numbers in assertions easy to check. */
export function yaml(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

/** A fresh temporary directory holding `files` (name → contents). */
export function fixtureDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cws-templates-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** The TemplateError `fn` throws; fails the test if it throws anything else or nothing. */
export function templateErrorOf(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  assert.fail("expected a TemplateError");
}

/** The one issue whose message contains `text`. */
export function issueWith(issues: readonly TemplateIssue[], text: string): TemplateIssue {
  const matching = issues.filter((issue) => issue.message.includes(text));
  assert.equal(
    matching.length,
    1,
    `expected one issue containing ${JSON.stringify(text)}, got:\n${issues.map((i) => i.message).join("\n")}`,
  );
  return matching[0];
}

/** `line:column` of an issue, for compact position assertions. */
export function at(issue: TemplateIssue): string {
  return `${issue.line}:${issue.column}`;
}
