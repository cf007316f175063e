import { PassThrough } from "node:stream";
import { runCli, type CliEnvironment } from "../../src/cli/cli";
import type { AwsClients } from "../../src/core/clients";

export interface InProcessRun {
  code: number;
  out: string;
  err: string;
}

/**
 * One `cws` invocation through the real dispatcher, in this process (no build): stdout and stderr captured, not a
 * terminal unless overridden, AWS_REGION us-east-1, no profile region. `templatesDir` is passed as the global
 * `--templates-dir` before the command.
 */
export async function runCws(
  argv: string[],
  options: { clients: AwsClients; templatesDir?: string } & Partial<Omit<CliEnvironment, "clients">>,
): Promise<InProcessRun> {
  const { templatesDir, ...overrides } = options;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk) => (out += String(chunk)));
  stderr.on("data", (chunk) => (err += String(chunk)));
  const code = await runCli([...(templatesDir ? ["--templates-dir", templatesDir] : []), ...argv], {
    stdoutIsTTY: false,
    stderrIsTTY: false,
    profileRegion: async () => undefined,
    env: { AWS_REGION: "us-east-1" },
    ...overrides,
    stdout,
    stderr,
  });
  return { code, out, err };
}
