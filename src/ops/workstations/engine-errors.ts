/** Reading the errors the Automation API raises when a Pulumi command fails. */

/**
 * What the engine said went wrong, without the progress display the Automation API puts in its error (the command
 * line, every step, the summary): its "Diagnostics:" section, else the last lines.
 */
export function engineDiagnostics(message: string): string {
  const diagnostics = /\nDiagnostics:\n([\s\S]*?)(?:\n\S[^\n]*:\n|$)/.exec(message)?.[1];
  const text = diagnostics ?? message.trim().split("\n").slice(-8).join("\n");
  return text.trimEnd();
}

/**
 * Who holds the stack's lock, from the engine's "the stack is currently locked by N lock(s)" error, whose lines name
 * each lock file and its maker: "<url>/.pulumi/locks/…/<id>.json: created by user@host (pid N) at TIME".
 */
export function lockHolder(message: string): { holder: string; file: string } | undefined {
  if (!/the stack is currently locked by \d+ lock/.test(message)) return undefined;
  // The file's URL carries the backend's query string (endpoint, region…) after ".json"; the lock is the path.
  const lock = /(\S+?\.json)\S*?:?\s+created by (\S+) \(pid (\d+)\) at ([^\n]+)/.exec(message);
  if (!lock)
    return {
      holder: "another operation",
      file: /\S*\.pulumi\/locks\/\S*/.exec(message)?.[0] ?? message.trim().split("\n").slice(-3).join(" "),
    };
  return { holder: `${lock[2]} (pid ${lock[3]}, since ${lock[4].trim()})`, file: lock[1] };
}
