// Pausing a search from its terminal UI (`p`): an Executor wrapper that holds trials instead of starting
// them while paused. The search loop keeps running (finished trials are recorded, the strategy learns), it
// only sees no capacity free up: at most `capacity` proposals wait, queued, and start on resume. Stopping
// while paused leaves them `queued` in the run directory, so --resume queues them again.
import type { Executor, ExecutorEvents } from './executor.js';
import type { TrialJob } from './trial-runner.js';

export class PausableExecutor implements Executor {
  private held: TrialJob[] = [];
  private paused = false;

  constructor(private readonly inner: Executor) {}

  get capacity(): number {
    return this.inner.capacity;
  }

  start(events: ExecutorEvents): Promise<void> {
    return this.inner.start(events);
  }

  submit(job: TrialJob): void {
    if (this.paused) this.held.push(job);
    else this.inner.submit(job);
  }

  /** No trial starts from now on; running ones finish. */
  pause(): void {
    this.paused = true;
  }

  /** Trials start again, the held ones first. */
  resume(): void {
    this.paused = false;
    for (const job of this.held.splice(0)) this.inner.submit(job);
  }

  close(): Promise<void> {
    this.held = [];
    return this.inner.close();
  }
}
