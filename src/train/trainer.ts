// The training loop, in the style of detectron2's SimpleTrainer + hooks: the trainer owns the engine (the
// model and the optimiser, eager or as one TensorFlow graph: engine.ts), the data and the step count, and runs
// one step at a time; everything periodic (the learning rate schedule, logging, evaluation, checkpoints) is a
// small hook with its own state, saved in checkpoints.
//
//   for each step:  hooks.beforeStep → one step (the next batch, then the engine: targets → forward/backward in
//                   training mode → clip → SGD momentum update; engine.ts) → hooks.afterStep
//   at the end, or after a stop request (SIGINT/SIGTERM finish the current step first): hooks.afterTrain
//
// One step allocates its tensors inside tf.tidy scopes and frees all of them: the tensor count is the same
// after every step. Each step's random draws (DropBlock) are seeded from the trainer's RNG, so the masks of a
// resumed run are those of an uninterrupted one.
import type { DetectionBatch } from '../data/types.js';
import type { TrainIR } from '../semantics/ir.js';
import { Random, type RandomState } from '../util/random.js';
import { writeCheckpoint, type Checkpoint, type SourceSnapshot } from './checkpoint.js';
import type { TrainingEngine } from './engine.js';
import { totalSteps } from './schedule.js';

/** Batches for training, in a reproducible order that can be resumed from a saved position. */
export interface BatchSource {
  /** Batches per pass over the train split. */
  readonly stepsPerEpoch: number;
  next(): Promise<DetectionBatch>;
  /** The position after the last batch `next` returned, as JSON; opening the source at it continues there. */
  position(): unknown;
  close(): Promise<void>;
}

export interface StepResult {
  /** Steps completed, this one included. */
  step: number;
  epoch: number;
  loss: number;
  parts: Record<string, number>;
  learningRate: number;
  gradientNorm: number;
  images: number;
  /** Wall time of the step, batch loading included. */
  seconds: number;
}

export type Outcome = 'finished' | 'stopped';

export interface Hook {
  /** Names the hook's state in checkpoints. */
  readonly name: string;
  beforeStep?(trainer: Trainer): void;
  afterStep?(trainer: Trainer, result: StepResult): Promise<void> | void;
  afterTrain?(trainer: Trainer, outcome: Outcome): Promise<void> | void;
  /** JSON state saved in checkpoints and handed back to `load` on resume. */
  state?(): unknown;
  load?(state: unknown): void;
}

/** The loss was NaN or infinite: the run stops without updating the weights. */
export class NonFiniteLossError extends Error {
  constructor(readonly step: number, readonly parts: Record<string, number>, readonly lastCheckpoint: string | null) {
    super(`the loss is not finite at step ${step} (${Object.entries(parts).map(([k, v]) => `${k} ${v}`).join(', ')}); ` +
      (lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint}` : 'no checkpoint was written yet'));
  }
}

export interface TrainerOptions {
  /** What runs the steps (it owns the model's weights and the optimizer slots; the trainer disposes it). */
  engine: TrainingEngine;
  recipe: TrainIR;
  data: BatchSource;
  runDir: string;
  source: SourceSnapshot;
  hooks: Hook[];
}

export class Trainer {
  readonly engine: TrainingEngine;
  readonly recipe: TrainIR;
  readonly runDir: string;
  readonly hooks: Hook[];
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  /** Steps completed. */
  step = 0;
  /** The learning rate of the next update (set by the schedule hook). */
  learningRate: number;
  /** The directory of the newest checkpoint this run wrote or resumed from. */
  lastCheckpoint: string | null = null;
  private stopRequested = false;
  private random: Random;
  private readonly data: BatchSource;
  private readonly source: SourceSnapshot;

  constructor(options: TrainerOptions) {
    this.engine = options.engine;
    this.recipe = options.recipe;
    this.data = options.data;
    this.runDir = options.runDir;
    this.source = options.source;
    this.hooks = options.hooks;
    this.stepsPerEpoch = this.data.stepsPerEpoch;
    this.totalSteps = totalSteps(this.recipe, this.stepsPerEpoch);
    this.learningRate = this.recipe.learningRate.peak;
    this.random = Random.seeded(this.recipe.seed).fork('steps');
  }

  get epoch(): number {
    return Math.floor(this.step / this.stepsPerEpoch);
  }

  get done(): boolean {
    return this.step >= this.totalSteps;
  }

  /** Asks the loop to stop after the current step (and checkpoint); safe to call from a signal handler. */
  requestStop(): void {
    this.stopRequested = true;
  }

  async run(): Promise<Outcome> {
    while (!this.done && !this.stopRequested) {
      // On wasm and cpu a step resolves through microtasks only; without a turn of the event loop, signal
      // handlers (and so requestStop) would never run.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.stopRequested) break;
      for (const hook of this.hooks) hook.beforeStep?.(this);
      const result = await this.runStep();
      for (const hook of this.hooks) await hook.afterStep?.(this, result);
    }
    const outcome: Outcome = this.done ? 'finished' : 'stopped';
    for (const hook of this.hooks) await hook.afterTrain?.(this, outcome);
    return outcome;
  }

  /** One step: the next batch, then the engine's forward and backward, clipping and update. */
  async runStep(): Promise<StepResult> {
    const start = performance.now();
    const batch = await this.data.next();
    const { loss, parts, gradientNorm } = await this.engine.step(batch, this.learningRate, this.random.uint32());
    if (!Number.isFinite(loss) || !Number.isFinite(gradientNorm)) {
      throw new NonFiniteLossError(this.step + 1, { loss, ...parts, gradientNorm }, this.lastCheckpoint);
    }
    this.step++;
    return {
      step: this.step, epoch: this.epoch, loss, parts, learningRate: this.learningRate, gradientNorm,
      images: batch.batch, seconds: (performance.now() - start) / 1000,
    };
  }

  /** Writes a checkpoint of the current state (atomically) and returns its directory. */
  async saveCheckpoint(): Promise<string> {
    const hooks: Record<string, unknown> = {};
    for (const hook of this.hooks) if (hook.state) hooks[hook.name] = hook.state();
    this.lastCheckpoint = await writeCheckpoint(this.runDir, {
      weights: await this.engine.readWeights(),
      slots: await this.engine.readSlots(),
      state: {
        step: this.step, learningRate: this.learningRate, data: this.data.position(), random: this.random.state(), hooks,
        recipe: this.recipe, savedAt: new Date().toISOString(),
      },
      source: this.source,
    }, this.recipe.checkpoint.keep);
    return this.lastCheckpoint;
  }

  /** Restores weights, optimizer slots, step, RNG and hook states from a checkpoint (the data source is opened at its position by the caller). */
  async restore(checkpoint: Checkpoint): Promise<void> {
    await this.engine.restore(checkpoint.weights, checkpoint.slots);
    this.step = checkpoint.state.step;
    this.learningRate = checkpoint.state.learningRate;
    this.random = Random.load(checkpoint.state.random as unknown as RandomState);
    for (const hook of this.hooks) {
      if (hook.load && hook.name in checkpoint.state.hooks) hook.load(checkpoint.state.hooks[hook.name]);
    }
    this.lastCheckpoint = checkpoint.dir;
  }

  /** Frees the engine (the model and the optimizer). */
  dispose(): void {
    this.engine.dispose();
  }
}
