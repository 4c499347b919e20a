// The proxy reward (the paper's §4.2, docs/search.md "The proxy reward"): a trial's pyramid in the space's proxy
// detector, trained by the training room's loop for a fixed budget on a COCO-form dataset, then scored with COCO
// AP on the dataset's held-out (val) split by the same code as `nasfpn eval RUN` (src/predict/evaluate.ts).
//
// Per worker process, once: the TF.js backend (the fastest available, printed on stderr as every command does),
// each dataset's annotations and ground truth (cached by folder), and a warm start's checkpoint. Per trial: the
// detector is built with the trial's seed (its backbone and heads then set from the warm start, `init=`), trained,
// evaluated (every `evalEvery` steps and at the end; the reward is the mean AP of the `last` evaluations) and
// freed; nothing is written to disk. With `stop=median`, an evaluation during training where the trial's best AP so
// far is below the threshold it came with for that step ends the trial there (src/search/early-stopping.ts).
//
// An architecture's own failure is a TrialFailure (no reward, no retry): a detector that does not build, a loss
// that stops being finite. The search's abort signal stops training between steps.
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { countModel } from '../codegen/count.js';
import { lowerDetector } from '../codegen/lower.js';
import { classCount } from '../data/classmap.js';
import { loadSplitOf, type Dataset } from '../data/dataset.js';
import { evaluateOn, type EvaluationSet } from '../predict/evaluate.js';
import { currentBackend, initBackend, loadTf } from '../runtime/backend.js';
import type { SearchSpaceIR } from '../semantics/ir.js';
import { eagerDetectionEngine, trainingBatches } from '../train/detection.js';
import type { TrainingEngine } from '../train/engine.js';
import { engineLine, engineRequestOf, openEngine } from '../train/engines.js';
import { LearningRateSchedule } from '../train/hooks.js';
import { readCheckpoint, type NamedArray } from '../train/checkpoint.js';
import { NonFiniteLossError, Trainer, type BatchSource, type Hook } from '../train/trainer.js';
import { warmStart } from '../train/warm-start.js';
import { stoppingThreshold, type StepThreshold } from './early-stopping.js';
import { referenceReward } from './reference.js';
import { trialDetector, trialRecipe, type ProxyOptions } from './proxy-budget.js';
import { RewardSetupError, TrialFailure, type Reward, type RewardContext, type RewardResult, type TrialInput } from './reward-interface.js';

type Tfjs = typeof TF;

/** Steps at the end of training whose mean loss is reported as the trial's `loss` (one step is noisy). */
const FINAL_LOSS_STEPS = 10;

export class ProxyReward implements Reward {
  readonly name = 'proxy';

  constructor(private readonly space: SearchSpaceIR, private readonly options: ProxyOptions) {}

  async evaluate(trial: TrialInput, context: RewardContext): Promise<RewardResult> {
    const started = performance.now();
    const tf = await proxyBackend();
    const dataDir = resolve(this.options.data ?? this.space.proxyRecipe?.data.path ?? '');
    const data = await proxyData(dataDir);
    throwIfAborted(context.signal);

    const detector = trialDetector(this.space, this.options, trial.pyramid, data.classes);
    const recipe = trialRecipe(this.space, this.options, detector, trial.seed, dataDir);
    let engine: TrainingEngine;
    let counts: { trainable: number; flops: number };
    try {
      counts = countModel(lowerDetector(detector));
      // The graph engine on tfjs-node (NASFPN_ENGINE picks another), said once per worker process.
      const opened = await openEngine(tf, recipe, engineRequestOf(undefined), () => eagerDetectionEngine(tf, recipe));
      engine = opened.engine;
      sayOnce(engineLine(opened, false));
    } catch (error) {
      throw new TrialFailure(`the proxy detector does not build: ${messageOf(error)}`);
    }
    const warm = this.options.init ? await warmStart(engine, await initWeights(this.options.init, this.options.initHash)) : null;
    const evaluations: { step: number; metrics: Record<string, number> }[] = [];
    /** The evaluations as a learning curve: step and AP. */
    const curve = () => evaluations.map((e) => ({ step: e.step, value: e.metrics.AP! }));
    const evaluate = async (step: number) => {
      const { summary } = await evaluateOn(tf, engine, detector, data.val, recipe.eval.images);
      // COCOeval's -1 means "nothing to measure" (the evaluated images hold no box): no architecture found anything.
      evaluations.push({ step, metrics: { AP: Math.max(0, summary.AP), AP50: Math.max(0, summary.AP50), AP75: Math.max(0, summary.AP75) } });
    };

    const recentLosses: number[] = [];
    /** The threshold an evaluation fell below, which ended training there; null while the trial runs on. */
    let stoppedBy = null as StepThreshold | null; // (set in the hook: `as` keeps TS from narrowing it to null here)
    const watch: Hook = {
      name: 'proxy',
      afterStep: async (trainer, result) => {
        recentLosses.push(result.loss);
        if (recentLosses.length > FINAL_LOSS_STEPS) recentLosses.shift();
        const every = recipe.eval.every;
        if (every !== null && result.step % every === 0 && result.step < trainer.totalSteps && !context.signal.aborted) {
          await evaluate(result.step);
          const AP = evaluations.at(-1)!.metrics.AP!;
          context.progress(result.step / trainer.totalSteps, { loss: result.loss, step: result.step, AP });
          stoppedBy = trial.stopping ? stoppingThreshold(trial.stopping, curve()) : null;
          if (stoppedBy) trainer.requestStop();
        } else {
          context.progress(result.step / trainer.totalSteps, { loss: result.loss, step: result.step });
        }
        if (context.signal.aborted) trainer.requestStop();
      },
    };
    let trainer: Trainer | null = null;
    let batches: BatchSource | null = null;
    try {
      batches = trainingBatches(recipe, data.train, null);
      trainer = new Trainer({
        engine, recipe, data: batches,
        // A trial has no checkpoint hook, so the trainer never writes into its run folder (which is never made).
        runDir: join(tmpdir(), `nasfpn-proxy-trial-${process.pid}`), source: { file: '', files: {} }, hooks: [new LearningRateSchedule(), watch],
      });
      try {
        await trainer.run();
      } catch (error) {
        if (error instanceof NonFiniteLossError) {
          const parts = Object.entries(error.parts).map(([k, v]) => `${k} ${v}`).join(', ');
          throw new TrialFailure(`the loss is not finite at step ${error.step} of ${trainer.totalSteps} (${parts})`);
        }
        throw error;
      }
      throwIfAborted(context.signal);
      const trainSeconds = (performance.now() - started) / 1000;
      // A stopped trial was just evaluated at the step it stopped at.
      if (!stoppedBy) await evaluate(trainer.step);
      const seconds = (performance.now() - started) / 1000;
      const evalImages = Math.min(recipe.eval.images ?? Infinity, data.val.dataset.images.length);
      const final = evaluations.at(-1)!.metrics;
      return {
        // A stopped trial's reward is taken by the same rule from the evaluations it had: the mean AP of its
        // `last` ones. Not a failure: the strategy learns that the architecture was worse than most, with the AP
        // it reached, early as it was (a lower number than it would have reached, which is the point of stopping it).
        reward: referenceReward(evaluations, this.options.last ?? 1),
        metrics: {
          // The final evaluation's numbers; the reward may be the mean of more (`last`).
          AP: final.AP!, AP50: final.AP50!, AP75: final.AP75!, evaluations: evaluations.length,
          // Stopped early: at which step, below which median (of how many completed trials), and the steps it
          // would have trained (what it saved: budgetSteps − steps).
          ...(stoppedBy ? { stoppedAtStep: stoppedBy.step, stopMedian: stoppedBy.median, stopTrials: stoppedBy.trials, budgetSteps: trainer.totalSteps } : {}),
          ...(warm ? { initCopied: warm.copied, initFresh: warm.fresh } : {}),
          loss: recentLosses.reduce((a, b) => a + b, 0) / Math.max(1, recentLosses.length),
          steps: trainer.step, seconds, trainSeconds, evalSeconds: seconds - trainSeconds, evalImages,
          params: counts.trainable, flops: counts.flops, input: detector.inputSize, width: detector.width,
          // The head's class channels (the dataset's categories + 1): `search export` rebuilds this detector.
          classes: detector.head.classes,
        },
        curve: curve(),
      };
    } finally {
      // The trainer owns the engine once it exists.
      if (trainer) trainer.dispose();
      else engine.dispose();
      await batches?.close();
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Once per worker process

let backend: Promise<Tfjs> | null = null;

/**
 * TF.js on the backend this process chose already (`nasfpn worker --backend`, the search's --backend), else on the
 * fastest one here (NASFPN_BACKEND picks another), printed once on stderr; chosen once per process.
 */
function proxyBackend(): Promise<Tfjs> {
  backend ??= (async () => {
    if (!currentBackend()) await initBackend(undefined, { log: (line) => process.stderr.write(`nasfpn worker ${process.pid}: ${line}\n`) });
    return loadTf();
  })();
  return backend;
}

let lastEngineLine = '';

/** The engine line on stderr, when it differs from the last one this worker printed (not once a trial). */
function sayOnce(line: string): void {
  if (line === lastEngineLine) return;
  lastEngineLine = line;
  process.stderr.write(`nasfpn worker ${process.pid}: ${line}\n`);
}

/** A dataset as the proxy task uses it: the train split, the val split with its ground truth, the head's class count. */
export interface ProxyData {
  train: Dataset;
  val: EvaluationSet;
  classes: number;
}

const datasets = new Map<string, Promise<ProxyData>>();

/**
 * The train and val splits of `dir`, loaded once per process (annotations only: pixels are read per batch).
 * The head gets as many class channels as the categories need (the contiguous map: categories + the unused
 * channel 0), whatever the proxy detector declares: a 91-channel head on 8 synthetic shapes would spend most of
 * the class head's work on channels no box is ever matched to. A folder that cannot serve is a RewardSetupError.
 */
export function proxyData(dir: string): Promise<ProxyData> {
  const key = dir;
  let loaded = datasets.get(key);
  if (!loaded) {
    loaded = loadProxyData(dir);
    datasets.set(key, loaded);
    loaded.catch(() => datasets.delete(key)); // a folder fixed later is read again
  }
  return loaded;
}

async function loadProxyData(dir: string): Promise<ProxyData> {
  try {
    const { dataset: train } = await loadSplitOf(dir, 'train');
    if (train.images.length === 0) throw new Error(`${train.source.annotations} has no images`);
    const classes = classCount(train.classMap);
    const val = await loadSplitOf(dir, 'val', classes);
    if (val.groundTruth.annotations.count === 0) throw new Error(`${val.dataset.source.annotations} has no annotations: AP cannot be measured on it`);
    return { train, val, classes };
  } catch (error) {
    throw new RewardSetupError(`the proxy reward's dataset ${dir}: ${messageOf(error)}`);
  }
}

const initCheckpoints = new Map<string, Promise<NamedArray[]>>();

/**
 * The weights of the warm start's checkpoint folder, read once per process and checked against its content
 * address when the search pinned one: a checkpoint changed since the run started would mix rewards of two inits.
 */
function initWeights(dir: string, contentAddress: string | undefined): Promise<NamedArray[]> {
  let loaded = initCheckpoints.get(dir);
  if (!loaded) {
    loaded = (async () => {
      let checkpoint;
      try {
        checkpoint = readCheckpoint(dir);
      } catch (error) {
        throw new RewardSetupError(`the proxy reward's warm start ${dir}: ${messageOf(error)}`);
      }
      if (contentAddress !== undefined && checkpoint.contentAddress !== contentAddress) {
        throw new RewardSetupError(`the proxy reward's warm start ${dir} is not the checkpoint the run started with (content ${checkpoint.contentAddress.slice(0, 12)}, the run's ${contentAddress.slice(0, 12)})`);
      }
      return checkpoint.weights;
    })();
    initCheckpoints.set(dir, loaded);
    loaded.catch(() => initCheckpoints.delete(dir));
  }
  return loaded;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('the trial was stopped');
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
