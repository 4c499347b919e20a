// A search's events in Redis, so that `nasfpn search watch redis://HOST:PORT` can follow a search that another
// machine coordinates: a search on a queue (`nasfpn search --queue URL`) appends every event to a Redis stream
// (XADD) beside its BullMQ queue, and a watcher replays the stream from its start and then follows it (XREAD).
//
// Keys, for queue name Q (BullMQ's own keys are `bull:Q:…`):
//   nasfpn:Q:latest            the id of the run that started (or resumed) last on the queue
//   nasfpn:Q:run:ID:events     that run's events, one stream entry each, with the fields
//       event   the event as `nasfpn search` prints it (JSON);
//       trial   on trial.queued, .finished and .failed: the trial's record as it is then (its .fpn, its reward),
//               so a watcher can draw and export architectures;
//       config  on search.started: the run's config.json (its search space text).
// A run keeps its id (and stream) across --resume, so a watcher of a resumed run sees its whole history.
//
// - Order and gaps: events are published in the order the search emits them, from a local backlog. While Redis
//   is unreachable the backlog grows and the search carries on (it pauses on its own for the queue); when Redis
//   is back the backlog goes out in order. Entry ids are chosen here, increasing, so a batch re-sent after a lost
//   reply is recognised (Redis refuses an id not above the stream's last) instead of being added twice.
// - Size: trial.progress events are thinned to one per trial per PROGRESS_PUBLISH_MS of event time (the run
//   directory keeps them all); every other event is kept. Nothing expires: delete a run's keys when done.
import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { parseEventLine, type SearchEvent } from './events.js';
import type { RunConfig, TrialRecord } from './records.js';
import { sleep } from '../util/sleep.js';
import { withTimeout } from './with-timeout.js';

/** At most one trial.progress event per trial per this many ms (of event time) goes to the stream. */
export const PROGRESS_PUBLISH_MS = 1000;
/** Entries per XADD batch and per XREAD. */
const BATCH = 500;
/** How long a publish or a read may take before Redis counts as unreachable. */
const COMMAND_TIMEOUT_MS = 3000;
/** Retry delay of the publisher's backlog while Redis is unreachable. */
const RETRY_MS = 500;
/** A watcher's blocking read: how long one XREAD waits for new entries. */
const FOLLOW_BLOCK_MS = 1000;
/** A watcher waiting for a search to start on the queue looks this often. */
const WAIT_POLL_MS = 250;

export const latestKey = (queueName: string): string => `nasfpn:${queueName}:latest`;
export const eventsKey = (queueName: string, runId: string): string => `nasfpn:${queueName}:run:${runId}:events`;

/**
 * A run's id on the queue: its directory's name and a digest of its config's creation time and space, the same
 * after --resume from any directory or machine.
 */
export function runIdOf(runDir: string, config: RunConfig): string {
  const digest = createHash('sha256').update(`${config.createdAt}\n${config.space}\n${config.seed}`).digest('hex').slice(0, 10);
  return `${basename(resolve(runDir))}.${digest}`;
}

/** Redis cannot be reached, or answers something that is not a search's event stream. */
export class EventStreamError extends Error {}

async function connect(url: string, blocking: boolean): Promise<Redis> {
  const { Redis } = await import('ioredis');
  // Fail fast (one retry per command) instead of queueing commands while Redis is down; reconnect on its own.
  const redis = new Redis(url, {
    maxRetriesPerRequest: blocking ? null : 1, retryStrategy: (n) => Math.min(100 * n, 1000), lazyConnect: true,
    connectTimeout: COMMAND_TIMEOUT_MS,
  });
  redis.on('error', () => {}); // surfaced by the commands that fail
  return redis;
}

// ---------------------------------------------------------------------------------------------------
// The search's side

export interface PublisherOptions {
  url: string;
  queueName: string;
  runId: string;
  config: RunConfig;
  /** The trial's record as the run directory holds it (read when its trial.queued, .finished or .failed event is published). */
  trialRecord: (id: number) => TrialRecord | null;
}

/** Appends a search's events to its run's stream; `listener` is a SearchListener. */
export class RedisEventPublisher {
  private redis: Redis | null = null;
  private readonly key: string;
  /** Entries not yet acknowledged by Redis, oldest first: [id, field, value, …]. */
  private readonly backlog: string[][] = [];
  private announced = false;
  private lastMs = 0;
  private lastSeq = -1;
  private flushing: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly lastProgress = new Map<number, number>();
  private closed = false;

  constructor(private readonly options: PublisherOptions) {
    this.key = eventsKey(options.queueName, options.runId);
  }

  /** Connects (without waiting for Redis: a Redis that is down only delays the events). */
  async start(): Promise<void> {
    this.redis = await connect(this.options.url, false);
    this.redis.connect().catch(() => {});
  }

  readonly listener = (event: SearchEvent): void => {
    if (this.closed || !this.keep(event)) return;
    const fields = ['event', JSON.stringify(event)];
    if (event.type === 'trial.queued' || event.type === 'trial.finished' || event.type === 'trial.failed') {
      const record = this.options.trialRecord(event.trial);
      if (record) fields.push('trial', JSON.stringify(record));
    } else if (event.type === 'search.started') {
      fields.push('config', JSON.stringify(this.options.config));
    }
    this.backlog.push(fields);
    void this.flush();
  };

  /** Publishes what is left (waiting up to `timeoutMs` for an unreachable Redis), then disconnects. */
  async close(timeoutMs = COMMAND_TIMEOUT_MS): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + timeoutMs;
    while (this.backlog.length && Date.now() < deadline) {
      await this.flush();
      if (this.backlog.length) await sleep(Math.min(RETRY_MS, Math.max(0, deadline - Date.now())));
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.flushing;
    this.redis?.disconnect();
  }

  /** Events not yet in Redis. */
  get pending(): number {
    return this.backlog.length;
  }

  private keep(event: SearchEvent): boolean {
    if (event.type !== 'trial.progress') return true;
    const at = Date.parse(event.time);
    const last = this.lastProgress.get(event.trial);
    if (last !== undefined && at - last < PROGRESS_PUBLISH_MS && event.fraction < 1) return false;
    this.lastProgress.set(event.trial, at);
    return true;
  }

  private flush(): Promise<void> {
    this.flushing ??= this.send().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async send(): Promise<void> {
    const redis = this.redis;
    if (!redis) return;
    try {
      if (!this.announced) {
        // Ids continue above the stream's last entry (a resumed run, perhaps on a machine whose clock is behind).
        const top = await withTimeout(redis.xrevrange(this.key, '+', '-', 'COUNT', 1), COMMAND_TIMEOUT_MS, 'XREVRANGE');
        if (top.length) [this.lastMs, this.lastSeq] = top[0][0].split('-').map(Number) as [number, number];
        await withTimeout(redis.set(latestKey(this.options.queueName), this.options.runId), COMMAND_TIMEOUT_MS, 'SET');
        this.announced = true;
      }
      while (this.backlog.length) {
        const batch = this.backlog.slice(0, BATCH);
        const pipeline = redis.pipeline();
        for (const entry of batch) {
          if (entry.length % 2 === 0) entry.unshift(this.nextId()); // an id once, kept across retries
          pipeline.xadd(this.key, ...(entry as [string, ...string[]]));
        }
        const results = (await withTimeout(pipeline.exec(), COMMAND_TIMEOUT_MS, 'XADD')) ?? [];
        let written = 0;
        for (const [error] of results) {
          // "equal or smaller than the target stream top item": written by an earlier try whose reply was lost.
          if (error && !/equal or smaller/i.test(error.message)) break;
          written++;
        }
        this.backlog.splice(0, written);
        if (written < batch.length) throw new Error('an XADD failed');
      }
    } catch {
      if (!this.retryTimer && !this.closed) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          void this.flush();
        }, RETRY_MS);
      }
    }
  }

  private nextId(): string {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.lastSeq = 0;
    } else {
      this.lastSeq++;
    }
    return `${this.lastMs}-${this.lastSeq}`;
  }
}

// ---------------------------------------------------------------------------------------------------
// The watcher's side

/** Resolves when Redis at `url` answers PING; throws EventStreamError naming the URL otherwise. */
export async function pingRedis(url: string): Promise<void> {
  const { Redis } = await import('ioredis');
  // One try, no reconnects; the socket's own error (ECONNREFUSED, ENOTFOUND) says more than the command's.
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: COMMAND_TIMEOUT_MS });
  let socketError: Error | null = null;
  redis.on('error', (error: Error) => (socketError ??= error));
  try {
    await withTimeout(redis.connect().then(() => redis.ping()), COMMAND_TIMEOUT_MS, 'PING');
  } catch (error) {
    throw new EventStreamError(`cannot reach Redis at ${url}: ${(socketError ?? (error as Error)).message}`);
  } finally {
    redis.disconnect();
  }
}

export interface FollowOptions {
  url: string;
  queueName: string;
  signal?: AbortSignal;
  /** End after a search.finished event with nothing after it (for a non-interactive watch). */
  untilFinished?: boolean;
  /** Called once when no search has published on the queue yet (the watcher waits for one). */
  onWaiting?: () => void;
  /** The run being followed, once known. */
  onRun?: (runId: string) => void;
  /** Each trial record (again as it changes) and the run's config, as they arrive (before the event that carries them). */
  onTrial?: (record: TrialRecord) => void;
  onConfig?: (config: RunConfig) => void;
}

/**
 * The events of the run that started last on the queue: all of them from its start, then each new one, until
 * `signal` aborts (or, with `untilFinished`, the search ends). Throws EventStreamError when Redis cannot be
 * reached at first; later outages are waited out.
 */
export async function* followRedisEvents(options: FollowOptions): AsyncGenerator<SearchEvent> {
  const redis = await connect(options.url, true);
  const abort = () => redis.disconnect();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    try {
      await withTimeout(redis.connect(), COMMAND_TIMEOUT_MS, 'connect');
    } catch (error) {
      throw new EventStreamError(`cannot reach Redis at ${options.url}: ${(error as Error).message}`);
    }
    let runId: string | null = null;
    let waiting = false;
    while (!options.signal?.aborted) {
      runId = await withTimeout(redis.get(latestKey(options.queueName)), COMMAND_TIMEOUT_MS, 'GET').catch(() => null);
      if (runId) break;
      if (!waiting) options.onWaiting?.();
      waiting = true;
      await sleep(WAIT_POLL_MS, options.signal);
    }
    if (!runId) return;
    options.onRun?.(runId);
    const key = eventsKey(options.queueName, runId);
    let last = '0-0';
    let lastType: string | null = null;
    let block = false;
    while (!options.signal?.aborted) {
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = block
          ? await redis.xread('COUNT', BATCH, 'BLOCK', FOLLOW_BLOCK_MS, 'STREAMS', key, last)
          : await redis.xread('COUNT', BATCH, 'STREAMS', key, last);
      } catch {
        if (options.signal?.aborted) return;
        await sleep(RETRY_MS, options.signal); // Redis went away: wait for it (ioredis reconnects)
        continue;
      }
      const entries = reply?.[0]?.[1] ?? [];
      if (!entries.length) {
        if (options.untilFinished && lastType === 'search.finished') return;
        block = true;
        continue;
      }
      block = false;
      for (const [id, fields] of entries) {
        last = id;
        const values = new Map<string, string>();
        for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i], fields[i + 1]);
        const event = parseEventLine(values.get('event') ?? '');
        if (!event) continue;
        const config = values.get('config');
        if (config && options.onConfig) options.onConfig(JSON.parse(config) as RunConfig);
        const trial = values.get('trial');
        if (trial && options.onTrial) options.onTrial(JSON.parse(trial) as TrialRecord);
        lastType = event.type;
        yield event;
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', abort);
    redis.disconnect();
  }
}

