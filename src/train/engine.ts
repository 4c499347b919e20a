// What runs a training step: an engine owns the model's weights and optimizer slots and applies one step to
// a batch. Two engines, one contract, one checkpoint format:
//   - eager (this file): the TensorFlow.js LayersModel, its tf.variableGrads backward pass and MomentumSgd, on
//     every backend;
//   - graph (graph-engine.ts): the same model compiled into one TensorFlow graph (src/graph), on tfjs-node.
// Both read and write weights and slots under the same names and in the same order (the eager model's), so a
// checkpoint written by either resumes on the other.
import type * as TF from '@tensorflow/tfjs';
import type { DetectionBatch } from '../data/types.js';
import type { TrainIR } from '../semantics/ir.js';
import type { NamedArray } from './checkpoint.js';
import { clipFactor, globalNorm, MomentumSgd, type NamedVariable } from './optimizer.js';
import { withSeededMathRandom } from './seeded-random.js';

type Tfjs = typeof TF;

export type EngineKind = 'eager' | 'graph';

/** The detection losses: CPU-side targets of a batch, then the loss tensors from the model's outputs. */
export interface Objective<Targets = unknown> {
  /** Anchor targets of a batch (typed arrays; no tensors). */
  targets(batch: DetectionBatch): Targets;
  /** The total loss to minimise and its named parts (e.g. class, box, l2), from the outputs in the model's order. */
  loss(outputs: TF.Tensor[], targets: Targets): { total: TF.Scalar; parts: Record<string, TF.Scalar> };
}

/** The numbers of one step, read back. */
export interface StepOutcome {
  loss: number;
  parts: Record<string, number>;
  /** The global gradient norm before clipping. */
  gradientNorm: number;
}

export interface TrainingEngine {
  readonly kind: EngineKind;
  /**
   * Forward, backward, clipping to the recipe's norm and the momentum-SGD update at `learningRate`, on one batch.
   * `seed` seeds the step's random draws (DropBlock). When the loss or the gradient norm is not finite, the
   * weights and slots are left as they were (the caller stops the run).
   */
  step(batch: DetectionBatch, learningRate: number, seed: number): Promise<StepOutcome>;
  /** Every weight (moving statistics included), named and ordered as the eager model's `weights`. */
  readWeights(): Promise<NamedArray[]>;
  /** The momentum slots, one per trainable weight, named after it (zeros for plain SGD). */
  readSlots(): Promise<NamedArray[]>;
  /** Loads weights and slots saved by either engine; throws on any name or shape mismatch. */
  restore(weights: readonly NamedArray[], slots: readonly NamedArray[]): Promise<void>;
  /** The head outputs of `images` in inference mode (the caller disposes them). */
  heads(images: TF.Tensor4D): TF.Tensor[];
  /** Frees the model, the optimizer and anything else the engine holds. */
  dispose(): void;
}

/** The eager engine: a LayersModel trained by tf.variableGrads and MomentumSgd, as the trainer always did. */
export class EagerEngine implements TrainingEngine {
  readonly kind = 'eager';
  private readonly weights: NamedVariable[];
  private readonly optimizer: MomentumSgd;
  private readonly partNames: string[] = [];

  constructor(private readonly tf: Tfjs, readonly model: TF.LayersModel, private readonly recipe: TrainIR, private readonly objective: Objective) {
    this.weights = model.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as TF.Variable }));
    this.optimizer = new MomentumSgd(tf, this.weights, recipe.momentum);
  }

  async step(batch: DetectionBatch, learningRate: number, seed: number): Promise<StepOutcome> {
    const tf = this.tf;
    const targets = this.objective.targets(batch);
    const variables = this.weights.map((w) => w.variable);
    // Forward + backward under the step's seed; the loss parts and the gradient norm come back as one tensor.
    const { summary, gradients } = withSeededMathRandom(seed, () => tf.tidy(() => {
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
    const gradientNorm = values[values.length - 1];
    if (Number.isFinite(loss) && Number.isFinite(gradientNorm)) {
      this.optimizer.apply(gradients, learningRate, clipFactor(gradientNorm, this.recipe.clipNorm));
    }
    tf.dispose(gradients);
    return { loss, parts: Object.fromEntries(this.partNames.map((name, i) => [name, values[1 + i]])), gradientNorm };
  }

  readWeights(): Promise<NamedArray[]> {
    return readWeights(this.model);
  }

  readSlots(): Promise<NamedArray[]> {
    return this.optimizer.save();
  }

  async restore(weights: readonly NamedArray[], slots: readonly NamedArray[]): Promise<void> {
    writeWeights(this.tf, this.model, weights);
    this.optimizer.load(slots);
  }

  heads(images: TF.Tensor4D): TF.Tensor[] {
    const out = this.model.apply(images, { training: false }) as TF.Tensor | TF.Tensor[];
    return Array.isArray(out) ? out : [out];
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
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
