// The training loop, in the style of detectron2's SimpleTrainer + hooks: the trainer owns the model, the
// optimiser, the data and the step count, and runs one step at a time; everything periodic (the learning
// rate schedule, logging, evaluation, checkpoints) is a small hook with its own state, saved in checkpoints.
//
//   for each step:  hooks.beforeStep → one step (batch → targets → forward/backward in training mode →
//                   clip → SGD momentum update) → hooks.afterStep
//   at the end, or after a stop request (SIGINT/SIGTERM finish the current step first): hooks.afterTrain
//
// One step allocates its tensors inside tf.tidy scopes and frees all of them: the tensor count is the same
// after every step. Each step runs with Math.random seeded from the trainer's RNG (seeded-random.ts), so the
// DropBlock masks of a resumed run are those of an uninterrupted one.
import type * as TF from '@tensorflow/tfjs';
import type { DetectionBatch } from '../data/types.js';
import type { TrainIR } from '../semantics/ir.js';
import { Random, type RandomState } from '../util/random.js';
import { writeCheckpoint, type Checkpoint, type NamedArray, type SourceSnapshot } from './checkpoint.js';
import { clipFactor, globalNorm, MomentumSgd, type NamedVariable } from './optimizer.js';
import { totalSteps } from './schedule.js';
import { withSeededMathRandom } from './seeded-random.js';

type Tfjs = typeof TF;

/** Batches for training, in a reproducible order that can be resumed from a saved position. */
export interface BatchSource {
  /** Batches per pass over the train split. */
  readonly stepsPerEpoch: number;
  next(): Promise<DetectionBatch>;
  /** The position after the last batch `next` returned, as JSON; opening the source at it continues there. */
  position(): unknown;
  close(): Promise<void>;
}

/** The detection losses: CPU-side targets of a batch, then the loss tensors from the model's outputs. */
export interface Objective<Targets = unknown> {
  /** Anchor targets of a batch (typed arrays; no tensors). */
  targets(batch: DetectionBatch): Targets;
  /** The total loss to minimise and its named parts (e.g. class, box, l2), from the outputs in the model's order. */
  loss(outputs: TF.Tensor[], targets: Targets): { total: TF.Scalar; parts: Record<string, TF.Scalar> };
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
  tf: Tfjs;
  model: TF.LayersModel;
  recipe: TrainIR;
  objective: Objective;
  data: BatchSource;
  runDir: string;
  source: SourceSnapshot;
  hooks: Hook[];
}

export class Trainer {
  readonly tf: Tfjs;
  readonly model: TF.LayersModel;
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
  private readonly weights: NamedVariable[];
  private readonly optimizer: MomentumSgd;
  private readonly objective: Objective;
  private readonly data: BatchSource;
  private readonly source: SourceSnapshot;
  private readonly partNames: string[] = [];

  constructor(options: TrainerOptions) {
    this.tf = options.tf;
    this.model = options.model;
    this.recipe = options.recipe;
    this.objective = options.objective;
    this.data = options.data;
    this.runDir = options.runDir;
    this.source = options.source;
    this.hooks = options.hooks;
    this.stepsPerEpoch = this.data.stepsPerEpoch;
    this.totalSteps = totalSteps(this.recipe, this.stepsPerEpoch);
    this.learningRate = this.recipe.learningRate.peak;
    this.random = Random.seeded(this.recipe.seed).fork('steps');
    this.weights = this.model.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as TF.Variable }));
    this.optimizer = new MomentumSgd(this.tf, this.weights, this.recipe.momentum);
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

  /** One step: the next batch, its targets, forward and backward, clipping, the update. */
  async runStep(): Promise<StepResult> {
    const tf = this.tf;
    const start = performance.now();
    const batch = await this.data.next();
    const targets = this.objective.targets(batch);
    const variables = this.weights.map((w) => w.variable);
    // Forward + backward under the step's seed; the loss parts and the gradient norm come back as one tensor.
    const { summary, gradients } = withSeededMathRandom(this.random.uint32(), () => tf.tidy(() => {
      const images = tf.tensor4d(batch.images, [batch.batch, batch.size, batch.size, 3]);
      let parts: TF.Scalar[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const outputs = this.model.apply(images, { training: true }) as TF.Tensor | TF.Tensor[];
        const loss = this.objective.loss(Array.isArray(outputs) ? outputs : [outputs], targets);
        if (this.partNames.length === 0) this.partNames.push(...Object.keys(loss.parts));
        // Kept: variableGrads frees everything its function creates except the returned loss.
        parts = this.partNames.map((name) => tf.keep(loss.parts[name]));
        return loss.total;
      }, variables);
      const gradients = variables.map((v) => grads[v.name]);
      const summary = tf.stack([value, ...parts, globalNorm(tf, gradients)]);
      tf.dispose(parts);
      return { summary, gradients };
    }));
    const values = await summary.data();
    summary.dispose();
    const loss = values[0];
    const parts = Object.fromEntries(this.partNames.map((name, i) => [name, values[1 + i]]));
    const gradientNorm = values[values.length - 1];
    if (!Number.isFinite(loss) || !Number.isFinite(gradientNorm)) {
      tf.dispose(gradients);
      throw new NonFiniteLossError(this.step + 1, { loss, ...parts, gradientNorm }, this.lastCheckpoint);
    }
    this.optimizer.apply(gradients, this.learningRate, clipFactor(gradientNorm, this.recipe.clipNorm));
    tf.dispose(gradients);
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
      weights: await readWeights(this.model),
      slots: await this.optimizer.save(),
      state: {
        step: this.step, learningRate: this.learningRate, data: this.data.position(), random: this.random.state(), hooks,
        recipe: this.recipe, savedAt: new Date().toISOString(),
      },
      source: this.source,
    }, this.recipe.checkpoint.keep);
    return this.lastCheckpoint;
  }

  /** Restores weights, optimizer slots, step, RNG and hook states from a checkpoint (the data source is opened at its position by the caller). */
  restore(checkpoint: Checkpoint): void {
    writeWeights(this.tf, this.model, checkpoint.weights);
    this.optimizer.load(checkpoint.slots);
    this.step = checkpoint.state.step;
    this.learningRate = checkpoint.state.learningRate;
    this.random = Random.load(checkpoint.state.random as unknown as RandomState);
    for (const hook of this.hooks) {
      if (hook.load && hook.name in checkpoint.state.hooks) hook.load(checkpoint.state.hooks[hook.name]);
    }
    this.lastCheckpoint = checkpoint.dir;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** Every weight of a model (trainable or not: batch-norm moving statistics too), by original name. */
export async function readWeights(model: TF.LayersModel): Promise<NamedArray[]> {
  return Promise.all(model.weights.map(async (w) => ({
    name: w.originalName, shape: w.shape as number[], values: (await w.read().data()) as Float32Array,
  })));
}

/** Loads weights saved by readWeights into a model built from the same detector; throws on any mismatch. */
export function writeWeights(tf: Tfjs, model: TF.LayersModel, saved: readonly NamedArray[]): void {
  const weights = model.weights;
  if (saved.length !== weights.length) throw new Error(`the checkpoint has ${saved.length} weights, the model ${weights.length}`);
  saved.forEach((s, i) => {
    const w = weights[i];
    if (s.name !== w.originalName || s.shape.join() !== (w.shape as number[]).join()) {
      throw new Error(`checkpoint weight ${i} is ${s.name} [${s.shape}], the model's is ${w.originalName} [${w.shape}]`);
    }
    tf.tidy(() => {
      w.write(tf.tensor(s.values, s.shape));
    });
  });
}
