// What a reward is, as the search engine and the workers see it: the trial it scores, what it reports while it
// runs, what it returns, and the two errors that say a trial's failure is final. The rewards themselves sit on
// top of this (reward.ts: the registry and the target surrogate; proxy.ts: the proxy task).
import type { PyramidNetworkIR, SearchSpaceIR } from '../semantics/ir.js';
import type { StoppingThresholds } from './early-stopping.js';
import type { CurvePoint } from './records.js';

/** A trial as a worker receives it. */
export interface TrialInput {
  id: number;
  hash: string;
  /** The architecture as .fpn text, and its decisions in `space` (empty for a study's pyramid given outright). */
  fpn: string;
  decisions: number[];
  /** The architecture the reward scores, built by the search (from the decisions, or a study's fixed pyramid). */
  pyramid: PyramidNetworkIR;
  space: SearchSpaceIR;
  /** A seed for anything random the reward does (weight init, data order), fixed per trial. */
  seed: number;
  /**
   * Where the reward's early-stopping rule stops this trial (src/search/early-stopping.ts): the thresholds the
   * trials completed when it was sent set. Absent when the reward has no such rule.
   */
  stopping?: StoppingThresholds;
}

export interface RewardContext {
  /** Reports how far the trial is (0..1) and running numbers (loss, step); cheap to call often. */
  progress(fraction: number, metrics?: Record<string, number>): void;
  /** Aborted when the search stops or the trial is cancelled: the reward should stop soon and throw. */
  signal: AbortSignal;
}

export interface RewardResult {
  reward: number;
  metrics: Record<string, number>;
  /** The evaluations during and at the end of training (step, value), when the reward makes them. */
  curve?: CurvePoint[];
}

export interface Reward {
  readonly name: string;
  evaluate(trial: TrialInput, context: RewardContext): Promise<RewardResult>;
}

/**
 * The architecture itself failed (a non-finite loss, an invalid model): the trial is recorded as failed with
 * this message and is not retried. Any other error is the worker's problem and the trial is retried.
 */
export class TrialFailure extends Error {}

/**
 * The reward cannot run on this worker as configured (a missing dataset, a space without a proxy detector):
 * every trial would fail alike, so the trial fails without a retry, with this message.
 */
export class RewardSetupError extends Error {}
