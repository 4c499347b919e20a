// This project's custom TensorFlow.js layers. Each has a `className` and is registered for serialization, so
// `tf.loadLayersModel` reloads a saved model once this module is imported. Everything else the models use is
// a built-in tf.layers layer (see calls.ts).
import * as tf from '@tensorflow/tfjs';
import { batchNormTraining } from '../runtime/batchnorm-training.js';
import { WSUM_INITIAL_WEIGHT } from '../semantics/ir.js';

type Kwargs = Record<string, unknown>;

const single = (inputs: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(inputs) ? inputs[0] : inputs);

export interface GlobalPoolMergeArgs {
  name?: string;
  /** Per-channel global pooling of the gating input: max ([TPU]) or mean ([MMD]). */
  pool: 'max' | 'avg';
}

/**
 * The NAS-FPN "global pooling" binary op ([TPU] nasfpn.py `global_attention`). Inputs `[pooled, gated]`, both resampled to the
 * cell's level: `pooled + gated · σ(pool(pooled))`, the pool taken per channel over H×W. No parameters.
 */
export class GlobalPoolMerge extends tf.layers.Layer {
  static readonly className = 'GlobalPoolMerge';
  readonly pool: 'max' | 'avg';

  constructor(args: GlobalPoolMergeArgs) {
    super({ name: args.name });
    this.pool = args.pool;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [pooled, gated] = inputs as tf.Tensor[];
      const summary = this.pool === 'max' ? tf.max(pooled, [1, 2], true) : tf.mean(pooled, [1, 2], true);
      return tf.add(pooled, tf.mul(gated, tf.sigmoid(summary)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), pool: this.pool };
  }
}

export interface WeightedSumArgs {
  name?: string;
  /** ε in the denominator, so the fusion stays defined when every weight is clamped to 0. */
  epsilon: number;
}

/**
 * BiFPN's fast normalized fusion (Tan, Pang, Le 2020, §3.3) of n same-shaped inputs:
 * Σ relu(wᵢ)·xᵢ / (Σ relu(wᵢ) + ε). One trainable scalar per input, `weights` of shape [n], initialised to 1
 * (WSUM_INITIAL_WEIGHT), so a fresh layer returns the inputs' mean up to ε. The ReLU keeps every weight ≥ 0
 * without the softmax's exponentials; its gradient is zero for a weight pushed below 0.
 */
export class WeightedSum extends tf.layers.Layer {
  static readonly className = 'WeightedSum';
  readonly epsilon: number;
  private weightsVariable: tf.LayerVariable | null = null;

  constructor(args: WeightedSumArgs) {
    super({ name: args.name });
    this.epsilon = args.epsilon;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const count = Array.isArray(inputShape[0]) ? inputShape.length : 1;
    this.weightsVariable = this.addWeight('weights', [count], 'float32', tf.initializers.constant({ value: WSUM_INITIAL_WEIGHT }), undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const xs = Array.isArray(inputs) ? inputs : [inputs];
      const weights = tf.relu(this.weightsVariable!.read());
      const parts = tf.unstack(weights);
      const weighted = xs.map((x, i) => tf.mul(x, parts[i]));
      const numerator = weighted.length === 1 ? weighted[0] : tf.addN(weighted);
      return tf.div(numerator, tf.add(tf.sum(weights), this.epsilon));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

export interface DropBlockArgs {
  name?: string;
  /** Side of the square blocks that are dropped together. */
  blockSize: number;
  /** Fraction of units kept in training (1 − drop rate). */
  keepProb: number;
}

/**
 * DropBlock (Ghiasi, Lin, Le 2018), as [TPU] `nn_ops.Dropblock` implements it: in training, seeds are drawn
 * at rate γ inside the region where a whole block fits, each seed drops the blockSize×blockSize block around
 * it, and the kept units are rescaled by 1/(fraction kept). At inference it is the identity.
 */
export class DropBlock extends tf.layers.Layer {
  static readonly className = 'DropBlock';
  readonly blockSize: number;
  readonly keepProb: number;

  constructor(args: DropBlockArgs) {
    super({ name: args.name });
    this.blockSize = args.blockSize;
    this.keepProb = args.keepProb;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = single(inputs) as tf.Tensor4D;
    if (kwargs.training !== true || this.keepProb >= 1) return tf.clone(x);
    return tf.tidy(() => {
      const [, height, width] = x.shape;
      const block = Math.min(this.blockSize, height, width);
      // Seed rate so that the expected dropped fraction is 1 − keepProb once blocks are expanded.
      const gamma = ((1 - this.keepProb) * height * width) / (block * block) / ((height - block + 1) * (width - block + 1));
      // Seeds only where the whole block lies inside the map.
      const validRows = tf.logicalAnd(tf.greaterEqual(tf.range(0, height), Math.floor(block / 2)), tf.less(tf.range(0, height), height - Math.floor((block - 1) / 2)));
      const validCols = tf.logicalAnd(tf.greaterEqual(tf.range(0, width), Math.floor(block / 2)), tf.less(tf.range(0, width), width - Math.floor((block - 1) / 2)));
      const valid = tf.logicalAnd(validRows.reshape([1, height, 1, 1]), validCols.reshape([1, 1, width, 1]));
      const seeds = tf.logicalAnd(valid, tf.less(tf.randomUniform(x.shape), gamma)).cast('float32');
      // A seed drops the block around it: max-pool the seeds (stride 1, SAME) and invert.
      const dropped = tf.maxPool(seeds as tf.Tensor4D, [block, block], [1, 1], 'same');
      const keep = tf.sub(1, dropped);
      const keptFraction = tf.maximum(tf.mean(keep), 1e-6);
      return tf.mul(x, keep).div(keptFraction);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), blockSize: this.blockSize, keepProb: this.keepProb };
  }
}

export interface BatchNormArgs {
  name?: string;
  /** Moving averages: moving = moving·momentum + batch·(1 − momentum). */
  momentum: number;
  epsilon: number;
}

/**
 * Batch normalization over the last (channel) axis, a drop-in for tf.layers.batchNormalization({ axis: -1 }):
 * the same four weights (`gamma`, `beta` trainable; `moving_mean`, `moving_variance` not), names, shapes and
 * initialisers, so parameter counts and weight files are unchanged. Inference normalises with the moving
 * statistics through the same op as tf.layers. Training is why it exists: tf.layers computes the batch
 * moments with separate ops and autodiff runs back through each of them (~30 small kernels a layer and step),
 * whereas batchNormTraining is one op with a closed-form gradient (src/runtime/batchnorm-training.ts).
 */
export class BatchNorm extends tf.layers.Layer {
  static readonly className = 'NasfpnBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  private gamma: tf.LayerVariable | null = null;
  private beta: tf.LayerVariable | null = null;
  private movingMean: tf.LayerVariable | null = null;
  private movingVariance: tf.LayerVariable | null = null;

  constructor(args: BatchNormArgs) {
    super({ name: args.name });
    this.momentum = args.momentum;
    this.epsilon = args.epsilon;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (channels == null) throw new Error(`${this.name}: the channel axis of input shape ${JSON.stringify(shape)} must be known`);
    this.inputSpec = [new tf.InputSpec({ ndim: shape.length, axes: { [shape.length - 1]: channels } })];
    // Created in tf.layers' order, so getWeights()/setWeights() and saved weight files line up with it.
    this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones(), undefined, true);
    this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros(), undefined, true);
    this.movingMean = this.addWeight('moving_mean', [channels], 'float32', tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [channels], 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const gamma = this.gamma!.read() as tf.Tensor1D;
      const beta = this.beta!.read() as tf.Tensor1D;
      // As tf.layers: only an explicit `training: true` uses batch statistics and moves the averages.
      if (kwargs.training !== true) {
        return tf.batchNorm(x, this.movingMean!.read(), this.movingVariance!.read(), beta, gamma, this.epsilon);
      }
      const { y, movingMean, movingVariance } = batchNormTraining(tf, x, gamma, beta, this.epsilon, {
        mean: this.movingMean!.read() as tf.Tensor1D, variance: this.movingVariance!.read() as tf.Tensor1D, momentum: this.momentum,
      });
      // The averages come out kept (past the op's own tidy); the variables take them over.
      this.movingMean!.write(movingMean);
      this.movingVariance!.write(movingVariance);
      tf.dispose([movingMean, movingVariance]);
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(GlobalPoolMerge);
tf.serialization.registerClass(WeightedSum);
tf.serialization.registerClass(DropBlock);
tf.serialization.registerClass(BatchNorm);

/** The custom layer classes by name, for the builder and for emitted code. */
export const CUSTOM_LAYERS = { GlobalPoolMerge, WeightedSum, DropBlock, BatchNorm } as const;
