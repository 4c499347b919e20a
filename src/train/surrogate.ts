// A training step on a surrogate loss: squared error of every head output against fixed random targets.
//
// The detection losses arrive with training; until then this exercises exactly what they will stand on —
// forward in training mode (BN on batch statistics, DropBlock active), backward through every layer kind,
// an SGD update of every trainable weight — and it is what the learning check and the train-step
// benchmark run on each backend.
import type * as TF from '@tensorflow/tfjs';
import type { MomentumSgd } from './optimizer.js';

type Tfjs = typeof TF;

export interface SurrogateTask {
  images: TF.Tensor4D;
  /** One target per model output, same shape. */
  targets: TF.Tensor[];
}

/** Deterministic images and targets for `model` (a fixed seed, so every backend sees the same numbers). */
export function makeSurrogateTask(tf: Tfjs, model: TF.LayersModel, batch: number, seed = 7): SurrogateTask {
  return tf.tidy(() => {
    const [, h, w, c] = model.inputs[0].shape as number[];
    const images = tf.randomUniform([batch, h, w, c], -1, 1, 'float32', seed) as TF.Tensor4D;
    const targets = model.outputs.map((o, k) =>
      tf.randomNormal([batch, ...(o.shape.slice(1) as number[])], 0, 1, 'float32', seed + 1 + k));
    return { images: tf.keep(images), targets: targets.map((t) => tf.keep(t)) };
  });
}

export function disposeTask(tf: Tfjs, task: SurrogateTask): void {
  tf.dispose([task.images, ...task.targets]);
}

/** Mean over outputs of the mean squared error (training mode: batch statistics, DropBlock on). */
export function surrogateLoss(tf: Tfjs, model: TF.LayersModel, task: SurrogateTask): TF.Scalar {
  const outputs = model.apply(task.images, { training: true }) as TF.Tensor | TF.Tensor[];
  const list = Array.isArray(outputs) ? outputs : [outputs];
  const terms = list.map((y, k) => tf.mean(tf.squaredDifference(y, task.targets[k])));
  return tf.div(tf.addN(terms), list.length) as TF.Scalar;
}

/**
 * One forward + backward + SGD update. Returns the loss before the update (the caller disposes it);
 * everything else the step allocates is freed.
 */
export function sgdStep(tf: Tfjs, model: TF.LayersModel, task: SurrogateTask, optimizer: TF.Optimizer): TF.Scalar {
  const weights = model.trainableWeights.map((w) => w.read() as TF.Variable);
  return optimizer.minimize(() => surrogateLoss(tf, model, task), true, weights) as TF.Scalar;
}

/**
 * The same step with this project's optimizer, as the trainer updates (MomentumSgd over the model's trainable
 * weights in their order; momentum 0 is plain SGD). Returns the loss before the update (the caller disposes it).
 */
export function optimizerStep(tf: Tfjs, model: TF.LayersModel, task: SurrogateTask, optimizer: MomentumSgd, learningRate: number): TF.Scalar {
  const weights = model.trainableWeights.map((w) => w.read() as TF.Variable);
  const { value, grads } = tf.variableGrads(() => surrogateLoss(tf, model, task), weights);
  optimizer.apply(weights.map((w) => grads[w.name]), learningRate);
  tf.dispose(Object.values(grads));
  return value;
}
