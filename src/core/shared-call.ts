/**
 * The concurrency primitives of the image cache: one call shared by many waiters, and a bound on calls in flight.
 * Internal. Exported for testing.
 */

/**
 * One underlying call awaited by several callers. Each caller may give up (its own signal aborts) without
 * disturbing the others; the SDK call itself is aborted only when every caller has given up.
 */
export class SharedCall<T> {
  private readonly controller = new AbortController();
  private waiting = 0;
  private settled?: Promise<T>;
  private resolveStarted!: (promise: Promise<T>) => void;
  private readonly started = new Promise<Promise<T>>((resolve) => (this.resolveStarted = resolve));

  /** True once every caller gave up and the underlying call was aborted. */
  get abandoned(): boolean {
    return this.controller.signal.aborted;
  }

  start(run: (abort: AbortSignal) => Promise<T>): void {
    this.settled = run(this.controller.signal);
    this.settled.catch(() => undefined);
    this.resolveStarted(this.settled);
  }

  wait(signal?: AbortSignal): Promise<T> {
    this.waiting++;
    const result = this.started.then((settled) => settled);
    if (!signal) return result;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        if (--this.waiting === 0) this.controller.abort(signal.reason);
        reject(abortError(signal));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      result.then(
        (value) => {
          signal.removeEventListener("abort", onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      );
    });
  }
}

/** At most `limit` tasks run at once; the rest queue in order. Internal. Exported for testing. */
export class Semaphore {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("the lookup was aborted");
}
