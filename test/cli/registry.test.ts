import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import type { CliCommand } from "../../src/cli/command";
import { COMMANDS, lazyCommand } from "../../src/cli/registry";

const COMMANDS_DIR = path.resolve(__dirname, "..", "..", "src", "cli", "commands");

/** Every CliCommand exported by the command modules, by path. */
function commandsInModules(): Map<string, CliCommand> {
  const found = new Map<string, CliCommand>();
  for (const file of fs.readdirSync(COMMANDS_DIR).filter((name) => name.endsWith(".ts"))) {
    const exported = require(path.join(COMMANDS_DIR, file)) as Record<string, unknown>;
    for (const value of Object.values(exported)) {
      const command = value as CliCommand;
      if (command && typeof command === "object" && Array.isArray(command.path) && typeof command.run === "function")
        found.set(command.path.join(" "), command);
    }
  }
  return found;
}

describe("the command registry", () => {
  it("loads a lazy command's module only when the command runs or shows its own help", async () => {
    let loads = 0;
    const real: CliCommand = {
      path: ["probe"],
      summary: "Probe",
      usage: "cws probe",
      help: "--x  an option",
      run: async () => 7,
    };
    const lazy = lazyCommand(["probe"], "Probe", "cws probe", () => (loads++, real));
    assert.deepEqual([lazy.path, lazy.summary, lazy.usage, loads], [["probe"], "Probe", "cws probe", 0]);
    assert.equal(lazy.help, "--x  an option");
    assert.equal(await lazy.run([], {} as never), 7);
    assert.equal(loads, 1);
  });

  it("cws --help (built) loads no command module, no template loader, no YAML parser and no AWS SDK", () => {
    const main = path.resolve(__dirname, "..", "..", "dist", "src", "cli", "main.js");
    assert.ok(fs.existsSync(main), "run npm run build first (npm test does)");
    const probe =
      `process.argv = [process.argv[0], "cws", "--help"];` +
      `process.on("exit", () => process.stderr.write(JSON.stringify(Object.keys(require.cache))));` +
      `require(${JSON.stringify(main)});`;
    const run = spawnSync(process.execPath, ["-e", probe], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const loaded = (JSON.parse(run.stderr) as string[]).map((file) => file.replace(/\\/g, "/"));
    for (const heavy of [
      "/dist/src/cli/commands/",
      "/dist/src/templates/loader.js",
      "/node_modules/yaml/",
      "/node_modules/@aws-sdk/",
    ])
      assert.deepEqual(
        loaded.filter((file) => file.includes(heavy)),
        [],
        `${heavy} is loaded by cws --help`,
      );
  });

  it("lists every command module's command once, with the module's own path, summary, usage and help", () => {
    const modules = commandsInModules();
    const listed = COMMANDS.map((command) => command.path.join(" "));
    assert.deepEqual([...listed].sort(), [...modules.keys()].sort());
    assert.equal(new Set(listed).size, listed.length);
    for (const command of COMMANDS) {
      const own = modules.get(command.path.join(" ")) as CliCommand;
      assert.deepEqual(
        { summary: command.summary, usage: command.usage, help: command.help },
        { summary: own.summary, usage: own.usage, help: own.help },
        `cws ${command.path.join(" ")}: the registry's text differs from src/cli/commands' — copy the module's`,
      );
    }
  });
});
