// The events a search emits, as one discriminated union. Without a UI, `nasfpn search` prints each as one
// JSON line on stdout; the run directory keeps the same lines in events.jsonl; the terminal UI renders them.
// The shapes are a contract with the UI: add fields or event types, never rename or remove them.

import type { EarlyStoppingSummary } from './early-stopping.js';
import type { CurvePoint } from './records.js';

/** A reward and the trial that earned it. */
export interface BestSoFar {
  trial: number;
  reward: number;
  hash: string;
}

export type SearchEvent =
  // The search as a whole
  | {
      type: 'search.started';
      time: string;
      /** The run directory. */
      run: string;
      space: string;
      strategy: string;
      reward: string;
      /** The trial budget, and how many of it are done (non-zero after --resume). */
      trials: number;
      done: number;
      /** Local worker processes, or 0 with a queue. */
      workers: number;
      queue: string | null;
      resumed: boolean;
      /** Trials that were queued or running when the run stopped, queued again. */
      requeued: number;
    }
  | {
      /** Trials cannot run for now (the queue's Redis is unreachable, or no worker is alive); the search waits. */
      type: 'search.paused';
      time: string;
      reason: string;
    }
  | { type: 'search.resumed'; time: string }
  | {
      type: 'search.finished';
      time: string;
      /** 'budget': all trials done; 'stopped': interrupted (SIGINT/SIGTERM), resumable with --resume. */
      reason: 'budget' | 'stopped';
      /** Trials done (finished or failed), of them evaluated (not duplicates), failed. */
      trials: number;
      unique: number;
      failed: number;
      best: BestSoFar | null;
      /** When the reward stops bad trials early: how many it stopped and the steps and seconds that saved (src/search/early-stopping.ts). */
      earlyStopping?: EarlyStoppingSummary;
    }
  // Trials
  | {
      type: 'trial.queued';
      time: string;
      trial: number;
      hash: string;
      /** The strategy's decisions (src/search/space.ts), from which the architecture is built: enough to rebuild a damaged trial record. Absent in runs of older versions. */
      decisions?: number[];
      /** The trial whose reward this one will reuse (same hash); it is not run again. */
      duplicateOf: number | null;
      /** Re-queued after a crash, a stalled worker or a resume. */
      requeued: boolean;
    }
  | { type: 'trial.started'; time: string; trial: number; worker: string; attempt: number }
  | {
      type: 'trial.progress';
      time: string;
      trial: number;
      worker: string;
      /** Fraction of the trial's budget done, 0..1. */
      fraction: number;
      /** Running numbers the reward reports (e.g. loss, step). */
      metrics: Record<string, number>;
    }
  | {
      type: 'trial.finished';
      time: string;
      trial: number;
      hash: string;
      reward: number;
      metrics: Record<string, number>;
      /** The reward's evaluations (step, value), when it makes them: the trial record's `curve`. */
      curve?: CurvePoint[];
      params: number | null;
      flops: number | null;
      seconds: number;
      worker: string | null;
      /** The reward was reused from an earlier trial with the same hash. */
      cached: boolean;
    }
  | {
      type: 'trial.failed';
      time: string;
      trial: number;
      worker: string | null;
      error: string;
      /** Whether the trial is queued again (a crashed worker) or final (the reward failed: no reward). */
      willRetry: boolean;
    }
  // The strategy
  | {
      /** The strategy learned from a batch of finished trials (PPO: one policy update). */
      type: 'controller.updated';
      time: string;
      /** Updates so far. */
      step: number;
      /** Mean entropy (nats) of the policy's decisions on the batch: high means still exploring. */
      entropy: number;
      /** The moving-average reward baseline after the update (null for strategies without one). */
      baseline: number | null;
      /** Mean reward of the batch, and the strategy's own loss (null where it has none). */
      meanReward: number;
      loss: number | null;
    }
  | { type: 'best.changed'; time: string; best: BestSoFar; previous: BestSoFar | null }
  // Workers
  | {
      type: 'worker.joined';
      time: string;
      worker: string;
      host: string;
      pid: number;
      /** The TF.js backend the worker runs rewards on, when known. */
      backend: string | null;
    }
  | { type: 'worker.left'; time: string; worker: string; reason: 'exited' | 'crashed' | 'stopped' | 'timeout' };

/** An event without its time, as code builds it before `stamp` adds the time. */
export type UnstampedEvent = SearchEvent extends infer E ? (E extends SearchEvent ? Omit<E, 'time'> : never) : never;

export type SearchListener = (event: SearchEvent) => void;

/** Adds the current time to an event. */
export const stamp = (event: UnstampedEvent, now: Date = new Date()): SearchEvent =>
  ({ ...event, time: now.toISOString() }) as SearchEvent;

/** Parses one line of events.jsonl or of `nasfpn search` stdout; null for a torn or foreign line. */
export function parseEventLine(line: string): SearchEvent | null {
  try {
    const value = JSON.parse(line) as unknown;
    if (value && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string' && typeof (value as { time?: unknown }).time === 'string') {
      return value as SearchEvent;
    }
  } catch {
    // a line cut by a kill, or something that is not an event
  }
  return null;
}
