// SGD with momentum, with its slots as named variables a checkpoint can save and load, and clipping by the
// global gradient norm.
//
// The update is TensorFlow's MomentumOptimizer (as tf.train.momentum, without Nesterov):
//   accumulation ← momentum · accumulation + gradient,   weight ← weight − lr · accumulation.
// tf.train.momentum keeps the same state, but its slots are only reachable as an anonymous list; here each
// slot is saved named after its weight, so a checkpoint can be checked against the model it is loaded into.
// Internally, same-shaped weights are updated together (shapeGroups): the same arithmetic in far fewer ops.
import type * as TF from '@tensorflow/tfjs';

type Tfjs = typeof TF;

export interface SlotValues {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** A trainable weight: its stable name (the layer weight's original name, the same in every process) and variable. */
export interface NamedVariable {
  name: string;
  variable: TF.Variable;
}

export class MomentumSgd {
  /** The weights' indices by shape: each group is updated by a few ops on its stacked values (see shapeGroups). */
  private readonly groups: number[][];
  /** One accumulator per group, stacked like the group's weights ([k, ...shape] for k > 1); none for plain SGD. */
  private readonly slots: TF.Variable[];

  /**
   * `momentum` 0 is plain SGD (weight ← weight − lr · gradient, as tf.train.sgd), with no slots. `grouped`
   * (default: on tfjs-node only, where per-op cost dominates) updates same-shaped weights stacked. Not on wasm:
   * its FusedConv2D takes a bias's rank from the stored data, which for a row of an unstacked group is [1, n].
   */
  constructor(
    private readonly tf: Tfjs, private readonly weights: readonly NamedVariable[], readonly momentum: number,
    grouped = tf.getBackend() === 'tensorflow',
  ) {
    this.groups = grouped ? shapeGroups(weights.map((w) => w.variable.shape)) : weights.map((_, i) => [i]);
    // tf.variable shares the initial tensor's data and keeps it counted: dispose the zeros so a disposed
    // optimizer leaves no tensor behind (a search trains one model per trial in the same process).
    this.slots = momentum === 0 ? [] : this.groups.map((g) => {
      const zeros = tf.zeros(stackedShape(weights, g));
      const slot = tf.variable(zeros, false);
      zeros.dispose();
      return slot;
    });
  }

  /** Applies one update with the gradients of `weights` (in their order), scaled by `gradientScale`. */
  apply(gradients: readonly TF.Tensor[], learningRate: number, gradientScale = 1): void {
    const tf = this.tf;
    tf.tidy(() => {
      this.groups.forEach((group, k) => {
        const stackedGradient = stackGroup(tf, group.map((i) => gradients[i]));
        const gradient = gradientScale === 1 ? stackedGradient : tf.mul(stackedGradient, gradientScale);
        let step = gradient;
        if (this.slots.length > 0) {
          step = tf.add(tf.mul(this.slots[k], this.momentum), gradient);
          this.slots[k].assign(step);
        }
        const updated = tf.sub(stackGroup(tf, group.map((i) => this.weights[i].variable)), tf.mul(step, learningRate));
        const parts = group.length === 1 ? [updated] : tf.unstack(updated);
        group.forEach((i, j) => this.weights[i].variable.assign(parts[j]));
      });
    });
  }

  /** The slots' values, one per weight, named after it (zeros for plain SGD, which keeps none). */
  async save(): Promise<SlotValues[]> {
    const tf = this.tf;
    const named = ({ name, variable }: NamedVariable, values: Float32Array): SlotValues => ({ name, shape: variable.shape, values });
    // Plain SGD's zeros are made here on the host: nothing to read back from the device.
    if (this.slots.length === 0) return this.weights.map((w) => named(w, new Float32Array(w.variable.size)));
    const saved: SlotValues[] = new Array(this.weights.length);
    for (const [k, group] of this.groups.entries()) {
      const parts = tf.tidy(() => (group.length === 1 ? [tf.clone(this.slots[k])] : tf.unstack(this.slots[k])));
      for (const [j, i] of group.entries()) {
        saved[i] = named(this.weights[i], (await parts[j].data()) as Float32Array);
      }
      tf.dispose(parts);
    }
    return saved;
  }

  /** Loads saved slots; they must name and shape exactly this optimizer's weights. */
  load(saved: readonly SlotValues[]): void {
    if (saved.length !== this.weights.length) throw new Error(`the checkpoint has ${saved.length} optimizer slots, the model ${this.weights.length} trainable weights`);
    saved.forEach((s, i) => {
      const weight = this.weights[i];
      if (s.name !== weight.name || s.shape.join() !== weight.variable.shape.join()) {
        throw new Error(`optimizer slot ${i} is for ${s.name} [${s.shape}], the model has ${weight.name} [${weight.variable.shape}]`);
      }
    });
    if (this.slots.length === 0) return;
    this.groups.forEach((group, k) => this.tf.tidy(() => {
      this.slots[k].assign(stackGroup(this.tf, group.map((i) => this.tf.tensor(saved[i].values, saved[i].shape))));
    }));
  }

  dispose(): void {
    this.tf.dispose(this.slots);
  }
}

/**
 * Indices of same-shaped entries, in first-appearance order. On tfjs-node every op costs tens of µs through the
 * Node addon whatever its size, and updating each weight on its own is 2–5 ops a weight: 235 weights, so 500–1,200
 * ops a step for the proxy detector, which has only 23 distinct shapes (168 of its weights are [64] vectors). Stacked
 * per shape, the same arithmetic, element by element, takes a handful of ops per group (stack, update, unstack).
 */
export function shapeGroups(shapes: readonly number[][]): number[][] {
  const byShape = new Map<string, number[]>();
  shapes.forEach((shape, i) => {
    const key = shape.join('x');
    const group = byShape.get(key);
    if (group) group.push(i);
    else byShape.set(key, [i]);
  });
  return [...byShape.values()];
}

const stackedShape = (weights: readonly NamedVariable[], group: number[]): number[] =>
  group.length === 1 ? weights[group[0]].variable.shape : [group.length, ...weights[group[0]].variable.shape];

/** A group's tensors as one (stacked on a new first axis when there is more than one). */
const stackGroup = (tf: Tfjs, tensors: TF.Tensor[]): TF.Tensor => (tensors.length === 1 ? tensors[0] : tf.stack(tensors));

/**
 * Σ of every element squared over all `tensors`, as a scalar tensor (0 for none). Same-shaped tensors are stacked
 * first, so it is a few ops per shape (forward and backward) rather than per tensor (see shapeGroups).
 */
export function sumOfSquares(tf: Tfjs, tensors: readonly TF.Tensor[]): TF.Scalar {
  return tf.tidy(() => {
    if (tensors.length === 0) return tf.scalar(0);
    const squares = shapeGroups(tensors.map((t) => t.shape)).map((group) => tf.sum(tf.square(stackGroup(tf, group.map((i) => tensors[i])))));
    return (squares.length === 1 ? squares[0] : tf.addN(squares)) as TF.Scalar;
  });
}

/** The L2 norm of all gradients together, as a scalar tensor. */
export function globalNorm(tf: Tfjs, gradients: readonly TF.Tensor[]): TF.Scalar {
  return tf.tidy(() => tf.sqrt(sumOfSquares(tf, gradients)) as TF.Scalar);
}

/**
 * The factor that brings gradients of global norm `norm` down to `clipNorm` (tf.clip_by_global_norm:
 * clipNorm / max(norm, clipNorm)); 1 when there is no limit.
 */
export const clipFactor = (norm: number, clipNorm: number | null): number =>
  clipNorm === null ? 1 : clipNorm / Math.max(norm, clipNorm);
