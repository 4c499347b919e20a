// The UI's state as a pure fold over the engine's events: hand-checked numbers on a short sequence, and the
// whole fixture run's event log (what `search watch` replays) against its trial records.
import { describe, expect, it } from 'vitest';
import type { SearchEvent } from '../../src/search/events.js';
import { curveOf, initialState, reduce, reduceAll, runningTrials, throughput, topTrials, trialsDone } from '../../src/tui/state.js';
import { ThrottledStore } from '../../src/tui/store.js';
import { fakeRun } from './fixture.js';
import { noDamage } from '../search/helpers.js';
import { readEvents, readTrials } from '../../src/search/store.js';

const t = (seconds: number) => new Date(Date.UTC(2026, 0, 5, 10, 0, seconds)).toISOString();

const SHORT: SearchEvent[] = [
  { type: 'search.started', time: t(0), run: 'runs/a', space: 'nasfpn_space', strategy: 'ppo', reward: 'target', trials: 10, done: 0, workers: 2, queue: null, resumed: false, requeued: 0 },
  { type: 'worker.joined', time: t(0), worker: 'local-1', host: 'h', pid: 1, backend: 'wasm' },
  { type: 'trial.queued', time: t(1), trial: 1, hash: 'aaaa', duplicateOf: null, requeued: false },
  { type: 'trial.started', time: t(1), trial: 1, worker: 'local-1', attempt: 1 },
  { type: 'trial.progress', time: t(2), trial: 1, worker: 'local-1', fraction: 0.5, metrics: { loss: 1.5, step: 5, steps: 10 } },
  { type: 'trial.progress', time: t(3), trial: 1, worker: 'local-1', fraction: 1, metrics: { loss: 1.0, step: 10, steps: 10 } },
  { type: 'trial.finished', time: t(4), trial: 1, hash: 'aaaa', reward: 0.4, metrics: {}, params: 100, flops: 2000, seconds: 3, worker: 'local-1', cached: false },
  { type: 'best.changed', time: t(4), best: { trial: 1, reward: 0.4, hash: 'aaaa' }, previous: null },
  { type: 'trial.queued', time: t(5), trial: 2, hash: 'aaaa', duplicateOf: 1, requeued: false },
  { type: 'trial.finished', time: t(5), trial: 2, hash: 'aaaa', reward: 0.4, metrics: {}, params: 100, flops: 2000, seconds: 0, worker: null, cached: true },
  { type: 'trial.queued', time: t(6), trial: 3, hash: 'bbbb', duplicateOf: null, requeued: false },
  { type: 'trial.started', time: t(6), trial: 3, worker: 'local-1', attempt: 1 },
  { type: 'trial.failed', time: t(7), trial: 3, worker: 'local-1', error: 'worker crashed', willRetry: true },
  { type: 'trial.queued', time: t(7), trial: 3, hash: 'bbbb', duplicateOf: null, requeued: true },
  { type: 'trial.started', time: t(8), trial: 3, worker: 'local-1', attempt: 2 },
  { type: 'trial.progress', time: t(9), trial: 3, worker: 'local-1', fraction: 0.25, metrics: { loss: 2 } },
  { type: 'controller.updated', time: t(9), step: 1, entropy: 1.25, baseline: 0.36, meanReward: 0.4, loss: 0.02 },
  { type: 'search.paused', time: t(10), reason: 'no worker is alive' },
];

describe('reduce', () => {
  const state = reduceAll(SHORT);

  it('counts proposals, unique ones, and trials done; re-queues are not new proposals', () => {
    expect(state.uniqueCurve).toEqual([{ total: 1, unique: 1 }, { total: 2, unique: 1 }, { total: 3, unique: 2 }]);
    expect(trialsDone(state)).toBe(2);
    expect(state.retried).toBe(1);
    expect(state.failed).toBe(0);
    expect(state.finished.map((f) => [f.index, f.trial, f.bestSoFar])).toEqual([[1, 1, 0.4], [2, 2, 0.4]]);
  });

  it('counts trials the stopping rule ended early, not their cached duplicates', () => {
    expect(state.stoppedEarly).toBe(0);
    const stopped = { type: 'trial.finished', time: t(11), trial: 4, hash: 'cccc', reward: 0.1, metrics: { stoppedAtStep: 20 }, params: 100, flops: 2000, seconds: 1, worker: 'local-1', cached: false } as const;
    const after = reduce(reduce(state, stopped), { ...stopped, trial: 5, cached: true });
    expect(after.stoppedEarly).toBe(1);
    expect(after.finished.map((f) => f.trial)).toEqual([1, 2, 4, 5]);
  });

  it('keeps one row per architecture in the top-k table', () => {
    expect(topTrials(state, 10).map((f) => f.trial)).toEqual([1]);
  });

  it('tracks running trials with their progress and curve, and keeps a finished trial\'s curve', () => {
    expect(runningTrials(state).map((r) => [r.trial, r.attempt, r.fraction])).toEqual([[3, 2, 0.25]]);
    expect(curveOf(state, 1)).toEqual([{ fraction: 0.5, loss: 1.5 }, { fraction: 1, loss: 1.0 }]);
    expect(curveOf(state, 3)).toEqual([{ fraction: 0.25, loss: 2 }]);
  });

  it('shows the controller, the best and why the search waits', () => {
    expect(state.controller).toEqual({ step: 1, entropy: 1.25, baseline: 0.36, meanReward: 0.4, loss: 0.02 });
    expect(state.best).toEqual({ trial: 1, reward: 0.4, hash: 'aaaa' });
    expect(state.bestHistory).toEqual([{ best: { trial: 1, reward: 0.4, hash: 'aaaa' }, finished: 1, time: t(4) }]);
    expect([state.phase, state.reason]).toEqual(['paused', 'no worker is alive']);
  });

  it('throughput: 2 trials in 10 s = 720 trials/h; 8 left → 40 s', () => {
    const { perHour, etaSeconds } = throughput(state);
    expect(perHour).toBeCloseTo(720, 9);
    expect(etaSeconds).toBeCloseTo(40, 9);
  });

  it('is pure: the state before an event is unchanged', () => {
    const before = reduceAll(SHORT.slice(0, 6));
    const copy = JSON.parse(JSON.stringify(before));
    reduce(before, SHORT[6]);
    expect(before).toEqual(copy);
  });

  it('a resumed session counts from the done trials search.started reports', () => {
    const resumed = reduce(state, { type: 'search.started', time: t(20), run: 'runs/a', space: 'nasfpn_space', strategy: 'ppo', reward: 'target', trials: 10, done: 2, workers: 2, queue: null, resumed: true, requeued: 1 });
    expect(trialsDone(resumed)).toBe(2);
    expect(resumed.running).toEqual({});
    expect(throughput(resumed).perHour).toBeNull();
    expect(resumed.phase).toBe('running');
  });
});

describe('the fixture run replayed', () => {
  const run = fakeRun();
  const state = reduceAll(run.events);

  it('agrees with the trial records', () => {
    expect(state.finished.map((f) => f.trial)).toEqual(run.trials.map((r) => r.id));
    expect(state.finished.map((f) => f.reward)).toEqual(run.trials.map((r) => r.reward));
    const unique = run.trials.filter((r) => r.duplicateOf === null).length;
    expect(state.uniqueCurve[state.uniqueCurve.length - 1]).toEqual({ total: run.trials.length, unique });
    const best = Math.max(...run.trials.map((r) => r.reward!));
    expect(state.best?.reward).toBe(best);
    expect(state.finished[state.finished.length - 1].bestSoFar).toBe(best);
    expect(state.phase).toBe('finished');
    expect(trialsDone(state)).toBe(run.trials.length);
    expect(throughput(state).etaSeconds).toBe(0);
  });
});

describe('ThrottledStore', () => {
  it('folds a burst of events into one update', () => {
    const store = new ThrottledStore(initialState(), 1_000_000);
    let updates = 0;
    store.subscribe(() => updates++);
    for (const event of SHORT) store.push(event);
    expect(store.getSnapshot().phase).toBe('waiting');
    store.flush();
    expect(updates).toBe(1);
    expect(store.getSnapshot()).toEqual(reduceAll(SHORT));
  });
});

describe('a real run of the engine replayed (test/fixtures/tui/engine-ppo-16: nasfpn search, ppo, target reward)', () => {
  const RUN = 'test/fixtures/tui/engine-ppo-16';
  const events = readEvents(RUN);
  const trials = readTrials(RUN, noDamage);
  const state = reduceAll(events);

  it('agrees with the trial records the engine wrote', () => {
    const finished = trials.filter((t) => t.status === 'finished');
    expect([...state.finished.map((f) => f.trial)].sort((a, b) => a - b)).toEqual(finished.map((t) => t.id));
    for (const f of state.finished) {
      const record = trials[f.trial - 1];
      expect([f.reward, f.hash, f.params, f.flops]).toEqual([record.reward, record.hash, record.params, record.flops]);
    }
    expect(state.uniqueCurve[state.uniqueCurve.length - 1]).toEqual({ total: trials.length, unique: trials.filter((t) => t.duplicateOf === null).length });
    const best = finished.reduce((a, b) => (b.reward! > a.reward! ? b : a));
    expect(state.best?.reward).toBe(best.reward);
    expect(topTrials(state, 1)[0].reward).toBe(best.reward);
  });

  it('follows the controller and ends finished with nothing running', () => {
    const updates = events.filter((e) => e.type === 'controller.updated');
    expect(updates.length).toBeGreaterThan(0);
    expect(state.controller?.step).toBe(updates.length);
    expect(state.entropyHistory.length).toBe(updates.length);
    expect(state.phase).toBe('finished');
    expect(runningTrials(state)).toEqual([]);
    expect(trialsDone(state)).toBe(16);
  });
});
