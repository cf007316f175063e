import * as fs from "node:fs";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
export const CWS_MAIN = path.join(ROOT, "dist", "src", "cli", "main.js");

/** These tests exercise what users run: the compiled package. `npm test` builds first; alone, build yourself. */
export function requireBuilt(): void {
  if (!fs.existsSync(CWS_MAIN)) {
    throw new Error(`${path.relative(ROOT, CWS_MAIN)} is missing: run \`npm run build\` first (npm test does).`);
  }
}
