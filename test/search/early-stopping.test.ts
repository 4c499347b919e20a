// The median stopping rule as plain data (src/search/early-stopping.ts), with medians worked out by hand.
import { describe, expect, it } from 'vitest';
import {
  completedCurves, DEFAULT_MIN_TRIALS, earlyStoppingSummary, formatEarlyStopping, median, medianThresholds, stoppingThreshold, type LearningCurve,
} from '../../src/search/early-stopping.js';
import type { TrialRecord } from '../../src/search/records.js';

/** A curve evaluated every 10 steps up to 60, with these values. */
const curve = (...values: number[]): LearningCurve => values.map((value, i) => ({ step: 10 * (i + 1), value }));

describe('the median', () => {
  it('is the middle value of an odd count and the mean of the two middle values of an even count, whatever the order', () => {
    expect(median([0.3, 0.1, 0.2])).toBe(0.2);
    expect(median([0.4, 0.1, 0.3, 0.2])).toBeCloseTo(0.25, 12);
    expect(median([5])).toBe(5);
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('medianThresholds', () => {
  const curves = [curve(0.0, 0.1, 0.2, 0.3, 0.4, 0.5), curve(0.0, 0.2, 0.4, 0.6, 0.8, 0.9), curve(0.1, 0.1, 0.1, 0.1, 0.1, 0.1)];

  it('takes the median of the completed trials at each step past the warm-up', () => {
    // Steps 20..60: medians of {0.1, 0.2, 0.1}, {0.2, 0.4, 0.1}, {0.3, 0.6, 0.1}, {0.4, 0.8, 0.1}, {0.5, 0.9, 0.1}.
    expect(medianThresholds(curves, { warmupSteps: 20, minTrials: 3 })).toEqual([
      { step: 20, median: 0.1, trials: 3 }, { step: 30, median: 0.2, trials: 3 }, { step: 40, median: 0.3, trials: 3 },
      { step: 50, median: 0.4, trials: 3 }, { step: 60, median: 0.5, trials: 3 },
    ]);
  });

  it('defaults the warm-up to a third of the budget, the last step of the completed curves', () => {
    // Budget 60: warm-up 20, so step 10 stops nothing.
    expect(medianThresholds(curves, { minTrials: 3 }).map((t) => t.step)).toEqual([20, 30, 40, 50, 60]);
    // Budget 70 (one curve goes on to step 70): warm-up ⌈70 / 3⌉ = 24; step 70 has one value of the 3 needed.
    expect(medianThresholds([...curves, [...curve(0, 0, 0, 0, 0, 0), { step: 70, value: 0 }]], { minTrials: 3 }).map((t) => t.step)).toEqual([30, 40, 50, 60]);
  });

  it('leaves out the steps where fewer than minTrials completed trials have a value', () => {
    const shorter: LearningCurve[] = [...curves.slice(0, 2), curve(0.1, 0.1, 0.1)]; // the third has no value past step 30
    expect(medianThresholds(shorter, { warmupSteps: 10, minTrials: 3 }).map((t) => t.step)).toEqual([10, 20, 30]);
    // With an even count, the mean of the two middle values: step 40 of {0.3, 0.6} → 0.45.
    expect(medianThresholds(shorter, { warmupSteps: 40, minTrials: 2 })[0]).toEqual({ step: 40, median: expect.closeTo(0.45, 12), trials: 2 });
    expect(medianThresholds(curves.slice(0, 2), { warmupSteps: 0, minTrials: DEFAULT_MIN_TRIALS })).toEqual([]);
    expect(medianThresholds([], { minTrials: 1 })).toEqual([]);
  });
});

describe('stoppingThreshold: stopped or not', () => {
  const thresholds = [{ step: 20, median: 0.1, trials: 3 }, { step: 30, median: 0.2, trials: 3 }];
  /** A trial's evaluations so far, every 10 steps. */
  const so = (...values: number[]) => curve(...values);

  it('stops a trial whose best value so far is strictly below the median at its last step; a tie goes on', () => {
    expect(stoppingThreshold(thresholds, so(0, 0.1, 0.19)) !== null).toBe(true);
    expect(stoppingThreshold(thresholds, so(0, 0.1, 0.2)) !== null).toBe(false);
    expect(stoppingThreshold(thresholds, so(0, 0.1, 0.5)) !== null).toBe(false);
    // The threshold that stopped it, which the proxy reports.
    expect(stoppingThreshold(thresholds, so(0, 0.05))).toEqual({ step: 20, median: 0.1, trials: 3 });
    expect(stoppingThreshold(thresholds, so(0, 0.1))).toBeNull();
  });

  it('does not stop a trial for a dip: its best value so far counts, as Optuna and NNI take it', () => {
    // 0.15 at step 30 is below that step's median 0.2, but the trial had 0.25 at step 20.
    expect(stoppingThreshold(thresholds, so(0, 0.25, 0.15)) !== null).toBe(false);
    expect(stoppingThreshold(thresholds, so(0, 0.15, 0.15)) !== null).toBe(true);
  });

  it('stops nothing at a step without a threshold (the warm-up, too few trials, another evaluation step)', () => {
    expect(stoppingThreshold(thresholds, so(0)) !== null).toBe(false);
    expect(stoppingThreshold(thresholds, [{ step: 25, value: 0 }])).toBeNull();
    expect(stoppingThreshold([], so(0, 0))).toBeNull();
    expect(stoppingThreshold(thresholds, [])).toBeNull();
  });
});

/** A trial record with the fields the rule reads. */
function record(id: number, fields: Partial<TrialRecord>): TrialRecord {
  return {
    id, hash: `h${id}`, fpn: '', decisions: [], status: 'finished', reward: 0.1, metrics: {}, params: null, flops: null, duplicateOf: null,
    worker: null, attempts: 1, queuedAt: '', startedAt: null, endedAt: null, seconds: 10, error: null, ...fields,
  };
}

describe('the records', () => {
  const full = (id: number, c: LearningCurve) => record(id, { curve: [...c], metrics: { steps: 60 }, seconds: 60 });
  const trials = [
    full(1, curve(0, 0.1, 0.2, 0.3, 0.4, 0.5)),
    record(2, { curve: [...curve(0, 0, 0)], metrics: { steps: 30, budgetSteps: 60, stoppedAtStep: 30 }, seconds: 15 }),
    full(3, curve(0, 0.2, 0.4, 0.6, 0.8, 0.9)),
    record(4, { curve: [...curve(0, 0.2)], duplicateOf: 3, metrics: { steps: 60 }, seconds: 0 }),
    record(5, { status: 'failed', reward: null, curve: [...curve(0.9)] }),
    record(6, { status: 'running', reward: null }),
    record(7, { metrics: { steps: 60 }, seconds: 60 }), // a run of an older version: no curve
  ];

  it('compares with the curves of the evaluated trials that ran their whole budget', () => {
    expect(completedCurves(trials)).toEqual([trials[0]!.curve, trials[2]!.curve]);
  });

  it('sums the steps the stopped trials did not train, and the seconds at their own pace', () => {
    const summary = earlyStoppingSummary(trials);
    // Evaluated: 1, 2, 3, 7. Trained 60 + 30 + 60 + 60; budget 60 × 4; trial 2 saved 30 steps at 15 s / 30 steps.
    expect(summary).toEqual({ trials: 4, stopped: 1, stepsTrained: 210, stepsBudget: 240, stepsSaved: 30, secondsSaved: 15 });
    expect(formatEarlyStopping(summary)).toBe('early stopping: 1 of 4 trials stopped, 30 of 240 steps saved (13 %), about 15 s');
  });
});
