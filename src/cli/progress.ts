/**
 * Progress on stderr, never on stdout. Two renderings of one interface: a spinner line redrawn in place (only on an
 * interactive terminal), and a step log (one line per step with the elapsed time) for commands that run for minutes
 * and change things (`save`, `ami copy`), where a record of what was done matters, on a terminal or in a CI log.
 */
export interface Progress {
  update(text: string): void;
  /** Erases the line; safe to call twice. */
  done(): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

const SILENT_PROGRESS: Progress = { update() {}, done() {} };

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

/** "[  12s] stop instance i-…": one line per distinct step, with the seconds since the command started. */
export function createStepLog(stream: NodeJS.WritableStream, enabled: boolean, now: () => number = Date.now): Progress {
  if (!enabled) return SILENT_PROGRESS;
  const started = now();
  let last = "";
  return {
    update(step) {
      if (step === last) return;
      last = step;
      const seconds = Math.round((now() - started) / 1000);
      stream.write(`[${String(seconds).padStart(4)}s] ${step}\n`);
    },
    done() {},
  };
}
