// The proxy reward on a tiny synthetic dataset (12 images of 64², 3 classes) and a tiny detector (ResNet-10,
// one pyramid 8 wide, P3..P5 at 64²), trained for 3 steps on whatever backend is present (tfjs-node here,
// wasm in CI). What is checked is the plumbing: AP in [0, 1] with its metrics, progress per step, failures,
// the abort signal, the budget's arithmetic and the per-process dataset cache.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SYNTH, writeSynthDataset } from '../../src/data/synth.js';
import { loadTf } from '../../src/runtime/backend.js';
import { checkText } from '../../src/semantics/program.js';
import type { SearchSpaceIR } from '../../src/semantics/ir.js';
import { PROXY_DEFAULTS, readProxyOptions, trialDetector, trialRecipe } from '../../src/search/proxy-budget.js';
import { proxyData } from '../../src/search/proxy.js';
import { createReward, parseRewardSpec, rewardProblem, rewardStoppingRule } from '../../src/search/reward.js';
import { TrialFailure, type RewardContext, type TrialInput } from '../../src/search/reward-interface.js';
import { decisionsToPyramid, sampleDecisions } from '../../src/search/space.js';
import { runTrial } from '../../src/search/trial-runner.js';
import { Random } from '../../src/util/random.js';

const SPACE_TEXT = `
pyramid seed {
  kind fpn
  inputs P3..P5
}
detector tiny {
  backbone resnet10
  pyramid seed x 2 @ 16
  input 64
  head retinanet convs 1 classes 4
}
search tiny_space {
  inputs P3..P5
  cells 4
  ops sum global_pool
  proxy tiny
}
`;

function space(text = SPACE_TEXT): SearchSpaceIR {
  const result = checkText(text, '/virtual/space.fpn');
  if (!result.program) throw new Error(result.diagnostics.map((d) => d.message).join('; '));
  return result.program.searchSpaces[0];
}

let data = '';
beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), 'nasfpn-proxy-'));
  await writeSynthDataset(data, { ...DEFAULT_SYNTH, images: 12, size: 64, classes: 3, seed: 1, valFraction: 0.25 });
});
afterAll(() => rmSync(data, { recursive: true, force: true }));

/** A trial of `s` with the decisions drawn from `seed`. */
function trial(s: SearchSpaceIR, id: number, seed = id): TrialInput {
  const decisions = sampleDecisions(s, Random.seeded(seed));
  return { id, hash: `h${id}`, fpn: '', decisions, pyramid: decisionsToPyramid(s, decisions, `trial${id}`), space: s, seed: 7 };
}

function context(signal = new AbortController().signal) {
  const reports: { fraction: number; metrics?: Record<string, number> }[] = [];
  const ctx: RewardContext = { progress: (fraction, metrics) => reports.push({ fraction, metrics }), signal };
  return { ctx, reports };
}

const tinyBudget = () => ({ data, steps: 3, batch: 2, width: 8 });

describe('the proxy reward', () => {
  it('trains the trial for its steps and returns COCO AP on the val split with its metrics', async () => {
    const s = space();
    const reward = createReward({ name: 'proxy', options: tinyBudget() }, s);
    const { ctx, reports } = context();
    const result = await reward.evaluate(trial(s, 1), ctx);
    expect(result.reward).toBeGreaterThanOrEqual(0);
    expect(result.reward).toBeLessThanOrEqual(1);
    expect(result.metrics.AP).toBe(result.reward);
    expect(result.metrics.AP50).toBeGreaterThanOrEqual(0);
    expect(result.metrics.AP50).toBeLessThanOrEqual(1);
    expect(Number.isFinite(result.metrics.loss)).toBe(true);
    expect(result.metrics).toMatchObject({ steps: 3, evalImages: 3, input: 64, width: 8 });
    expect(result.metrics.params).toBeGreaterThan(0);
    expect(result.metrics.flops).toBeGreaterThan(0);
    expect(result.metrics.seconds).toBeGreaterThanOrEqual(result.metrics.trainSeconds);
    // One report per step, step/steps, with the step's loss.
    expect(reports.map((r) => r.fraction)).toEqual([1 / 3, 2 / 3, 1]);
    expect(reports.map((r) => r.metrics?.step)).toEqual([1, 2, 3]);
    expect(reports.every((r) => Number.isFinite(r.metrics?.loss))).toBe(true);

    // A trial frees its weights, optimizer slots and training tensors: what stays is below 1% of the weights'
    // bytes (tfjs-layers keeps ~25 KB of a built model after dispose).
    const tf = await loadTf();
    const before = tf.memory().numBytes;
    await reward.evaluate(trial(s, 2), context().ctx);
    expect(tf.memory().numBytes - before).toBeLessThan(0.01 * 4 * result.metrics.params);
  }, 120_000);

  it('fails a trial whose loss stops being finite with a TrialFailure, which the runner does not retry', async () => {
    const s = space();
    const reward = createReward({ name: 'proxy', options: { ...tinyBudget(), lr: 1e30, warmup: 0 } }, s);
    const failure = await reward.evaluate(trial(s, 3), context().ctx).then(() => null, (e: unknown) => e);
    expect(failure).toBeInstanceOf(TrialFailure);
    expect((failure as Error).message).toMatch(/^the loss is not finite at step [23] of 3/);

    const outcome = await runTrial({ ...trial(s, 3), reward: { name: 'proxy', options: { ...tinyBudget(), lr: 1e30, warmup: 0 } } }, () => {}, new AbortController().signal);
    expect(outcome).toMatchObject({ ok: false, retry: false });
  }, 120_000);

  it('stops between steps when the search aborts, with the abort reason (not a TrialFailure)', async () => {
    const s = space();
    const reward = createReward({ name: 'proxy', options: { ...tinyBudget(), steps: 50 } }, s);
    const abort = new AbortController();
    const reports: number[] = [];
    const ctx: RewardContext = {
      progress: (_f, m) => {
        reports.push(m!.step);
        if (m!.step === 2) abort.abort(new Error('the search stopped'));
      },
      signal: abort.signal,
    };
    const error = await reward.evaluate(trial(s, 4), ctx).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TrialFailure);
    expect((error as Error).message).toBe('the search stopped');
    expect(reports).toEqual([1, 2]);
  }, 120_000);

  it('fails every trial without a retry when the dataset folder cannot serve', async () => {
    const s = space();
    const outcome = await runTrial({ ...trial(s, 5), reward: { name: 'proxy', options: { data: join(data, 'nowhere'), steps: 2 } } }, () => {}, new AbortController().signal);
    expect(outcome).toMatchObject({ ok: false, retry: false });
    expect(!outcome.ok && outcome.error).toMatch(/the proxy reward's dataset .*nowhere: .*not a dataset folder/);
  });

  it('loads a dataset once per process, with as many class channels as its categories need', async () => {
    const first = proxyData(data);
    expect(proxyData(data)).toBe(first);
    const loaded = await first;
    expect(loaded.classes).toBe(4); // 3 categories + the unused channel 0
    expect(loaded.train.classMap).toEqual({ kind: 'contiguous', categoryIds: [1, 2, 3] });
    expect(loaded.train.images.length).toBe(9);
    expect(loaded.val.dataset.images.length).toBe(3);
  });
});

describe('early stopping in the proxy reward (stop=median)', () => {
  // AP is in [0, 1]: a median of 2 stops any trial evaluated there, a median of −1 none.
  const unmeetable = (step: number) => [{ step, median: 2, trials: 3 }];

  it('ends a trial at an evaluation below its threshold: no more training, the reward by the `last` rule, metrics that say so', async () => {
    const s = space();
    const job = { ...trial(s, 6), stopping: unmeetable(4), reward: { name: 'proxy', options: { ...tinyBudget(), steps: 6, evalEvery: 2, last: 2, stop: 'median' } } };
    const steps: number[] = [];
    const outcome = await runTrial(job, (_f, m) => steps.push(m.step!), new AbortController().signal);
    if (!outcome.ok) throw new Error(outcome.error);
    expect(steps).toEqual([1, 2, 3, 4]); // stopped after the evaluation at step 4 of 6
    expect(outcome.metrics).toMatchObject({ stoppedAtStep: 4, stopMedian: 2, stopTrials: 3, steps: 4, budgetSteps: 6, evaluations: 2 });
    expect(outcome.curve?.map((p) => p.step)).toEqual([2, 4]);
    // Not a failure: the mean AP of its last 2 evaluations, the last of which is the reported AP.
    expect(outcome.reward).toBeCloseTo((outcome.curve![0]!.value + outcome.curve![1]!.value) / 2, 12);
    expect(outcome.metrics.AP).toBe(outcome.curve![1]!.value);
  }, 120_000);

  it('lets a trial that meets its thresholds (or has none at its evaluations) run its whole budget', async () => {
    const s = space();
    const reward = createReward({ name: 'proxy', options: { ...tinyBudget(), steps: 4, evalEvery: 2, stop: 'median' } }, s);
    const result = await reward.evaluate({ ...trial(s, 7), stopping: [{ step: 2, median: -1, trials: 3 }, ...unmeetable(3)] }, context().ctx);
    expect(result.metrics).toMatchObject({ steps: 4, evaluations: 2 });
    expect(result.metrics.stoppedAtStep).toBeUndefined();
    expect(result.metrics.budgetSteps).toBeUndefined();
    expect(result.curve?.map((p) => p.step)).toEqual([2, 4]);
    expect(result.reward).toBe(result.curve![1]!.value);
  }, 120_000);
});

describe('the proxy budget', () => {
  it('checks the spec before any trial: unknown options, bad values, no data, no proxy, a bad input size', () => {
    const s = space();
    expect(() => readProxyOptions({ name: 'proxy', options: { epochs: 3 } })).toThrow(/no option 'epochs'/);
    expect(() => readProxyOptions({ name: 'proxy', options: { steps: 2.5 } })).toThrow(/steps must be a whole number/);
    expect(() => readProxyOptions({ name: 'proxy', options: { lr: 0 } })).toThrow(/lr must be a number > 0/);
    expect(rewardProblem({ name: 'proxy', options: { steps: 5 } }, s)).toMatch(/needs a dataset: give data=DIR/);
    expect(rewardProblem({ name: 'proxy', options: { data, input: 48 } }, s)).toMatch(/input 48 is not a multiple of 32/);
    expect(rewardProblem({ name: 'proxy', options: { data, steps: 10, warmup: 10 } }, s)).toMatch(/warm-up \(10 steps\) is as long as the run/);
    expect(rewardProblem({ name: 'proxy', options: { data } }, { ...s, proxy: null })).toMatch(/names no proxy detector/);
    expect(rewardProblem({ name: 'proxy', options: { data } }, s)).toBeNull();
    expect(rewardProblem({ name: 'target', options: {} }, s)).toBeNull();
  });

  it('checks the early-stopping options: the rule, its numbers, evaluations to stop at, and no stop options without stop=', () => {
    const s = space();
    const problem = (text: string) => rewardProblem(parseRewardSpec(`proxy:data=${data},steps=10,${text}`), s);
    expect(() => problem('evalEvery=2,stop=mean')).toThrow(/stop must be one of median, not 'mean'/);
    expect(() => problem('evalEvery=2,stop=median,stopMinTrials=0')).toThrow(/stopMinTrials must be a whole number ≥ 1, not '0'/);
    expect(() => problem('evalEvery=2,stop=median,stopWarmup=-1')).toThrow(/stopWarmup must be a whole number ≥ 0/);
    expect(problem('stop=median')).toMatch(/stop=median needs evaluations during training: give evalEvery=STEPS/);
    expect(problem('evalEvery=2,stopWarmup=4')).toMatch(/stopWarmup is an option of early stopping: give stop=median too/);
    expect(problem('evalEvery=2,stopMinTrials=5')).toMatch(/stopMinTrials is an option of early stopping/);
    expect(problem('evalEvery=2,stop=median,stopWarmup=10')).toMatch(/stopWarmup=10 is not before the run's end \(10 steps\): no trial could be stopped/);
    expect(problem('evalEvery=2,stop=median,stopWarmup=4,stopMinTrials=5')).toBeNull();
    // The rule the search sends thresholds for: the defaults (a third of the budget, 3 trials), or the options'.
    expect(rewardStoppingRule(parseRewardSpec('proxy:evalEvery=2,stop=median'))).toEqual({ warmupSteps: undefined, minTrials: 3 });
    expect(rewardStoppingRule(parseRewardSpec('proxy:evalEvery=2,stop=median,stopWarmup=4,stopMinTrials=5'))).toEqual({ warmupSteps: 4, minTrials: 5 });
    expect(rewardStoppingRule(parseRewardSpec('proxy:evalEvery=2'))).toBeNull();
    expect(rewardStoppingRule({ name: 'target', options: {} })).toBeNull();
  });

  it('without a recipe: the defaults, the detector capped to a CPU, with the paper\'s ×0.1 decay at 80% of the steps', () => {
    const s = space(SPACE_TEXT.replace('input 64', 'input 512').replace('@ 16', '@ 256'));
    const options = readProxyOptions({ name: 'proxy', options: { data: '/d' } });
    const pyramid = decisionsToPyramid(s, sampleDecisions(s, Random.seeded(1)), 'p');
    const detector = trialDetector(s, options, pyramid, 4);
    expect(detector).toMatchObject({ inputSize: 128, width: 64, repeats: 2, head: { width: 64, classes: 4 }, pyramid });
    const recipe = trialRecipe(s, options, detector, 42, '/d');
    expect(recipe).toMatchObject({
      length: { unit: 'steps', count: PROXY_DEFAULTS.steps }, batch: 8,
      learningRate: { peak: 0.01, perBatch: 8 }, warmup: { steps: 20 },
      decay: { kind: 'step', unit: 'steps', at: [80], factor: 0.1 }, clipNorm: 10, seed: 42,
      eval: { every: null, images: null }, data: { path: '/d' },
    });
    expect(recipe.warmup.from).toBeCloseTo(0.0067 / 8, 10); // the paper's warm-up start, at the same ratio to the peak
  });

  it('a small proxy detector is trained at its own input and width', () => {
    const s = space();
    const options = readProxyOptions({ name: 'proxy', options: { data: '/d' } });
    const detector = trialDetector(s, options, decisionsToPyramid(s, sampleDecisions(s, Random.seeded(1)), 'p'), 4);
    expect(detector).toMatchObject({ inputSize: 64, width: 16, head: { width: 16 } });
  });

  it('the spec options override the defaults', () => {
    const s = space();
    const options = readProxyOptions({ name: 'proxy', options: { data: '/d', steps: 10, batch: 2, lr: 0.002, warmup: 0, input: 64, width: 8, evalImages: 5 } });
    const detector = trialDetector(s, options, decisionsToPyramid(s, sampleDecisions(s, Random.seeded(1)), 'p'), 4);
    expect(detector).toMatchObject({ inputSize: 64, width: 8, head: { width: 8 } });
    expect(trialRecipe(s, options, detector, 1, '/d')).toMatchObject({
      length: { count: 10 }, batch: 2, learningRate: { peak: 0.002 }, warmup: { steps: 0, from: 0.002 },
      decay: { at: [8] }, eval: { images: 5 },
    });
  });

  it('with a train recipe as the space\'s proxy: the recipe\'s detector, schedule and data, the spec still overriding', () => {
    const s = space(`
pyramid seed {
  kind fpn
  inputs P3..P7
}
detector proxy_synth {
  backbone resnet10
  pyramid seed x 3 @ 96
  input 256
  head retinanet classes 9
}
train proxy_task {
  detector proxy_synth
  data "../data/synth"
  steps 150
  batch 8
  lr 0.08 per 64
  warmup 30 from 0.0067
  decay steps 120 factor 0.1
  clip 5
  seed 3
}
search space {
  inputs P3..P7
  cells 7
  proxy proxy_task
}
`);
    expect(s.proxy?.name).toBe('proxy_synth');
    expect(s.proxyRecipe).toMatchObject({ name: 'proxy_task', data: { path: '/data/synth' } });
    // No data= needed: the recipe names its dataset.
    expect(rewardProblem({ name: 'proxy', options: {} }, s)).toBeNull();
    const pyramid = decisionsToPyramid(s, sampleDecisions(s, Random.seeded(1)), 'p');
    const asDeclared = readProxyOptions({ name: 'proxy', options: {} });
    // The recipe's detector trains as declared (no CPU cap).
    expect(trialDetector(s, asDeclared, pyramid, 9)).toMatchObject({ inputSize: 256, width: 96, repeats: 3 });
    expect(trialRecipe(s, asDeclared, trialDetector(s, asDeclared, pyramid, 9), 11, '/data/synth')).toMatchObject({
      length: { unit: 'steps', count: 150 }, batch: 8, learningRate: { peak: 0.01 }, warmup: { steps: 30 },
      decay: { kind: 'step', unit: 'steps', at: [120], factor: 0.1 }, clipNorm: 5, seed: 11,
    });
    // steps= shortens the run (the step decay moves to 80% of it); batch= scales the recipe's rates.
    const shorter = readProxyOptions({ name: 'proxy', options: { steps: 50, batch: 4, input: 128 } });
    const detector = trialDetector(s, shorter, pyramid, 9);
    expect(detector.inputSize).toBe(128);
    const recipe = trialRecipe(s, shorter, detector, 11, '/data/synth');
    expect(recipe).toMatchObject({ length: { count: 50 }, batch: 4, learningRate: { peak: 0.005 }, decay: { at: [40] } });
    expect(recipe.warmup.from).toBeCloseTo(0.0067 / 16, 10);
  });

  it('a recipe counted in epochs keeps its length, and a warm-up longer than the default 100 steps is no problem', () => {
    const s = space(`
pyramid seed {
  kind fpn
  inputs P3..P5
}
detector tiny {
  backbone resnet10
  pyramid seed x 2 @ 16
  input 64
  head retinanet convs 1 classes 4
}
train tiny_task {
  detector tiny
  data "../data/synth"
  epochs 10
  batch 8
  lr 0.08 per 64
  warmup 150 from 0.0067
}
search space {
  inputs P3..P5
  cells 4
  proxy tiny_task
}
`);
    expect(rewardProblem({ name: 'proxy', options: {} }, s)).toBeNull();
    const options = readProxyOptions({ name: 'proxy', options: {} });
    const detector = trialDetector(s, options, decisionsToPyramid(s, sampleDecisions(s, Random.seeded(1)), 'p'), 4);
    expect(trialRecipe(s, options, detector, 1, '/data/synth')).toMatchObject({ length: { unit: 'epochs', count: 10 }, warmup: { steps: 150 } });
    // steps= makes it a run of steps again, and then its warm-up is checked.
    expect(rewardProblem({ name: 'proxy', options: { steps: 100 } }, s)).toMatch(/warm-up \(150 steps\) is as long as the run \(100 steps\)/);
  });
});
