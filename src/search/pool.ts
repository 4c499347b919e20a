// The local worker pool: N child processes (`nasfpn worker --ipc`), each running one trial at a time with its
// own TF.js backend. A worker that dies mid-trial is replaced and its trial runs again (up to a limit, so an
// architecture that crashes every worker fails instead of looping).
import { fork, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { assertNever } from '../util/assert-never.js';
import type { Executor, ExecutorEvents } from './executor.js';
import type { TrialJob, TrialOutcome } from './trial-runner.js';

/** Messages from the search to a worker. */
export type ToWorker = { type: 'run'; job: TrialJob } | { type: 'stop' };
/** Messages from a worker to the search. */
export type FromWorker =
  | { type: 'ready'; pid: number; backend: string | null }
  | { type: 'progress'; id: number; fraction: number; metrics: Record<string, number> }
  | { type: 'done'; id: number; outcome: TrialOutcome };

/** Starts of a trial after which a crashing trial is failed rather than run again. */
const MAX_ATTEMPTS = 3;

export interface WorkerCommand {
  /** The module to fork (the nasfpn CLI) and its arguments (`worker --ipc`). */
  module: string;
  args: string[];
}

interface Slot {
  name: string;
  child: ChildProcess | null;
  job: TrialJob | null;
  ready: boolean;
}

export class LocalPool implements Executor {
  private events: ExecutorEvents | null = null;
  private readonly slots: Slot[];
  private readonly queue: TrialJob[] = [];
  private readonly attempts = new Map<number, number>();
  private closing = false;

  constructor(readonly capacity: number, private readonly command: WorkerCommand) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('a local pool needs at least one worker');
    this.slots = Array.from({ length: capacity }, (_, i) => ({ name: `local-${i + 1}`, child: null, job: null, ready: false }));
  }

  async start(events: ExecutorEvents): Promise<void> {
    this.events = events;
    await Promise.all(this.slots.map((slot) => this.spawn(slot)));
  }

  private spawn(slot: Slot): Promise<void> {
    return new Promise((resolve) => {
      const child = fork(this.command.module, this.command.args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      slot.child = child;
      slot.ready = false;
      child.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'ready':
            slot.ready = true;
            this.events!.workerJoined(slot.name, hostname(), message.pid, message.backend);
            resolve();
            this.feed(slot);
            break;
          case 'progress':
            if (slot.job?.id === message.id) this.events!.progress(message.id, slot.name, message.fraction, message.metrics);
            break;
          case 'done':
            if (slot.job?.id === message.id) {
              const job = slot.job;
              slot.job = null;
              this.finish(job, slot.name, message.outcome);
              this.feed(slot);
            }
            break;
          default:
            assertNever(message, 'worker message');
        }
      });
      // A send to a worker that has just died fails asynchronously with an 'error' event; unhandled, that would
      // end the search. The 'exit' handler below re-queues the worker's trial, so the error itself is dropped.
      child.on('error', () => {});
      child.on('exit', (code, signal) => {
        if (slot.child !== child) return;
        slot.child = null;
        slot.ready = false;
        resolve();
        if (this.closing) return;
        this.events!.workerLeft(slot.name, 'crashed');
        const job = slot.job;
        slot.job = null;
        if (job) {
          const why = `worker ${slot.name} died (${signal ?? `exit code ${code}`}) while running the trial`;
          if ((this.attempts.get(job.id) ?? 0) >= MAX_ATTEMPTS) {
            this.events!.done(job.id, slot.name, { ok: false, error: `${why}, ${MAX_ATTEMPTS} times`, retry: false, seconds: 0 });
          } else {
            this.events!.retrying(job.id, slot.name, why);
            this.queue.unshift(job);
          }
        }
        void this.spawn(slot);
      });
    });
  }

  private finish(job: TrialJob, worker: string, outcome: TrialOutcome): void {
    // An error worth a retry in a queue (a worker's own trouble) gets a few more tries here too.
    if (!outcome.ok && outcome.retry && (this.attempts.get(job.id) ?? 0) < MAX_ATTEMPTS) {
      this.events!.retrying(job.id, worker, outcome.error);
      this.queue.unshift(job);
      return;
    }
    this.events!.done(job.id, worker, outcome.ok ? outcome : { ...outcome, retry: false });
  }

  submit(job: TrialJob): void {
    this.queue.push(job);
    for (const slot of this.slots) this.feed(slot);
  }

  private feed(slot: Slot): void {
    if (this.closing || !slot.ready || slot.job || !slot.child) return;
    const job = this.queue.shift();
    if (!job) return;
    slot.job = job;
    const attempt = (this.attempts.get(job.id) ?? 0) + 1;
    this.attempts.set(job.id, attempt);
    this.events!.started(job.id, slot.name, attempt);
    slot.child.send({ type: 'run', job } satisfies ToWorker);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((slot) => new Promise<void>((resolve) => {
      const child = slot.child;
      if (!child) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL'); // running trials are abandoned; the run directory re-queues them on resume
      this.events?.workerLeft(slot.name, 'stopped');
    })));
  }
}
