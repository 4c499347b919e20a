// The median stopping rule in the search loop (src/search/search.ts): each trial sent carries the thresholds of
// the trials completed by then, computed from the trial records (so a resumed run computes them from its store),
// the records keep each trial's learning curve, and the summary says what stopping saved. The worker is a stand-in
// that applies the thresholds to a flat curve per trial, as the proxy reward does at its evaluations.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stoppingThreshold } from '../../src/search/early-stopping.js';
import type { Executor, ExecutorEvents } from '../../src/search/executor.js';
import type { CurvePoint, RunConfig } from '../../src/search/records.js';
import { runSearch, type SearchSummary } from '../../src/search/search.js';
import { isRunDir, readTrials, RunStore } from '../../src/search/store.js';
import { createStrategy } from '../../src/search/strategies/index.js';
import type { TrialJob } from '../../src/search/trial-runner.js';
import { noDamage, paperSpace } from './helpers.js';

/** Each trial's AP at every evaluation (binary fractions, so medians are exact), by trial id. */
const QUALITY: Record<number, number> = { 1: 0.5, 2: 0.25, 3: 0.375, 4: 0.125, 5: 0.625, 6: 0.1875 };
const BUDGET = 60;
const EVAL_EVERY = 10;

/** Runs each trial at once: a flat curve, evaluated every 10 steps, stopped where the job's thresholds say; 1 s a step. */
class CurveExecutor implements Executor {
  readonly capacity = 1;
  readonly jobs: TrialJob[] = [];
  private events: ExecutorEvents | null = null;

  async start(events: ExecutorEvents): Promise<void> {
    this.events = events;
  }

  submit(job: TrialJob): void {
    this.jobs.push(job);
    const curve: CurvePoint[] = [];
    let stoppedAt: number | null = null;
    for (let step = EVAL_EVERY; step <= BUDGET && stoppedAt === null; step += EVAL_EVERY) {
      curve.push({ step, value: QUALITY[job.id]! });
      if (step < BUDGET && stoppingThreshold(job.stopping ?? [], curve) !== null) stoppedAt = step;
    }
    const steps = stoppedAt ?? BUDGET;
    const metrics = { AP: QUALITY[job.id]!, steps, ...(stoppedAt !== null ? { stoppedAtStep: stoppedAt, budgetSteps: BUDGET } : {}) };
    queueMicrotask(() => {
      this.events!.started(job.id, 'w', 1);
      this.events!.done(job.id, 'w', { ok: true, reward: QUALITY[job.id]!, metrics, curve, seconds: steps });
    });
  }

  async close(): Promise<void> {}
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function newRun(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nasfpn-stop-'));
  dirs.push(dir);
  return join(dir, 'run');
}

const CONFIG: RunConfig = {
  version: 1, spaceFile: '/x/search.fpn', spaceText: '', space: 'nasfpn_space', strategy: 'random', strategyOptions: {},
  // The default warm-up: a third of the completed curves' 60 steps, so no stopping before step 20.
  reward: { name: 'proxy', options: { evalEvery: EVAL_EVERY, steps: BUDGET, stop: 'median', stopMinTrials: 2 } },
  seed: 5, trials: 6, workers: 0, queue: null, createdAt: '2026-01-01T00:00:00.000Z',
};

/** One session of the run in `dir` (created or resumed), stopped like Ctrl-C after `stopAfter` finished trials. */
async function session(dir: string, stopAfter = Infinity): Promise<{ executor: CurveExecutor; summary: SearchSummary }> {
  const store = isRunDir(dir) ? RunStore.open(dir, noDamage) : RunStore.create(dir, CONFIG, noDamage);
  const space = paperSpace();
  const executor = new CurveExecutor();
  const abort = new AbortController();
  let finished = 0;
  const summary = await runSearch({
    store, space, strategy: createStrategy('random', { space, seed: CONFIG.seed, options: {} }, null), executor, signal: abort.signal,
    listeners: [(e) => {
      if (e.type === 'trial.finished' && ++finished >= stopAfter) abort.abort();
    }],
  });
  store.close();
  return { executor, summary };
}

/** The thresholds at the evaluations from the warm-up (step 20) to the end, all at one median of as many trials. */
const flat = (median: number, trials: number) => [20, 30, 40, 50, 60].map((step) => ({ step, median, trials }));

describe('early stopping in the search', () => {
  it('sends each trial the medians of the trials completed before it, records the curves, and sums what stopping saved', async () => {
    const dir = newRun();
    const { executor, summary } = await session(dir);
    const stopping = executor.jobs.map((j) => j.stopping);
    // Trials 1 and 2: fewer completed trials than stopMinTrials. Trial 3: the median of 0.5 and 0.25 is 0.375, its
    // own AP: a tie goes on. Trial 4 (0.125) is stopped at step 20; trial 5 (0.625) is not; trial 6 (0.1875) is
    // stopped under the median of 1, 2, 3 and 5 (0.25, 0.375, 0.5, 0.625 → 0.4375): trial 4 does not count.
    expect(stopping).toEqual([[], [], flat(0.375, 2), flat(0.375, 3), flat(0.375, 3), flat(0.4375, 4)]);
    const trials = readTrials(dir, noDamage);
    expect(trials.map((t) => t.metrics.stoppedAtStep ?? null)).toEqual([null, null, null, 20, null, 20]);
    expect(trials[3]!.curve).toEqual([{ step: 10, value: 0.125 }, { step: 20, value: 0.125 }]);
    expect(trials[0]!.curve).toHaveLength(6);
    // Stopped trials are finished, not failed: the strategy learns from their rewards.
    expect(trials.every((t) => t.status === 'finished')).toBe(true);
    expect(summary.earlyStopping).toEqual({ trials: 6, stopped: 2, stepsTrained: 4 * 60 + 2 * 20, stepsBudget: 6 * 60, stepsSaved: 80, secondsSaved: 80 });
  });

  it('a resumed search computes the thresholds from its store: the same as without the interruption', async () => {
    const dir = newRun();
    const first = await session(dir, 4);
    expect(first.executor.jobs.map((j) => j.id)).toEqual([1, 2, 3, 4]);
    const second = await session(dir);
    expect(second.executor.jobs.map((j) => [j.id, j.stopping])).toEqual([[5, flat(0.375, 3)], [6, flat(0.4375, 4)]]);
    expect(second.summary.earlyStopping).toMatchObject({ trials: 6, stopped: 2, stepsSaved: 80 });
  });

  it('a damaged trial record is rebuilt with its curve from events.jsonl, so it still counts for later thresholds', async () => {
    const dir = newRun();
    await session(dir);
    const before = readTrials(dir, noDamage)[0]!;
    writeFileSync(join(dir, 'trials', '000001.json'), '{ cut short');
    const warnings: string[] = [];
    const store = RunStore.open(dir, (m) => warnings.push(m));
    const space = paperSpace();
    await runSearch({ store, space, strategy: createStrategy('random', { space, seed: CONFIG.seed, options: {} }, null), executor: new CurveExecutor(), listeners: [] });
    store.close();
    expect(warnings.some((m) => m.includes('trial 1: rebuilt from events.jsonl'))).toBe(true);
    expect(readTrials(dir, noDamage)[0]!.curve).toEqual(before.curve);
  });

  it('sends no thresholds when the reward stops nothing early', async () => {
    const dir = newRun();
    const store = RunStore.create(dir, { ...CONFIG, reward: { name: 'proxy', options: { evalEvery: EVAL_EVERY, steps: BUDGET } } }, noDamage);
    const space = paperSpace();
    const executor = new CurveExecutor();
    const summary = await runSearch({ store, space, strategy: createStrategy('random', { space, seed: 5, options: {} }, null), executor, listeners: [] });
    store.close();
    expect(executor.jobs.every((j) => j.stopping === undefined)).toBe(true);
    expect(summary.earlyStopping).toBeUndefined();
  });
});
