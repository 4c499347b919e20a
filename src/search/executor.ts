// Where trials run. The search hands each trial to an Executor and hears back through ExecutorEvents; the
// executors are the search process itself (`--workers 0`), a pool of local worker processes
// (src/search/pool.ts), and a BullMQ queue on Redis with `nasfpn worker`s anywhere (src/search/queue.ts).
import { hostname } from 'node:os';
import type { TrialJob, TrialOutcome } from './trial-runner.js';
import { runTrial } from './trial-runner.js';

export interface ExecutorEvents {
  started(id: number, worker: string, attempt: number): void;
  progress(id: number, worker: string, fraction: number, metrics: Record<string, number>): void;
  /** The trial is done for good: a reward, or a final failure. */
  done(id: number, worker: string | null, outcome: TrialOutcome): void;
  /** An attempt failed and the trial runs again (a worker crashed or stalled, an error worth a retry). */
  retrying(id: number, worker: string | null, error: string): void;
  workerJoined(worker: string, host: string, pid: number, backend: string | null): void;
  workerLeft(worker: string, reason: 'exited' | 'crashed' | 'stopped' | 'timeout'): void;
  paused(reason: string): void;
  resumed(): void;
}

export interface Executor {
  /** How many trials the search keeps in flight. */
  readonly capacity: number;
  start(events: ExecutorEvents): Promise<void>;
  submit(job: TrialJob): void;
  /** Stops taking trials; running ones are abandoned (the run directory keeps them as running, to re-queue). */
  close(): Promise<void>;
}

/** `--workers 0`: trials run one at a time inside the search process. */
export class InProcessExecutor implements Executor {
  readonly capacity = 1;
  private events: ExecutorEvents | null = null;
  private readonly abort = new AbortController();
  private readonly worker = `${hostname()}:${process.pid}`;

  async start(events: ExecutorEvents): Promise<void> {
    this.events = events;
    events.workerJoined(this.worker, hostname(), process.pid, null);
  }

  submit(job: TrialJob): void {
    const events = this.events!;
    queueMicrotask(async () => {
      events.started(job.id, this.worker, 1);
      const outcome = await runTrial(job, (f, m) => events.progress(job.id, this.worker, f, m), this.abort.signal);
      if (this.abort.signal.aborted) return;
      // No other worker to retry on: every failure here is final.
      events.done(job.id, this.worker, outcome.ok ? outcome : { ...outcome, retry: false });
    });
  }

  async close(): Promise<void> {
    this.abort.abort(new Error('the search stopped'));
    this.events?.workerLeft(this.worker, 'stopped');
  }
}
