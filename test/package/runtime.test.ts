import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./built";

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const major = (version: string) => Number(version.replace(/^v/, "").split(".")[0]);

/**
 * `npm test` runs the suites on Node 24 and the unit suites and the consumer test again on Node 22, whatever Node the
 * machine has (scripts/with-node.sh sets CWS_NODE_RUNTIME). These tests fail when that switch stops working.
 */
describe("the Node.js runtime the tests run on", () => {
  it("is exactly the configured runtime when npm test chose it (config.node for 24, config.nodeOldest for 22)", function () {
    const asked = process.env.CWS_NODE_RUNTIME;
    if (!asked) this.skip(); // run by hand (npx mocha …) on whatever Node is first on PATH; npm test always sets it
    const expected = asked === "22" ? pkg.config.nodeOldest : pkg.config.node;
    assert.equal(process.versions.node, expected, `asked for Node ${asked}`);
    console.log(`      node ${process.version}`);
  });

  it("is one the package supports: engines.node's floor is the oldest runtime tested", () => {
    assert.equal(pkg.engines.node, `>=${major(pkg.config.nodeOldest)}`);
    assert.ok(major(process.versions.node) >= major(pkg.config.nodeOldest), `node ${process.version}`);
    assert.equal(major(pkg.config.node), 24);
  });
});
