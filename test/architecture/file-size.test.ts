import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";

const SRC_DIR = path.resolve(__dirname, "../../src");
const MAX_LINES = 400;

function sourceFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFilesUnder(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** Lines of a file as `wc -l` counts them (newlines), so the number in a failure matches what a reader checks. */
function lineCount(file: string): number {
  return (fs.readFileSync(file, "utf8").match(/\n/g) ?? []).length;
}

describe("file size", () => {
  it(`keeps every src/ file at most ${MAX_LINES} lines (split a longer one by responsibility, not by size)`, () => {
    const files = sourceFilesUnder(SRC_DIR);
    assert.ok(files.length > 100, `found only ${files.length} files under ${SRC_DIR}`);
    const over = files
      .map((file) => ({ file: path.relative(SRC_DIR, file), lines: lineCount(file) }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `src/${file}: ${lines} lines`);
    assert.deepEqual(over, [], `files over ${MAX_LINES} lines:\n${over.join("\n")}`);
  });
});
