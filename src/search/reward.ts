// Rewards: what a trial's architecture is worth. A reward runs on a worker (a local child process or a
// `nasfpn worker` on another machine), so it is named by a serialisable RewardSpec and built there.
//
// Rewards here:
//   target — a cheap surrogate with a known optimum, for demos, tests and benchmarks (no training): the
//            fraction of a hidden target architecture's choices that the trial's pyramid shares, cell by
//            cell (level, op, and each of the two inputs, the inputs as an unordered pair). The target is
//            drawn from the space with its own seed, so its reward 1 is the known optimum.
//   proxy  — the paper's proxy task (§4.2): the space's proxy detector with the trial's pyramid in it, trained
//            by the training loop for a fixed budget, scored by COCO AP on the held-out split
//            (src/search/proxy.ts; its budget in proxy-budget.ts). TF.js loads only when a trial runs.
// Both implement the interface of reward-interface.ts, which also holds the errors a reward raises.
import type { PyramidIR, PyramidNetworkIR, SearchSpaceIR } from '../semantics/ir.js';
import { assertNever } from '../util/assert-never.js';
import { Random } from '../util/random.js';
import { sleep } from '../util/sleep.js';
import type { MedianStoppingOptions } from './early-stopping.js';
import { proxyProblem, proxyStoppingRule, readProxyOptions, type ProxyOptions } from './proxy-budget.js';
import type { RewardSpec } from './records.js';
import { TrialFailure, type Reward, type RewardContext, type RewardResult, type TrialInput } from './reward-interface.js';
import { decisionsToPyramid, sampleDecisions } from './space.js';

const REWARD_NAMES = ['target', 'proxy'] as const;
type RewardName = (typeof REWARD_NAMES)[number];

/** `name` or `name:key=value,key=value` (numbers and booleans parsed), as `--reward` takes it. */
export function parseRewardSpec(text: string): RewardSpec {
  const [name, rest] = text.split(/:(.*)/s, 2);
  // A null prototype: `__proto__=1` is an option name like any other (and then an unknown one).
  const options: RewardSpec['options'] = Object.create(null);
  if (rest) {
    for (const pair of rest.split(',')) {
      const [key, value] = pair.split('=', 2);
      if (!key || value === undefined) throw new RangeError(`reward option '${pair}' is not key=value`);
      options[key.trim()] = value === 'true' ? true : value === 'false' ? false : Number.isFinite(Number(value)) && value.trim() !== '' ? Number(value) : value;
    }
  }
  rewardName({ name, options });
  return { name, options };
}

/** The spec's reward name, checked: a RangeError for a name no reward has (a hand-edited config, a typo). */
function rewardName(spec: RewardSpec): RewardName {
  if (!(REWARD_NAMES as readonly string[]).includes(spec.name)) {
    throw new RangeError(`unknown reward '${spec.name}' (have: ${REWARD_NAMES.join(', ')})`);
  }
  return spec.name as RewardName;
}

export const describeReward = (spec: RewardSpec): string =>
  Object.keys(spec.options).length ? `${spec.name}:${Object.entries(spec.options).map(([k, v]) => `${k}=${v}`).join(',')}` : spec.name;

export function createReward(spec: RewardSpec, space: SearchSpaceIR): Reward {
  const name = rewardName(spec);
  switch (name) {
    case 'target':
      return new TargetReward(space, readTargetOptions(spec));
    case 'proxy':
      return new LazyProxyReward(space, readProxyOptions(spec));
    default:
      return assertNever(name, 'reward');
  }
}

/** Whether the reward trains models (and so needs a TF.js backend where trials run). */
export function rewardTrains(spec: RewardSpec): boolean {
  const name = rewardName(spec);
  switch (name) {
    case 'target':
      return false;
    case 'proxy':
      return true;
    default:
      return assertNever(name, 'reward');
  }
}

/**
 * The early-stopping rule of the reward (src/search/early-stopping.ts), whose thresholds the search sends with
 * each trial; null when the reward stops no trial early.
 */
export function rewardStoppingRule(spec: RewardSpec): MedianStoppingOptions | null {
  const name = rewardName(spec);
  switch (name) {
    case 'target':
      return null;
    case 'proxy':
      return proxyStoppingRule(readProxyOptions(spec));
    default:
      return assertNever(name, 'reward');
  }
}

/**
 * Why `spec` cannot score trials of `space` (a message), or null when it can: checked by the search before
 * any trial runs, so a bad budget or a missing proxy detector is a clear error rather than a run of failures.
 * Throws a RangeError for an unknown reward or option.
 */
export function rewardProblem(spec: RewardSpec, space: SearchSpaceIR): string | null {
  const name = rewardName(spec);
  switch (name) {
    case 'target':
      readTargetOptions(spec);
      return null;
    case 'proxy':
      return proxyProblem(space, readProxyOptions(spec));
    default:
      return assertNever(name, 'reward');
  }
}

// ---------------------------------------------------------------------------------------------------
// The known-optimum surrogate

interface TargetOptions {
  /** Seed of the hidden target architecture. */
  seed: number;
  /** Milliseconds each trial takes (in progress steps), to stand in for training in engine tests and demos. */
  delay: number;
  /** Probability that a trial fails with a TrialFailure (decided by its hash, so repeatable). */
  fail: number;
}

const TARGET_DEFAULTS: TargetOptions = { seed: 1, delay: 0, fail: 0 };
/** How many progress reports a delayed surrogate trial makes. */
const PROGRESS_STEPS = 4;

function readTargetOptions(spec: RewardSpec): TargetOptions {
  const options = { ...TARGET_DEFAULTS };
  for (const [key, value] of Object.entries(spec.options)) {
    if (!Object.hasOwn(options, key)) throw new RangeError(`reward 'target' has no option '${key}' (have: ${Object.keys(options).join(', ')})`);
    if (typeof value !== 'number' || value < 0) throw new RangeError(`reward 'target': ${key} must be a number ≥ 0`);
    options[key as keyof TargetOptions] = value;
  }
  if (options.fail > 1) throw new RangeError("reward 'target': fail is a probability (0..1)");
  return options;
}

/** The hidden optimum of the `target` reward for `space` and `seed`. */
export function targetArchitecture(space: SearchSpaceIR, seed: number): PyramidIR {
  return decisionsToPyramid(space, sampleDecisions(space, Random.seeded(seed)), 'target');
}

/**
 * Fraction of `target`'s per-cell choices (level, op, two inputs) that `pyramid` shares: 1 exactly at the target.
 * A pyramid given outright (a study's baseline) is compared cell by cell as far as both go; a fixed `kind fpn`
 * pyramid has no cells, so it shares nothing.
 */
export function targetScore(pyramid: PyramidNetworkIR, target: PyramidIR): number {
  if (pyramid.kind === 'fpn') return 0;
  let matches = 0;
  pyramid.cells.slice(0, target.cells.length).forEach((cell, i) => {
    const goal = target.cells[i]!;
    if (cell.level === goal.level) matches++;
    if (cell.op.kind === goal.op.kind) matches++;
    for (const input of new Set(cell.inputs)) if (goal.inputs.includes(input)) matches++;
  });
  return matches / (4 * target.cells.length);
}

class TargetReward implements Reward {
  readonly name = 'target';
  private readonly target: PyramidIR;

  constructor(space: SearchSpaceIR, private readonly options: TargetOptions) {
    this.target = targetArchitecture(space, options.seed);
  }

  async evaluate(trial: TrialInput, context: RewardContext): Promise<RewardResult> {
    const reward = targetScore(trial.pyramid, this.target);
    if (this.options.delay > 0) {
      for (let step = 1; step <= PROGRESS_STEPS; step++) {
        // util/sleep resolves on abort (and waits out a signal aborted before it): the reward must throw.
        context.signal.throwIfAborted();
        await sleep(this.options.delay / PROGRESS_STEPS, context.signal);
        context.signal.throwIfAborted();
        context.progress(step / PROGRESS_STEPS, { step });
      }
    }
    if (this.options.fail > 0 && Random.seeded(parseInt(trial.hash.slice(0, 8), 16)).float() < this.options.fail) {
      throw new TrialFailure(`surrogate failure (the target reward fails ${this.options.fail * 100}% of architectures)`);
    }
    return { reward, metrics: { matched: Math.round(reward * 4 * this.target.cells.length) } };
  }
}

// ---------------------------------------------------------------------------------------------------
// The proxy task, loaded on first use

/** The proxy reward, with its training code (TF.js, the data and eval rooms) imported when the first trial runs. */
class LazyProxyReward implements Reward {
  readonly name = 'proxy';
  private loaded: Promise<Reward> | null = null;

  constructor(private readonly space: SearchSpaceIR, private readonly options: ProxyOptions) {
    const problem = proxyProblem(space, options);
    if (problem) throw new RangeError(problem);
  }

  async evaluate(trial: TrialInput, context: RewardContext): Promise<RewardResult> {
    this.loaded ??= import('./proxy.js').then(({ ProxyReward }) => new ProxyReward(this.space, this.options));
    return (await this.loaded).evaluate(trial, context);
  }
}
