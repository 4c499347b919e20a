// SGD with momentum, with its slots as named variables a checkpoint can save and load, and clipping by the
// global gradient norm.
//
// The update is TensorFlow's MomentumOptimizer (as tf.train.momentum, without Nesterov):
//   accumulation ← momentum · accumulation + gradient,   weight ← weight − lr · accumulation.
// tf.train.momentum keeps the same state, but its slots are only reachable as an anonymous list; here each
// slot is named after its weight, so a checkpoint can be checked against the model it is loaded into.
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
  private readonly slots: TF.Variable[];

  constructor(private readonly tf: Tfjs, private readonly weights: readonly NamedVariable[], readonly momentum: number) {
    // tf.variable shares the initial tensor's data and keeps it counted: dispose the zeros so a disposed
    // optimizer leaves no tensor behind (a search trains one model per trial in the same process).
    this.slots = weights.map((w) => {
      const zeros = tf.zerosLike(w.variable);
      const slot = tf.variable(zeros, false);
      zeros.dispose();
      return slot;
    });
  }

  /** Applies one update with the gradients of `weights` (in their order), scaled by `gradientScale`. */
  apply(gradients: readonly TF.Tensor[], learningRate: number, gradientScale = 1): void {
    const tf = this.tf;
    tf.tidy(() => {
      this.weights.forEach((weight, i) => {
        const gradient = gradientScale === 1 ? gradients[i] : tf.mul(gradients[i], gradientScale);
        const accumulation = tf.add(tf.mul(this.slots[i], this.momentum), gradient);
        this.slots[i].assign(accumulation);
        weight.variable.assign(tf.sub(weight.variable, tf.mul(accumulation, learningRate)));
      });
    });
  }

  /** The slots' values, one per weight, named after it. */
  async save(): Promise<SlotValues[]> {
    return Promise.all(this.slots.map(async (slot, i) => ({
      name: this.weights[i].name, shape: slot.shape, values: (await slot.data()) as Float32Array,
    })));
  }

  /** Loads saved slots; they must name and shape exactly this optimizer's weights. */
  load(saved: readonly SlotValues[]): void {
    if (saved.length !== this.slots.length) throw new Error(`the checkpoint has ${saved.length} optimizer slots, the model ${this.slots.length} trainable weights`);
    saved.forEach((s, i) => {
      const slot = this.slots[i];
      if (s.name !== this.weights[i].name || s.shape.join() !== slot.shape.join()) {
        throw new Error(`optimizer slot ${i} is for ${s.name} [${s.shape}], the model has ${this.weights[i].name} [${slot.shape}]`);
      }
      this.tf.tidy(() => slot.assign(this.tf.tensor(s.values, s.shape)));
    });
  }

  dispose(): void {
    this.tf.dispose(this.slots);
  }
}

/** The L2 norm of all gradients together, as a scalar tensor. */
export function globalNorm(tf: Tfjs, gradients: readonly TF.Tensor[]): TF.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(gradients.map((g) => tf.sum(tf.square(g))))) as TF.Scalar);
}

/**
 * The factor that brings gradients of global norm `norm` down to `clipNorm` (tf.clip_by_global_norm:
 * clipNorm / max(norm, clipNorm)); 1 when there is no limit.
 */
export const clipFactor = (norm: number, clipNorm: number | null): number =>
  clipNorm === null ? 1 : clipNorm / Math.max(norm, clipNorm);
