/**
 * A one-line progress indicator on stderr, redrawn in place. Only on an interactive terminal and never with --json:
 * piped or logged stderr gets nothing (no carriage-return noise in CI logs).
 */
export interface Progress {
  update(text: string): void;
  /** Erases the line; safe to call twice. */
  done(): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export const SILENT_PROGRESS: Progress = { update() {}, done() {} };

export function createProgress(stream: NodeJS.WritableStream, enabled: boolean, intervalMs = 100): Progress {
  if (!enabled) return SILENT_PROGRESS;
  let text = "";
  let frame = 0;
  let active = true;
  const draw = () => {
    if (active) stream.write(`\r\x1b[K${FRAMES[frame++ % FRAMES.length]} ${text}`);
  };
  const timer = setInterval(draw, intervalMs);
  timer.unref();
  return {
    update(next) {
      text = next;
      draw();
    },
    done() {
      if (!active) return;
      active = false;
      clearInterval(timer);
      stream.write("\r\x1b[K");
    },
  };
}
