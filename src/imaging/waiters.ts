/**
 * Bounded polling for the imaging engine. Sleep and clock are injectable so tests never wait real time, and every
 * wait reports progress through `onProgress(step, elapsedMs)` (the CLI prints it; resources ignore it).
 */

export type ProgressCallback = (step: string, elapsedMs: number) => void;

export interface WaitOptions {
  /** Defaults to a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds since some epoch; defaults to Date.now. */
  now?: () => number;
  /** Delay between polls; default 15 s (AWS's own image waiters poll every 15 s). */
  intervalMs?: number;
  /** Give up after this long; every wait is bounded. */
  timeoutMs?: number;
  onProgress?: ProgressCallback;
  /** Aborting stops the wait before its next poll (a Ctrl-C in `cws save`); the caller then undoes its work. */
  signal?: AbortSignal;
}

export const DEFAULT_POLL_INTERVAL_MS = 15_000;

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What one poll found: finished (with a value), failed for good (with a reason), or not yet. */
export type PollOutcome<T> = { done: true; value: T } | { done: false; failed?: string; state?: string };

export class WaitTimeoutError extends Error {
  constructor(
    readonly step: string,
    readonly timeoutMs: number,
    readonly lastState?: string,
  ) {
    super(
      `${step}: still not done after ${Math.round(timeoutMs / 1000)} s` +
        (lastState ? ` (last state: ${lastState})` : "") +
        "; raise the timeout if the service is just slow",
    );
    this.name = "WaitTimeoutError";
  }
}

/** The caller's signal was aborted (e.g. the user pressed Ctrl-C): stop here and let the caller undo its work. */
export class InterruptedError extends Error {
  constructor(readonly step: string) {
    super(`${step}: interrupted`);
    this.name = "InterruptedError";
  }
}

/** Throws InterruptedError when the signal has been aborted. Call between steps that change anything. */
export function throwIfInterrupted(signal: AbortSignal | undefined, step: string): void {
  if (signal?.aborted) throw new InterruptedError(step);
}

export class WaitFailedError extends Error {
  constructor(
    readonly step: string,
    readonly reason: string,
  ) {
    super(`${step}: ${reason}`);
    this.name = "WaitFailedError";
  }
}

/** Polls until `poll` says done or failed, or the timeout passes. The first poll happens at once. */
export async function waitFor<T>(
  step: string,
  poll: () => Promise<PollOutcome<T>>,
  options: WaitOptions & { timeoutMs: number },
): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const started = now();
  let lastState: string | undefined;
  for (;;) {
    throwIfInterrupted(options.signal, step);
    const outcome = await poll();
    if (outcome.done) return outcome.value;
    if (outcome.failed) throw new WaitFailedError(step, outcome.failed);
    lastState = outcome.state ?? lastState;
    const elapsed = now() - started;
    options.onProgress?.(step, elapsed);
    if (elapsed + interval > options.timeoutMs) throw new WaitTimeoutError(step, options.timeoutMs, lastState);
    await sleep(interval);
  }
}
