/**
 * Writes the Python and Go SDKs (sdk/python, sdk/go) from the provider's package schema with
 * `pulumi package gen-sdk` (`npm run sdk`), as Pulumi's own providers commit theirs. With --check, writes nothing and
 * exits 1 naming each file that differs from what the schema generates (test/sdk runs the same comparison).
 * sdk/go.mod and sdk/go.sum are ours, not generated: the Go module is `<importBasePath minus /go/cloudworkstation>`.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findPulumiCli, REPO_ROOT, type PulumiCli } from "../harness/pulumi-cli";

export const SDK_DIR = path.join(REPO_ROOT, "sdk");
export const PROVIDER_SCHEMA_FILE = path.join(REPO_ROOT, "schema.json");
/** The languages generated here, each into sdk/<language> (TypeScript uses the npm package itself). */
export const SDK_LANGUAGES = ["python", "go"] as const;
export type SdkLanguage = (typeof SDK_LANGUAGES)[number];

/** Byte-code caches and `pip install sdk/python`'s build/ and *.egg-info appear beside the SDK; never part of it. */
function notGenerated(relativeDir: string, name: string): boolean {
  return name === "__pycache__" || name.endsWith(".egg-info") || (relativeDir === "" && name === "build");
}

/** The Pulumi CLI with the language hosts gen-sdk runs (the Go host is part of `npm run setup` since issue 25). */
export function sdkGeneratorCli(env: NodeJS.ProcessEnv = process.env): PulumiCli {
  const cli = findPulumiCli(env);
  const hosts = SDK_LANGUAGES.map((language) => `pulumi-language-${language}`);
  const missing = cli ? hosts.filter((host) => !fs.existsSync(path.join(cli.binDir, host))) : hosts;
  if (!cli || missing.length > 0)
    throw new Error(
      `pulumi package gen-sdk needs ${missing.join(" and ")} beside pulumi` +
        `${cli ? ` (in ${cli.binDir})` : ""}: run \`npm run setup\` (scripts/install-pulumi.sh builds them)`,
    );
  return cli;
}

/** Runs `pulumi package gen-sdk` for each language into `outDir/<language>` (a private PULUMI_HOME: no plugins). */
export function generateSdks(schemaFile: string, outDir: string, cli: PulumiCli = sdkGeneratorCli()): void {
  if (!fs.existsSync(schemaFile))
    throw new Error(`${schemaFile} does not exist: it is the provider schema the SDKs are generated from`);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "cws-gen-sdk-home-"));
  try {
    for (const language of SDK_LANGUAGES) {
      const args = ["package", "gen-sdk", schemaFile, "--language", language, "--out", outDir, "--non-interactive"];
      const run = spawnSync(path.join(cli.binDir, "pulumi"), args, {
        encoding: "utf8",
        env: {
          ...process.env,
          PATH: `${cli.binDir}${path.delimiter}${process.env.PATH ?? ""}`,
          PULUMI_HOME: home,
          PULUMI_SKIP_UPDATE_CHECK: "true",
        },
      });
      if (run.status !== 0)
        throw new Error(`pulumi ${args.join(" ")} exited ${run.status}:\n${run.stdout}${run.stderr}${run.error ?? ""}`);
    }
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Every file under `dir` (relative, sorted), leftovers (notGenerated) left out; [] when `dir` does not exist. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const found: string[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      if (notGenerated(relative, entry.name)) continue;
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else found.push(child);
    }
  };
  walk("");
  return found.sort();
}

/** How `actualRoot/<language>` differs from `expectedRoot/<language>`: one line per file, [] when the same. */
export function sdkDifferences(expectedRoot: string, actualRoot: string): string[] {
  const differences: string[] = [];
  for (const language of SDK_LANGUAGES) {
    const [expected, actual] = [path.join(expectedRoot, language), path.join(actualRoot, language)];
    const expectedFiles = filesUnder(expected);
    const actualFiles = new Set(filesUnder(actual));
    for (const file of expectedFiles) {
      const name = path.join(language, file);
      if (!actualFiles.has(file)) differences.push(`${name} is missing`);
      else if (!fs.readFileSync(path.join(expected, file)).equals(fs.readFileSync(path.join(actual, file))))
        differences.push(`${name} differs`);
      actualFiles.delete(file);
    }
    for (const file of actualFiles) differences.push(`${path.join(language, file)} is not generated any more`);
  }
  return differences;
}

/** Generates into a temporary directory and compares with `sdkDir`; removes the temporary directory. */
export function staleSdkFiles(schemaFile = PROVIDER_SCHEMA_FILE, sdkDir = SDK_DIR, cli?: PulumiCli): string[] {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cws-gen-sdk-"));
  try {
    generateSdks(schemaFile, scratch, cli);
    return sdkDifferences(scratch, sdkDir);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Replaces sdk/<language> with freshly generated files (sdk/go.mod and sdk/go.sum stay). */
export function writeSdks(schemaFile = PROVIDER_SCHEMA_FILE, sdkDir = SDK_DIR, cli?: PulumiCli): string[] {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cws-gen-sdk-"));
  try {
    generateSdks(schemaFile, scratch, cli);
    const changed = sdkDifferences(scratch, sdkDir);
    for (const language of SDK_LANGUAGES) {
      fs.rmSync(path.join(sdkDir, language), { recursive: true, force: true });
      fs.cpSync(path.join(scratch, language), path.join(sdkDir, language), { recursive: true });
    }
    return changed;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function main(argv: readonly string[]): number {
  const relative = (file: string) => path.relative(process.cwd(), file) || ".";
  if (argv.includes("--check")) {
    const stale = staleSdkFiles();
    if (stale.length === 0) return 0;
    process.stderr.write(
      `${relative(SDK_DIR)} is out of date with ${relative(PROVIDER_SCHEMA_FILE)}: run npm run sdk\n  ${stale.join("\n  ")}\n`,
    );
    return 1;
  }
  const changed = writeSdks();
  process.stdout.write(
    changed.length === 0
      ? `${relative(SDK_DIR)} is up to date with ${relative(PROVIDER_SCHEMA_FILE)}\n`
      : `${relative(SDK_DIR)}: ${changed.length} file(s) written from ${relative(PROVIDER_SCHEMA_FILE)}\n`,
  );
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
