// Early stopping of bad trials by the median stopping rule (Golovin et al. 2017, "Google Vizier", §3.2.2; Optuna's
// MedianPruner; NNI's Medianstop; docs/search.md, "Early stopping"): a trial is stopped at an evaluation step when
// its best value so far is strictly below the median of the values that earlier completed trials had at the same
// step, once enough completed trials have a value at that step and the step is past a warm-up.
//
// The best value so far, not the value at the step, as Optuna's MedianPruner and NNI's Medianstop take it: AP at
// a small budget is noisy, and a trial whose AP dips at one evaluation after a good one is not stopped for the dip.
//
// The rule is split in two so that it travels with a trial as plain JSON, to whichever worker runs it (the search
// process, a local worker, a `nasfpn worker` on Redis), over no channel but the trial itself:
//
//   the search, when it sends a trial:   completed trials' learning curves → medianThresholds → a table step → median
//   the reward, at each evaluation:      stoppingThreshold(table, its curve so far): the one it fell below, or null
//
// The table is a function of the trial records alone, so a resumed search computes the same one from its store.
// Plain data and pure functions; what the rule saved (steps, seconds) is summed from the records at the end.
import type { CurvePoint, TrialRecord } from './records.js';

/** A trial's evaluations in step order (CurvePoint: the record's, step and value): its learning curve. */
export type LearningCurve = readonly CurvePoint[];

/** The options of the median stopping rule. */
export interface MedianStoppingOptions {
  /**
   * No trial is stopped at an evaluation before this step. Absent: a third of the budget (WARMUP_FRACTION), the
   * budget being the last step of the completed curves (their final evaluation), so it is known for a budget
   * counted in epochs too.
   */
  warmupSteps?: number;
  /** Completed trials that must have a value at a step before it can stop anything. */
  minTrials: number;
}

/**
 * Early AP says little: before the learning-rate warm-up ends (a fifth of the proxy's default steps) every
 * architecture's AP is near 0 and ranks by seed noise (docs/training.md, "A short proxy as a search reward").
 * A third of the budget is past that warm-up with room left to save: stopping at a third saves up to two thirds.
 */
export const WARMUP_FRACTION = 1 / 3;

/**
 * Fewer than 3 completed trials make no median worth the name: with 1, every trial is stopped that falls below
 * the first; with 2, below their mean. Optuna waits for 5 (`n_startup_trials`), but a proxy search on a CPU runs
 * tens of trials, of which 5 unstoppable ones would be a large share.
 */
export const DEFAULT_MIN_TRIALS = 3;

/** The median of the values completed trials had at one step, and how many they were. */
export interface StepThreshold {
  step: number;
  median: number;
  trials: number;
}

/** The steps at which a trial may be stopped, each with its threshold, in step order (JSON: it travels with a trial). */
export type StoppingThresholds = readonly StepThreshold[];

/** The median of `values` (not empty): the middle one, or the mean of the two middle ones (numpy's, as Optuna takes it). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('the median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The thresholds the completed trials' `curves` set: for each step at or past the warm-up where at least
 * `minTrials` of them have a value, the median of those values. Steps that fall short are left out: a trial is
 * never stopped there.
 */
export function medianThresholds(curves: readonly LearningCurve[], options: MedianStoppingOptions): StoppingThresholds {
  const budget = Math.max(0, ...curves.map((curve) => curve.at(-1)?.step ?? 0));
  const warmup = options.warmupSteps ?? Math.ceil(budget * WARMUP_FRACTION);
  const valuesByStep = new Map<number, number[]>();
  for (const curve of curves) {
    for (const { step, value } of curve) valuesByStep.set(step, [...(valuesByStep.get(step) ?? []), value]);
  }
  return [...valuesByStep]
    .filter(([step, values]) => step >= warmup && values.length >= options.minTrials)
    .sort(([a], [b]) => a - b)
    .map(([step, values]) => ({ step, median: median(values), trials: values.length }));
}

/**
 * The threshold that stops a trial at the last evaluation of `curve` (its evaluations so far): the one at that
 * step, when the trial's best value so far is strictly below its median (a tie goes on); null otherwise.
 */
export function stoppingThreshold(thresholds: StoppingThresholds, curve: LearningCurve): StepThreshold | null {
  const last = curve.at(-1);
  const threshold = last && thresholds.find((t) => t.step === last.step);
  if (!threshold) return null;
  const best = Math.max(...curve.map((point) => point.value));
  return best < threshold.median ? threshold : null;
}


// ---------------------------------------------------------------------------------------------------
// The records: which curves count, and what stopping saved

/** Whether a reward's metrics are those of a trial the rule stopped (they say at which step). */
export const stoppedEarly = (metrics: Record<string, number>): boolean => metrics.stoppedAtStep !== undefined;

/** Whether a trial record is of a trial the rule stopped. */
export const wasStopped = (trial: TrialRecord): boolean => trial.status === 'finished' && stoppedEarly(trial.metrics);

/**
 * The learning curves the rule compares against: those of the trials that ran their whole budget. Duplicates
 * are left out (a twin's curve would count twice), and so are stopped trials, as Optuna leaves out pruned ones:
 * their curves end early, and the median is that of trials that were good enough to finish.
 */
export function completedCurves(trials: readonly TrialRecord[]): LearningCurve[] {
  return trials
    .filter((t) => t.status === 'finished' && t.duplicateOf === null && !wasStopped(t) && (t.curve?.length ?? 0) > 0)
    .sort((a, b) => a.id - b.id)
    .map((t) => t.curve!);
}

/** What the rule saved over a run, against training every evaluated trial to the end of its budget. */
export interface EarlyStoppingSummary {
  /** Evaluated trials (finished, not duplicates), and of them those the rule stopped. */
  trials: number;
  stopped: number;
  /** Steps trained by the evaluated trials, and steps they would have trained without the rule. */
  stepsTrained: number;
  stepsBudget: number;
  /** Σ over stopped trials of (budget steps − steps trained). */
  stepsSaved: number;
  /** An estimate: each stopped trial's steps saved at its own pace so far (its seconds per step trained, evaluations included). */
  secondsSaved: number;
}

/** Sums what stopping saved from a run's trial records (trials without step counts, as the target reward's, count as none). */
export function earlyStoppingSummary(trials: readonly TrialRecord[]): EarlyStoppingSummary {
  const summary: EarlyStoppingSummary = { trials: 0, stopped: 0, stepsTrained: 0, stepsBudget: 0, stepsSaved: 0, secondsSaved: 0 };
  for (const trial of trials) {
    if (trial.status !== 'finished' || trial.duplicateOf !== null) continue;
    summary.trials++;
    const trained = trial.metrics.steps ?? 0;
    const budget = trial.metrics.budgetSteps ?? trained;
    summary.stepsTrained += trained;
    summary.stepsBudget += budget;
    if (!wasStopped(trial)) continue;
    summary.stopped++;
    summary.stepsSaved += budget - trained;
    if (trained > 0 && trial.seconds !== null) summary.secondsSaved += (trial.seconds / trained) * (budget - trained);
  }
  return summary;
}

/** The summary as one line for people, e.g. "early stopping: 3 of 8 trials stopped, 420 of 1600 steps saved (26 %), about 95 s". */
export function formatEarlyStopping(summary: EarlyStoppingSummary): string {
  const share = summary.stepsBudget > 0 ? ` (${Math.round((100 * summary.stepsSaved) / summary.stepsBudget)} %)` : '';
  return `early stopping: ${summary.stopped} of ${summary.trials} trials stopped, ${summary.stepsSaved} of ${summary.stepsBudget} steps saved${share}, about ${Math.round(summary.secondsSaved)} s`;
}
