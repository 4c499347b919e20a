// The budget of the proxy reward (the paper's §4.2 proxy task, scaled to a CPU): which detector it trains, on
// what, for how long. Plain data and pure functions, no tensors: the search process reads and checks the
// `--reward proxy:...` options here before any trial starts, and each worker turns them into the training
// recipe of a trial (src/search/proxy.ts).
//
// Where the numbers come from, later ones winning:
//   1. the defaults below (the proxy task of examples/proxy.fpn, sized so that a trial takes minutes on tfjs-node);
//   2. the proxy task's recipe, when the search space names a `train` declaration as its proxy (its batch,
//      learning rate and schedule, augmentation, data, and its detector's input size and width);
//   3. the options of the reward spec (`proxy:steps=200,input=128,...`).
import {
  BASE_BATCH_SIZE, BASE_LEARNING_RATE, DECAY_FACTOR, FLIP_PROBABILITY, SCALE_JITTER, SGD_MOMENTUM, WARMUP_LEARNING_RATE, WEIGHT_DECAY,
} from '../semantics/defaults.js';
import type { DetectorIR, PyramidNetworkIR, SearchSpaceIR, TrainIR } from '../semantics/ir.js';
import { staleStatisticsWarning } from '../train/moving-statistics.js';
import { assertNever } from '../util/assert-never.js';
import { DEFAULT_MIN_TRIALS, type MedianStoppingOptions } from './early-stopping.js';
import type { RewardSpec } from './records.js';

/** The options `--reward proxy:key=value,...` takes; every one is optional. */
export interface ProxyOptions {
  /** Training steps (batches) per trial. */
  steps?: number;
  /** Images per step. */
  batch?: number;
  /** The learning rate at `batch` (not per 64 images, unlike a recipe's `lr ... per 64`). */
  lr?: number;
  /** Steps of linear warm-up (0: none). */
  warmup?: number;
  /** Square input size of the proxy detector, a multiple of the stride of its top level (128 for P7). */
  input?: number;
  /** Feature width of its pyramids (and head towers). */
  width?: number;
  /** Val images the AP is measured on (the first ones); absent: all of them. */
  evalImages?: number;
  /** The dataset folder (COCO form: annotations/instances_{train,val}.json, as `nasfpn data synth` writes). */
  data?: string;
  /** Evaluate every this many steps as well as at the end (absent: only at the end). */
  evalEvery?: number;
  /** The reward: the mean AP of the last this many evaluations (default 1, the final one). */
  last?: number;
  /**
   * A warm start: the checkpoint (or training run, its newest checkpoint) whose backbone and, where shapes
   * match, heads every trial starts from (src/train/warm-start.ts). The search pins it as a checkpoint folder
   * and its content address, `initHash`, when the run starts; a worker refuses a checkpoint whose content differs.
   */
  init?: string;
  initHash?: string;
  /**
   * Early stopping of bad trials at the evaluations during training (src/search/early-stopping.ts): `median`
   * stops a trial whose AP is strictly below the median of the completed trials' AP at the same step.
   */
  stop?: StopRule;
  /** No trial is stopped before this step (default: a third of the budget). */
  stopWarmup?: number;
  /** Completed trials with an AP at a step before the rule stops anything there (default 3). */
  stopMinTrials?: number;
}

/** The early-stopping rules `stop=` names. */
export const STOP_RULES = ['median'] as const;
export type StopRule = (typeof STOP_RULES)[number];

const OPTION_KINDS: Record<keyof ProxyOptions, 'count' | 'rate' | 'path' | 'text' | 'stop rule'> = {
  steps: 'count', batch: 'count', lr: 'rate', warmup: 'count', input: 'count', width: 'count', evalImages: 'count', data: 'path',
  evalEvery: 'count', last: 'count', init: 'path', initHash: 'text', stop: 'stop rule', stopWarmup: 'count', stopMinTrials: 'count',
};
/** The counts that may be 0 (the others start at 1). */
const ZERO_COUNTS: readonly (keyof ProxyOptions)[] = ['warmup', 'stopWarmup'];
const PROXY_OPTION_NAMES = Object.keys(OPTION_KINDS) as (keyof ProxyOptions)[];

/** The defaults without a recipe: examples/proxy.fpn's task, shortened to a fixed number of steps. */
export const PROXY_DEFAULTS = {
  /** Steps per trial: about a minute of ResNet-10 + 3 pyramids @ 64 at 128² on tfjs-node (docs/search.md). */
  steps: 100,
  batch: 8,
  /** The paper's 0.08 per 64 images, at batch 8. */
  lr: (BASE_LEARNING_RATE * 8) / BASE_BATCH_SIZE,
  /** A fifth of the default steps: short runs need the warm-up too (the detector's early steps diverge without it). */
  warmup: 20,
  /** Caps on a bare proxy detector's input and width: examples/proxy.fpn's (the smallest input P3..P7 allows, a quarter of the paper's 256). */
  input: 128,
  width: 64,
  /** The gradient-norm limit of examples/proxy.fpn. */
  clip: 10,
} as const;

/** [Paper] §4.2: the proxy task drops the learning rate (×DECAY_FACTOR, 0.1) after 8 of its 10 epochs. */
const DECAY_AT_FRACTION = 0.8;

/** Reads and checks the options of a `proxy` reward spec; a bad one is a RangeError naming it. */
export function readProxyOptions(spec: RewardSpec): ProxyOptions {
  const options: ProxyOptions = {};
  for (const [key, value] of Object.entries(spec.options)) {
    const kind = Object.hasOwn(OPTION_KINDS, key) ? OPTION_KINDS[key as keyof ProxyOptions] : undefined;
    if (!kind) throw new RangeError(`reward 'proxy' has no option '${key}' (have: ${PROXY_OPTION_NAMES.join(', ')})`);
    switch (kind) {
      case 'count': {
        const least = ZERO_COUNTS.includes(key as keyof ProxyOptions) ? 0 : 1;
        if (typeof value !== 'number' || !Number.isInteger(value) || value < least) {
          throw new RangeError(`reward 'proxy': ${key} must be a whole number ≥ ${least}, not '${value}'`);
        }
        (options as Record<string, number>)[key] = value;
        break;
      }
      case 'rate':
        if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new RangeError(`reward 'proxy': ${key} must be a number > 0, not '${value}'`);
        (options as Record<string, number>)[key] = value;
        break;
      case 'path':
        if (typeof value !== 'string' || value === '') throw new RangeError(`reward 'proxy': ${key} must be a folder, not '${value}'`);
        (options as Record<string, string>)[key] = value;
        break;
      case 'text':
        (options as Record<string, string>)[key] = String(value);
        break;
      case 'stop rule':
        if (!(STOP_RULES as readonly unknown[]).includes(value)) throw new RangeError(`reward 'proxy': stop must be one of ${STOP_RULES.join(', ')}, not '${value}'`);
        options.stop = value as StopRule;
        break;
      default:
        return assertNever(kind, 'proxy option kind');
    }
  }
  return options;
}

/** Why `options` cannot train `space`'s proxy task (a message), or null when they can. */
export function proxyProblem(space: SearchSpaceIR, options: ProxyOptions): string | null {
  if (!space.proxy) return `search space '${space.name}' names no proxy detector: add \`proxy DETECTOR\` (or a train recipe) to it`;
  const recipe = space.proxyRecipe;
  if (!options.data && !recipe) return "the proxy reward needs a dataset: give data=DIR (make one with `nasfpn data synth`), or name a train recipe as the space's proxy";
  const stride = 2 ** space.maxLevel;
  const input = options.input ?? recipe?.detector.inputSize ?? Math.min(space.proxy.inputSize, PROXY_DEFAULTS.input);
  if (input % stride !== 0) return `reward 'proxy': input ${input} is not a multiple of ${stride} (the stride of P${space.maxLevel})`;
  const steps = budgetSteps(space, options);
  const warmup = warmupSteps(space, options, steps);
  // A recipe counted in epochs has a length in steps only once the dataset is read: its warm-up is not checked here.
  if (steps !== null && warmup >= steps && warmup > 0) return `reward 'proxy': the warm-up (${warmup} steps) is as long as the run (${steps} steps)`;
  const evalEvery = options.evalEvery ?? recipe?.eval.every ?? null;
  if ((options.last ?? 1) > 1 && evalEvery === null) return `reward 'proxy': last=${options.last} needs evaluations during training: give evalEvery=STEPS`;
  if (options.stop !== undefined && evalEvery === null) return `reward 'proxy': stop=${options.stop} needs evaluations during training: give evalEvery=STEPS`;
  for (const key of ['stopWarmup', 'stopMinTrials'] as const) {
    if (options[key] !== undefined && options.stop === undefined) return `reward 'proxy': ${key} is an option of early stopping: give stop=${STOP_RULES.join('|')} too`;
  }
  // Trials are stopped only at evaluations during training, which come before the last step.
  if (options.stopWarmup !== undefined && steps !== null && options.stopWarmup >= steps) {
    return `reward 'proxy': stopWarmup=${options.stopWarmup} is not before the run's end (${steps} steps): no trial could be stopped`;
  }
  return null;
}

/** The early-stopping rule of the options (the search computes its thresholds), or null when there is none. */
export function proxyStoppingRule(options: ProxyOptions): MedianStoppingOptions | null {
  const rule = options.stop;
  if (rule === undefined) return null;
  switch (rule) {
    case 'median':
      return { warmupSteps: options.stopWarmup, minTrials: options.stopMinTrials ?? DEFAULT_MIN_TRIALS };
    default:
      return assertNever(rule, 'stop rule');
  }
}

/** Whether a trial evaluates during training: for the mean of the last evaluations, or to be stopped early at one. */
const evaluatesDuringTraining = (options: ProxyOptions): boolean => (options.last ?? 1) > 1 || options.stop !== undefined;

/** The steps a trial trains: the spec's, the proxy recipe's, or the default; null for a recipe counted in epochs. */
function budgetSteps(space: SearchSpaceIR, options: ProxyOptions): number | null {
  const recipe = space.proxyRecipe;
  if (options.steps !== undefined) return options.steps;
  if (!recipe) return PROXY_DEFAULTS.steps;
  return recipe.length.unit === 'steps' ? recipe.length.count : null;
}

/** The warm-up steps of a trial of `steps` steps: the spec's, the recipe's, or the default (shorter than the run). */
function warmupSteps(space: SearchSpaceIR, options: ProxyOptions, steps: number | null): number {
  return options.warmup ?? space.proxyRecipe?.warmup.steps ?? Math.min(PROXY_DEFAULTS.warmup, (steps ?? PROXY_DEFAULTS.steps) - 1);
}

/**
 * The detector a trial trains: the space's proxy detector with the trial's pyramid in it, at the budget's input
 * size and width, with as many class channels as the dataset needs.
 */
export function trialDetector(space: SearchSpaceIR, options: ProxyOptions, pyramid: PyramidNetworkIR, classes: number): DetectorIR {
  const base = space.proxyRecipe?.detector ?? space.proxy;
  if (!base) throw new RangeError(proxyProblem(space, options) ?? 'no proxy detector');
  // A recipe's detector is trained as declared; a bare proxy detector (the paper's is 512² and 256 wide, hours a
  // trial on a CPU) is capped at the CPU budget's input and width.
  const fromRecipe = space.proxyRecipe !== null;
  const width = options.width ?? (fromRecipe ? base.width : Math.min(base.width, PROXY_DEFAULTS.width));
  const inputSize = options.input ?? (fromRecipe ? base.inputSize : Math.min(base.inputSize, PROXY_DEFAULTS.input));
  // The head towers follow the pyramid's width unless the detector set their own.
  const headWidth = base.head.width === base.width ? width : base.head.width;
  return { ...structuredClone(base), pyramid, width, inputSize, head: { ...structuredClone(base.head), width: headWidth, classes } };
}

/**
 * The training recipe of one trial: the space's proxy recipe (or the defaults) with the spec's options applied,
 * training `detector` for a fixed number of steps with the trial's seed. Learning rates are at the batch used.
 */
export function trialRecipe(space: SearchSpaceIR, options: ProxyOptions, detector: DetectorIR, seed: number, dataDir: string): TrainIR {
  const recipe = space.proxyRecipe;
  const steps = budgetSteps(space, options);
  const batch = options.batch ?? recipe?.batch ?? PROXY_DEFAULTS.batch;
  // A recipe's rates are at its batch: a different batch scales them (the linear scaling rule, as `nasfpn train --batch`).
  const scale = recipe ? batch / recipe.batch : 1;
  const peak = options.lr ?? (recipe ? recipe.learningRate.peak * scale : PROXY_DEFAULTS.lr);
  const warmup = warmupSteps(space, options, steps);
  const warmupFrom = recipe && options.lr === undefined ? recipe.warmup.from * scale : (WARMUP_LEARNING_RATE / BASE_LEARNING_RATE) * peak;
  const length: TrainIR['length'] = steps !== null ? { unit: 'steps', count: steps } : recipe!.length;
  // The recipe's schedule, unless steps= shortens the run: then its step decay becomes the proxy task's (×0.1 at 80%).
  const keepsSchedule = recipe && (options.steps === undefined || recipe.decay.kind !== 'step');
  const decay: TrainIR['decay'] = keepsSchedule
    ? recipe.decay
    : { kind: 'step', unit: 'steps', at: [Math.max(1, Math.round(DECAY_AT_FRACTION * length.count))], factor: DECAY_FACTOR };
  return {
    name: `proxy-${detector.pyramid.name}`,
    detector,
    data: { written: dataDir, path: dataDir },
    length,
    batch,
    learningRate: { base: peak, perBatch: batch, peak },
    warmup: { steps: warmup, from: warmup > 0 ? warmupFrom : peak },
    decay,
    momentum: recipe?.momentum ?? SGD_MOMENTUM,
    weightDecay: recipe?.weightDecay ?? WEIGHT_DECAY,
    jitter: recipe?.jitter ?? { min: SCALE_JITTER[0], max: SCALE_JITTER[1] },
    flip: recipe?.flip ?? FLIP_PROBABILITY,
    clipNorm: recipe ? recipe.clipNorm : PROXY_DEFAULTS.clip,
    // A trial writes nothing: no checkpoints. It evaluates at the end, and every `evalEvery` steps when the reward
    // is the mean of the last evaluations or a rule may stop it early (src/search/proxy.ts).
    checkpoint: { every: Number.MAX_SAFE_INTEGER, keep: 1 },
    eval: { every: options.evalEvery ?? (evaluatesDuringTraining(options) ? recipe?.eval.every ?? null : null), images: options.evalImages ?? recipe?.eval.images ?? null },
    logEvery: Number.MAX_SAFE_INTEGER,
    seed,
  };
}

/**
 * A warning when every trial's AP would be measured with stale batch-norm statistics (the proxy detector's
 * momentum is too high for the budget's steps, docs/training.md), so the rewards could not rank anything; null
 * when the budget is long enough, or counted in epochs (unknown steps until the dataset is read).
 */
export function proxyWarning(space: SearchSpaceIR, options: ProxyOptions): string | null {
  const detector = space.proxyRecipe?.detector ?? space.proxy;
  if (!detector) return null;
  const steps = budgetSteps(space, options);
  if (steps === null) return null;
  const stale = staleStatisticsWarning(detector.batchNorm.momentum, steps);
  return stale && `the proxy detector '${detector.name}': ${stale}; every trial's reward would be near 0 (examples/proxy.fpn#synth_space has a proxy recipe that learns in 200 steps)`;
}
