import { randomUUID } from "node:crypto";
import { ApiError, errorBody, toApiError, type ApiErrorBody } from "./errors";

export type JobKind = "create" | "copy-region" | "share" | "launch" | "destroy";
export type JobStatus = "running" | "succeeded" | "failed" | "cancelled";

/** What `GET /api/v1/jobs/{id}` returns. Times are ISO strings; elapsed times are milliseconds since the start. */
export interface JobView {
  id: string;
  kind: JobKind;
  status: JobStatus;
  /** e.g. "capture i-0abc in us-east-1 as my-env". */
  description: string;
  startedAt: string;
  finishedAt?: string;
  elapsedMs: number;
  steps: { step: string; elapsedMs: number }[];
  result?: unknown;
  error?: ApiErrorBody["error"];
}

interface Job {
  view: JobView;
  client: string;
  started: number;
  /** Exclusive resource, e.g. "instance:us-east-1:i-…": two jobs on the same instance are a 409. */
  lock?: string;
  controller: AbortController;
  done: Promise<void>;
}

/** What a job's body gets: a signal to stop at the next safe point, and a way to report steps. */
export interface JobControl {
  signal: AbortSignal;
  step(step: string): void;
}

export interface JobManagerOptions {
  /** Long jobs running at once per client (remote address); one more is a 429. */
  maxRunningPerClient: number;
  /** Finished jobs kept for GET, oldest dropped first. */
  maxFinished?: number;
  now?: () => number;
}

/**
 * Long operations run as jobs: started at once, watched through GET /api/v1/jobs/{id}, cancelled through their
 * AbortSignal. Cancelling is cooperative: the imaging engine stops at its next step and runs its compensation
 * (an unfinished image deregistered, a stopped instance started again) before the job settles as cancelled.
 */
export class JobManager {
  private readonly jobs = new Map<string, Job>();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: JobManagerOptions) {
    this.now = options.now ?? Date.now;
  }

  start(
    kind: JobKind,
    client: string,
    description: string,
    body: (control: JobControl) => Promise<unknown>,
    lock?: string,
  ): JobView {
    if (this.closed) throw new ApiError(503, "shutting_down", "the server is shutting down; no new jobs are started");
    const running = [...this.jobs.values()].filter((j) => j.view.status === "running");
    if (lock && running.some((j) => j.lock === lock))
      throw new ApiError(409, "job_conflict", `another running job already works on ${lock.split(":").pop()}`, {
        jobs: running.filter((j) => j.lock === lock).map((j) => j.view.id),
      });
    const mine = running.filter((j) => j.client === client).length;
    if (mine >= this.options.maxRunningPerClient)
      throw new ApiError(
        429,
        "too_many_jobs",
        `${mine} jobs of this client are still running (limit ${this.options.maxRunningPerClient}); wait for one to finish`,
        { running: running.filter((j) => j.client === client).map((j) => j.view.id) },
        { "retry-after": "10" },
      );
    const started = this.now();
    const controller = new AbortController();
    const view: JobView = {
      id: randomUUID(),
      kind,
      status: "running",
      description,
      startedAt: new Date(started).toISOString(),
      elapsedMs: 0,
      steps: [],
    };
    const job: Job = { view, client, started, lock, controller, done: Promise.resolve() };
    const control: JobControl = {
      signal: controller.signal,
      step: (step) => {
        const last = view.steps[view.steps.length - 1];
        if (last?.step !== step) view.steps.push({ step, elapsedMs: this.now() - started });
      },
    };
    job.done = body(control).then(
      (result) => this.finish(job, "succeeded", { result }),
      (error: unknown) =>
        this.finish(job, controller.signal.aborted ? "cancelled" : "failed", {
          error: errorBody(toApiError(error)).error,
        }),
    );
    this.jobs.set(view.id, job);
    return this.snapshot(job);
  }

  get(id: string): JobView {
    const job = this.jobs.get(id);
    if (!job) throw new ApiError(404, "job_not_found", `no job ${id} (jobs are kept in memory until the server stops)`);
    return this.snapshot(job);
  }

  list(): JobView[] {
    return [...this.jobs.values()].map((job) => this.snapshot(job));
  }

  /** Asks a running job to stop; it settles once its compensation ran. 409 when it already finished. */
  cancel(id: string): JobView {
    const job = this.jobs.get(id);
    if (!job) throw new ApiError(404, "job_not_found", `no job ${id}`);
    if (job.view.status !== "running")
      throw new ApiError(409, "job_finished", `job ${id} already ${job.view.status}; nothing to cancel`);
    job.controller.abort();
    return this.snapshot(job);
  }

  /** Refuses new jobs, cancels the running ones and waits until every one has undone its work. */
  async shutdown(): Promise<void> {
    this.closed = true;
    const running = [...this.jobs.values()].filter((j) => j.view.status === "running");
    for (const job of running) job.controller.abort();
    await Promise.all(running.map((j) => j.done));
  }

  private finish(job: Job, status: JobStatus, outcome: { result?: unknown; error?: JobView["error"] }): void {
    const finished = this.now();
    Object.assign(job.view, outcome, {
      status,
      finishedAt: new Date(finished).toISOString(),
      elapsedMs: finished - job.started,
    });
    const max = this.options.maxFinished ?? 1000;
    const finishedJobs = [...this.jobs.values()].filter((j) => j.view.status !== "running");
    for (const old of finishedJobs.slice(0, Math.max(0, finishedJobs.length - max))) this.jobs.delete(old.view.id);
  }

  private snapshot(job: Job): JobView {
    const view = structuredClone(job.view);
    if (view.status === "running") view.elapsedMs = this.now() - job.started;
    return view;
  }
}
