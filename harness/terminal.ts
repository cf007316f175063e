import { spawn } from "node:child_process";

/**
 * Runs a command under a real pseudo-terminal (python's pty module: stdin, stdout and stderr are one terminal, as in
 * a researcher's shell) and types `answer` + Enter once `prompt` appears in what it wrote. For the questions a CLI
 * asks only on a terminal, which a test with pipes never reaches.
 */

export interface TerminalRun {
  code: number | null;
  /**
   * What the command wrote to the terminal (stdout and stderr together, the typed answer echoed), without the
   * control sequences readline uses to redraw its line.
   */
  output: string;
  /** Whether the prompt appeared and the answer was typed. */
  answered: boolean;
}

// Reads the terminal until the child closes it (EIO), answering once; prints {code, answered, output} as JSON.
const DRIVER = `
import json, os, pty, sys
argv, answer, prompt = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out, answered = b"", False
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if not answered and prompt in out:
        os.write(fd, (answer + "\\n").encode())
        answered = True
_, status = os.waitpid(pid, 0)
print(json.dumps({"code": os.waitstatus_to_exitcode(status), "answered": answered, "output": out.decode("utf8", "replace")}))
`;

// eslint-disable-next-line no-control-regex -- the escape character is what is matched
const CONTROL_SEQUENCE = /\x1b\[[0-9;?]*[A-Za-z]/g;

export function runInTerminal(
  argv: string[],
  options: { env: NodeJS.ProcessEnv; prompt: string; answer: string; timeoutMs: number },
): Promise<TerminalRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", DRIVER, JSON.stringify(argv), options.answer, options.prompt], {
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMs,
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += String(chunk)));
    child.stderr.on("data", (chunk) => (err += String(chunk)));
    child.once("error", reject);
    child.once("close", (code, signal) => {
      if (code !== 0) return reject(new Error(`the terminal driver exited ${code ?? signal}: ${err}${out}`));
      const run = JSON.parse(out) as TerminalRun;
      resolve({ ...run, output: run.output.replace(CONTROL_SEQUENCE, "") });
    });
  });
}
