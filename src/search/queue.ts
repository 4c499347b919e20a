// Trials on a BullMQ queue in Redis, for searches beyond one machine: the search enqueues (RedisQueueExecutor),
// `nasfpn worker --queue redis://HOST:PORT` processes (runQueueWorker) wherever it runs.
//
// - Job ids are the architecture hash plus a digest of the reward and space, so adding a trial twice (after a
//   resume, or a Redis restart) finds the existing job and its stored result instead of running it again.
// - Attempts with exponential backoff retry a worker's own failures; an architecture's failure (a TrialFailure,
//   a non-finite reward) comes back as a completed job with the error and is not retried.
// - A killed worker's job stalls: its lock expires and a live worker's stalled-job check puts it back.
// - The search polls its jobs' states rather than listening to events, so nothing is missed while Redis is
//   down: it reports `search.paused` and carries on when Redis is back (with persistence on, jobs survive).
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Executor, ExecutorEvents } from './executor.js';
import { describeReward } from './reward.js';
import { runTrial, type TrialJob, type TrialOutcome } from './trial-runner.js';
import { withTimeout } from './with-timeout.js';
import { sleep } from '../util/sleep.js';

/** How often the search looks at its jobs and the worker list. */
const POLL_MS = 250;
/** A poll that takes longer than this means Redis is unreachable. */
const POLL_TIMEOUT_MS = 3000;
/** Attempts per trial and the first backoff delay (doubling after each failure). */
const ATTEMPTS = 3;
const BACKOFF_MS = 1000;
/** Progress updates a worker sends at most this often (each is a Redis write). */
const PROGRESS_INTERVAL_MS = 200;

/** What a worker writes as the job's progress: who runs it, since when, how far. */
interface JobProgress {
  worker: string;
  attempt: number;
  startedAt: number;
  fraction: number;
  metrics: Record<string, number>;
}

function jobId(job: TrialJob): string {
  const digest = createHash('sha256').update(describeReward(job.reward)).update(JSON.stringify(job.space)).digest('hex').slice(0, 12);
  return `${job.hash.slice(0, 40)}.${digest}`;
}

interface Tracked {
  job: TrialJob;
  startKey: string | null;
  fraction: number;
  stallReported: string | null;
  attemptsSeen: number;
}

export interface QueueOptions {
  url: string;
  queueName: string;
  /** Trials the search keeps on the queue at once. */
  capacity: number;
}

export class RedisQueueExecutor implements Executor {
  readonly capacity: number;
  private events: ExecutorEvents | null = null;
  private queue: import('bullmq').Queue | null = null;
  private connection: import('ioredis').Redis | null = null;
  private readonly tracked = new Map<string, Tracked>();
  private workers = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private pausedFor: string | null = null;
  /** Paused because no worker is connected while trials wait. */
  private idle = false;

  constructor(private readonly options: QueueOptions) {
    this.capacity = options.capacity;
  }

  async start(events: ExecutorEvents): Promise<void> {
    this.events = events;
    const [{ Queue }, { Redis }] = await Promise.all([import('bullmq'), import('ioredis')]);
    // Fail fast instead of queueing commands while Redis is down: the poll reports the pause and tries again.
    this.connection = new Redis(this.options.url, { maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(100 * n, 1000) });
    this.connection.on('error', () => {}); // reported through the polls
    this.queue = new Queue(this.options.queueName, { connection: this.connection });
    this.queue.on('error', () => {});
    await this.poll();
    this.timer = setInterval(() => void this.poll(), POLL_MS);
  }

  submit(job: TrialJob): void {
    this.tracked.set(jobId(job), { job, startKey: null, fraction: -1, stallReported: null, attemptsSeen: 0 });
    void this.poll();
  }

  private async poll(): Promise<void> {
    if (this.polling || !this.queue) return;
    this.polling = true;
    try {
      await withTimeout(this.pollOnce(), POLL_TIMEOUT_MS, 'poll');
      if (this.pausedFor !== null) {
        this.pausedFor = null;
        this.events!.resumed();
      }
    } catch (error) {
      const reason = `the queue's Redis at ${this.options.url} is unreachable (${(error as Error).message})`;
      if (this.pausedFor === null) {
        this.pausedFor = reason;
        this.events!.paused(reason);
      }
    } finally {
      this.polling = false;
    }
  }

  private async pollOnce(): Promise<void> {
    const queue = this.queue!;
    const events = this.events!;
    for (const [id, t] of [...this.tracked]) {
      // The state first, then the job: a job read after its state is at least as new (a job read before could
      // be 'completed' without its return value yet).
      let state = await queue.getJobState(id);
      let job = state === 'unknown' ? undefined : await queue.getJob(id);
      if (!job) {
        // New, or lost with a Redis that kept no data: (re-)add it. An existing id is left as it is.
        job = await queue.add('trial', t.job, {
          jobId: id, attempts: ATTEMPTS, backoff: { type: 'exponential', delay: BACKOFF_MS }, removeOnComplete: false, removeOnFail: false,
        });
        state = await job.getState();
      }
      const progress = typeof job.progress === 'object' && job.progress !== null ? (job.progress as unknown as JobProgress) : null;
      if (progress?.worker) {
        const key = `${progress.worker}#${progress.startedAt}`;
        if (key !== t.startKey && state !== 'completed') {
          t.startKey = key;
          t.fraction = -1;
          events.started(t.job.id, progress.worker, progress.attempt);
        }
        if (progress.fraction !== t.fraction && progress.fraction > 0 && state === 'active') {
          t.fraction = progress.fraction;
          events.progress(t.job.id, progress.worker, progress.fraction, progress.metrics);
        }
      }
      if (state === 'completed') {
        if (!job.returnvalue) continue; // written just after the state: read it on the next poll
        this.tracked.delete(id);
        events.done(t.job.id, progress?.worker ?? null, job.returnvalue as TrialOutcome);
      } else if (state === 'failed') {
        this.tracked.delete(id);
        events.done(t.job.id, progress?.worker ?? null, { ok: false, error: job.failedReason ?? 'failed', retry: false, seconds: 0 });
      } else if (job.attemptsMade > t.attemptsSeen) {
        t.attemptsSeen = job.attemptsMade;
        events.retrying(t.job.id, progress?.worker ?? null, job.failedReason ?? 'the attempt failed');
      } else if ((state === 'waiting' || state === 'prioritized') && progress?.worker && t.stallReported !== t.startKey) {
        // Started, then back in the queue without a failed attempt: the worker's lock expired (it died or hung).
        t.stallReported = t.startKey;
        events.retrying(t.job.id, progress.worker, `worker ${progress.worker} stopped responding; the trial is queued again`);
      }
    }
    const clients = await queue.getWorkers();
    const now = new Set(clients.flatMap((c) => {
      const raw = (c as { rawname?: string }).rawname ?? '';
      const at = raw.indexOf(':w:');
      return at >= 0 ? [raw.slice(at + 3)] : [];
    }));
    for (const w of now) {
      if (!this.workers.has(w)) {
        const [host, pid] = splitWorkerName(w);
        events.workerJoined(w, host, pid, null);
      }
    }
    for (const w of this.workers) if (!now.has(w)) events.workerLeft(w, 'exited');
    this.workers = now;
    if (now.size === 0 && this.tracked.size > 0 && !this.idle) {
      this.idle = true;
      events.paused(`no \`nasfpn worker --queue ${this.options.url}\` is connected: trials wait on the queue`);
    } else if (now.size > 0 && this.idle) {
      this.idle = false;
      events.resumed();
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    while (this.polling) await sleep(20);
    await this.queue?.close().catch(() => {});
    this.connection?.disconnect();
  }
}

const splitWorkerName = (name: string): [string, number] => {
  const at = name.lastIndexOf(':');
  return at > 0 ? [name.slice(0, at), Number(name.slice(at + 1)) || 0] : [name, 0];
};

// ---------------------------------------------------------------------------------------------------
// The worker side

export interface QueueWorkerOptions {
  url: string;
  queueName: string;
  /** Trials at once in this process. */
  concurrency: number;
  /** How long a job's lock lasts without renewal: a dead worker's trial is taken again after about this. */
  lockMs: number;
  signal: AbortSignal;
  /** Lines for the user (stderr). */
  log(line: string): void;
}

export async function runQueueWorker(options: QueueWorkerOptions): Promise<void> {
  const [{ Worker }, { Redis }] = await Promise.all([import('bullmq'), import('ioredis')]);
  const name = `${hostname()}:${process.pid}`;
  // A bullmq Worker needs maxRetriesPerRequest: null (it blocks waiting for jobs and reconnects on its own).
  const connection = new Redis(options.url, { maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(100 * n, 2000) });
  let down = false;
  connection.on('error', (error) => {
    if (!down) options.log(`nasfpn worker: Redis at ${options.url} unreachable (${error.message}); retrying`);
    down = true;
  });
  connection.on('ready', () => {
    if (down) options.log(`nasfpn worker: Redis at ${options.url} is back`);
    down = false;
  });
  const abort = new AbortController();
  const worker = new Worker<TrialJob, TrialOutcome>(options.queueName, async (job) => {
    const base: JobProgress = { worker: name, attempt: job.attemptsMade + 1, startedAt: Date.now(), fraction: 0, metrics: {} };
    await job.updateProgress(base as unknown as object);
    let last = 0;
    const outcome = await runTrial(job.data, (fraction, metrics) => {
      const t = Date.now();
      if (t - last < PROGRESS_INTERVAL_MS && fraction < 1) return;
      last = t;
      job.updateProgress({ ...base, fraction, metrics } as unknown as object).catch(() => {});
    }, abort.signal);
    if (!outcome.ok && outcome.retry) throw new Error(outcome.error); // BullMQ retries it with backoff
    return outcome;
  }, {
    connection, concurrency: options.concurrency, name,
    lockDuration: options.lockMs, stalledInterval: Math.max(500, Math.floor(options.lockMs / 2)), maxStalledCount: ATTEMPTS,
  });
  worker.on('error', () => {}); // connection trouble: logged above, BullMQ reconnects
  options.log(`nasfpn worker ${name}: taking trials from ${options.url} (queue ${options.queueName})`);
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  abort.abort(new Error('the worker stopped'));
  await worker.close(true).catch(() => {});
  connection.disconnect();
}
