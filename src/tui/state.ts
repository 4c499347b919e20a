// What the terminal UI (and `search watch`, and the report's summary) knows about a search: a pure reducer
// over the engine's events (src/search/events.ts). Nothing here reads a clock or a file: the times are the
// events' own, so a replay of events.jsonl gives exactly the state the live UI had.
import { stoppedEarly } from '../search/early-stopping.js';
import type { BestSoFar, SearchEvent } from '../search/events.js';
import { assertNever } from '../util/assert-never.js';

/** One finished trial, in the order trials finished (the x axis of Figure 5-left). */
export interface FinishedTrial {
  /** 1-based position in finishing order. */
  index: number;
  trial: number;
  hash: string;
  reward: number;
  params: number | null;
  flops: number | null;
  /** ISO time it finished. */
  time: string;
  /** Reused an earlier trial's reward (same hash). */
  cached: boolean;
  /** The best reward over trials 1..index. */
  bestSoFar: number;
}

/** One point of a trial's learning curve, as the reward reports it. */
export interface CurvePoint {
  fraction: number;
  /** The reported loss, when there is one. */
  loss: number | null;
}

export interface RunningTrial {
  trial: number;
  worker: string;
  attempt: number;
  fraction: number;
  metrics: Record<string, number>;
  curve: CurvePoint[];
}

export interface WorkerView {
  worker: string;
  host: string;
  pid: number;
  backend: string | null;
  /** null while alive; why it left otherwise. */
  left: 'exited' | 'crashed' | 'stopped' | 'timeout' | null;
}

/** Proposals so far against unique ones (Figure 5-right), one point per proposal that is not a re-queue. */
export interface UniquePoint {
  total: number;
  unique: number;
}

export interface ControllerView {
  step: number;
  entropy: number;
  baseline: number | null;
  meanReward: number;
  loss: number | null;
}

/** The best architecture and when it became the best (for the report's Figure 7-style snapshots). */
export interface BestChange {
  best: BestSoFar;
  /** Trials finished when it became the best. */
  finished: number;
  time: string;
}

export type SearchPhase = 'waiting' | 'running' | 'paused' | 'finished';

export interface SearchState {
  run: string | null;
  space: string | null;
  strategy: string | null;
  reward: string | null;
  /** The trial budget (duplicates included). */
  budget: number;
  /** Local worker processes, or 0 with a queue. */
  localWorkers: number;
  queue: string | null;
  phase: SearchPhase;
  /** Why trials cannot run (phase 'paused'), or why the search ended (phase 'finished'). */
  reason: string | null;
  /** When this session of the run started, and how many trials were done before it (for throughput and ETA). */
  sessionStart: string | null;
  doneAtSessionStart: number;
  /** Trials finished or failed for good since this session started. */
  sessionDone: number;
  /** Time of the latest event. */
  now: string | null;
  finished: FinishedTrial[];
  /** Trials that failed for good (no reward), and attempts that will be retried. */
  failed: number;
  retried: number;
  /** Finished trials that the reward's stopping rule ended early (proxy `stop=median`); their reward still counts. */
  stoppedEarly: number;
  uniqueCurve: UniquePoint[];
  running: Record<number, RunningTrial>;
  workers: Record<string, WorkerView>;
  controller: ControllerView | null;
  /** Entropy after each controller update, oldest first (a sparkline). */
  entropyHistory: number[];
  best: BestSoFar | null;
  bestHistory: BestChange[];
  /** Learning curves of recently finished trials, newest last (bounded by RECENT_CURVES). */
  recentCurves: { trial: number; curve: CurvePoint[] }[];
}

/** Curve points kept per trial: enough for a terminal-wide sparkline. */
export const CURVE_POINTS = 120;
/** Finished trials whose curve stays selectable after they finish. */
export const RECENT_CURVES = 200;
/** Entropy values kept for the sparkline. */
const ENTROPY_POINTS = 400;

export function initialState(): SearchState {
  return {
    run: null, space: null, strategy: null, reward: null, budget: 0, localWorkers: 0, queue: null,
    phase: 'waiting', reason: null, sessionStart: null, doneAtSessionStart: 0, sessionDone: 0, now: null,
    finished: [], failed: 0, retried: 0, stoppedEarly: 0, uniqueCurve: [], running: {}, workers: {},
    controller: null, entropyHistory: [], best: null, bestHistory: [], recentCurves: [],
  };
}

/** The state after `event`. Pure: `state` is not changed. */
export function reduce(state: SearchState, event: SearchEvent): SearchState {
  const s: SearchState = { ...state, now: event.time };
  switch (event.type) {
    case 'search.started':
      return {
        ...s, run: event.run, space: event.space, strategy: event.strategy, reward: event.reward,
        budget: event.trials, localWorkers: event.workers, queue: event.queue, phase: 'running', reason: null,
        sessionStart: event.time, doneAtSessionStart: event.done, sessionDone: 0,
        // A resumed run starts its workers afresh; trials that were running were queued again.
        running: {},
      };
    case 'search.paused':
      return { ...s, phase: 'paused', reason: event.reason };
    case 'search.resumed':
      return { ...s, phase: 'running', reason: null };
    case 'search.finished':
      return { ...s, phase: 'finished', reason: event.reason, running: {}, best: event.best ?? s.best };
    case 'trial.queued': {
      if (event.requeued) return s;
      const last = s.uniqueCurve[s.uniqueCurve.length - 1] ?? { total: 0, unique: 0 };
      const point = { total: last.total + 1, unique: last.unique + (event.duplicateOf === null ? 1 : 0) };
      return { ...s, uniqueCurve: [...s.uniqueCurve, point] };
    }
    case 'trial.started':
      return {
        ...s,
        running: { ...s.running, [event.trial]: { trial: event.trial, worker: event.worker, attempt: event.attempt, fraction: 0, metrics: {}, curve: [] } },
      };
    case 'trial.progress': {
      const current = s.running[event.trial] ?? { trial: event.trial, worker: event.worker, attempt: 1, fraction: 0, metrics: {}, curve: [] };
      const loss = typeof event.metrics.loss === 'number' && Number.isFinite(event.metrics.loss) ? event.metrics.loss : null;
      const curve = appendBounded(current.curve, { fraction: event.fraction, loss }, CURVE_POINTS);
      return { ...s, running: { ...s.running, [event.trial]: { ...current, worker: event.worker, fraction: event.fraction, metrics: event.metrics, curve } } };
    }
    case 'trial.finished': {
      const previousBest = s.finished.length ? s.finished[s.finished.length - 1].bestSoFar : -Infinity;
      const finished: FinishedTrial = {
        index: s.finished.length + 1, trial: event.trial, hash: event.hash, reward: event.reward,
        params: event.params, flops: event.flops, time: event.time, cached: event.cached,
        bestSoFar: Math.max(previousBest, event.reward),
      };
      const { [event.trial]: ended, ...running } = s.running;
      const recentCurves = ended && ended.curve.length
        ? appendBounded(s.recentCurves, { trial: event.trial, curve: ended.curve }, RECENT_CURVES)
        : s.recentCurves;
      const stopped = !event.cached && stoppedEarly(event.metrics) ? 1 : 0;
      return { ...s, finished: [...s.finished, finished], running, recentCurves, stoppedEarly: s.stoppedEarly + stopped, sessionDone: s.sessionDone + 1 };
    }
    case 'trial.failed': {
      const { [event.trial]: _ended, ...running } = s.running;
      return event.willRetry ? { ...s, running, retried: s.retried + 1 } : { ...s, running, failed: s.failed + 1, sessionDone: s.sessionDone + 1 };
    }
    case 'controller.updated':
      return {
        ...s,
        controller: { step: event.step, entropy: event.entropy, baseline: event.baseline, meanReward: event.meanReward, loss: event.loss },
        entropyHistory: appendBounded(s.entropyHistory, event.entropy, ENTROPY_POINTS),
      };
    case 'best.changed':
      return { ...s, best: event.best, bestHistory: [...s.bestHistory, { best: event.best, finished: s.finished.length, time: event.time }] };
    case 'worker.joined':
      return { ...s, workers: { ...s.workers, [event.worker]: { worker: event.worker, host: event.host, pid: event.pid, backend: event.backend, left: null } } };
    case 'worker.left': {
      const known = (Object.hasOwn(s.workers, event.worker) ? s.workers[event.worker] : undefined) ?? { worker: event.worker, host: '', pid: 0, backend: null, left: null };
      return { ...s, workers: { ...s.workers, [event.worker]: { ...known, left: event.reason } } };
    }
    default:
      return assertNever(event, 'search event');
  }
}

/** Folds a whole event sequence (events.jsonl replayed). */
export const reduceAll = (events: Iterable<SearchEvent>, state: SearchState = initialState()): SearchState => {
  let s = state;
  for (const event of events) s = reduce(s, event);
  return s;
};

function appendBounded<T>(items: T[], item: T, limit: number): T[] {
  const next = [...items, item];
  return next.length > limit ? next.slice(next.length - limit) : next;
}

// ---------------------------------------------------------------------------------------------------
// Selectors: what the views show, derived from the state.

/** Trials done (finished or failed for good) over the whole run, resumed sessions included. */
export function trialsDone(s: SearchState): number {
  return s.doneAtSessionStart + s.sessionDone;
}

/** The best `k` distinct architectures (by hash), best first; ties go to the earlier trial. */
export function topTrials(s: SearchState, k: number): FinishedTrial[] {
  const byHash = new Map<string, FinishedTrial>();
  for (const t of s.finished) {
    const seen = byHash.get(t.hash);
    if (!seen || t.reward > seen.reward) byHash.set(t.hash, t);
  }
  return [...byHash.values()].sort((a, b) => b.reward - a.reward || a.trial - b.trial).slice(0, k);
}

export interface Throughput {
  /** Trials finished per hour in this session, null before an hour-rate can be told (under two trials). */
  perHour: number | null;
  /** Seconds until the budget is done at that rate, null when unknown; 0 when done. */
  etaSeconds: number | null;
}

export function throughput(s: SearchState): Throughput {
  const remaining = Math.max(0, s.budget - trialsDone(s));
  if (remaining === 0 && s.budget > 0) return { perHour: rate(s), etaSeconds: 0 };
  const perHour = rate(s);
  return { perHour, etaSeconds: perHour && perHour > 0 ? (remaining / perHour) * 3600 : null };
}

function rate(s: SearchState): number | null {
  if (!s.sessionStart || !s.now) return null;
  const done = s.sessionDone;
  const hours = (Date.parse(s.now) - Date.parse(s.sessionStart)) / 3_600_000;
  return done >= 2 && hours > 0 ? done / hours : null;
}

/** The learning curve of a trial: while it runs, or recently finished; empty when not known. */
export function curveOf(s: SearchState, trial: number): CurvePoint[] {
  const running = s.running[trial];
  if (running) return running.curve;
  return s.recentCurves.find((c) => c.trial === trial)?.curve ?? [];
}

/** Running trials in a stable order (by worker name, then trial). */
export function runningTrials(s: SearchState): RunningTrial[] {
  return Object.values(s.running).sort((a, b) => a.worker.localeCompare(b.worker, 'en', { numeric: true }) || a.trial - b.trial);
}
