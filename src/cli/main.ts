#!/usr/bin/env node
import { runCli } from "./cli";

// `cws … | head` closes stdout early: that is not an error worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  stdinIsTTY: process.stdin.isTTY === true,
}).then(
  (code) => {
    // Exit explicitly (after stdout drains): SDK keep-alive sockets must not hold the process open.
    process.stdout.write("", () => process.exit(code));
  },
  (error: unknown) => {
    process.stderr.write(`cws: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
