// The RetinaNet training loss ([TPU] `modeling/losses.py` RetinanetClassLoss/RetinanetBoxLoss,
// `modeling/retinanet_model.py`):
//
//   total = Σ_heads (focal / (P + 1) + BOX_LOSS_WEIGHT · huber / (4 · (P + 1))) + WEIGHT_DECAY · Σ_kernels ½‖w‖²
//
// where P is the number of positive anchors in the whole batch, `focal` is the sigmoid focal loss summed over
// anchors × class channels (anchors labelled IGNORED excluded), `huber` the Huber loss (δ = HUBER_DELTA) of the
// four encoded coordinates summed over positive anchors, and the sum over heads runs over every repeat's head
// with anytime heads (deep supervision), the one head otherwise.
//
// Numerics: with the signed logit y = x for a positive channel and y = −x for a negative one,
//   cross-entropy = −log σ(y) = softplus(−y),  modulator (1 − p_t)^γ = σ(−y)^γ = exp(−γ · softplus(y)),
// which stays finite for any finite logit (the [TPU] log-form rewrite of the modulator, written with softplus
// on both sides so that neither exp overflows).
//
// Departure: the box loss counts the coordinates of positive anchors (class target ≥ 0). [TPU] masks with
// `box_targets != 0`, which also drops a positive's coordinate that happens to encode to exactly 0 (a GT centred
// on its anchor); the normaliser is the same.
//
// Inputs are the model's outputs (per level, in the head layout) and the batch targets as flat tensors
// ([B, N] int32 class targets, [B, N, 4] box targets, from src/targets/matching.ts `encodeBatchTargets`); each
// level's output is reshaped to [B, H·W·A, K] (no copy), a head's levels are joined along the anchors, and
// the result meets the targets of all anchors.
import type * as TF from '@tensorflow/tfjs';
import type { DetectorIR } from '../semantics/ir.js';
import type { HeadLayout } from '../targets/layout.js';
import { IGNORED, type BatchTargets } from '../targets/matching.js';
import { BOX_LOSS_WEIGHT, FOCAL_ALPHA, FOCAL_GAMMA, HUBER_DELTA, WEIGHT_DECAY } from '../semantics/defaults.js';
import { sumOfSquares } from './optimizer.js';

type Tfjs = typeof TF;

/** [TPU] configs/base_config.py `REGULARIZATION_VAR_REGEX` `.*(kernel|weight):0$`: conv kernels only (TF.js names end in kernel). */
export const DECAYED_WEIGHT_NAME = /kernel$/;

export interface LossOptions {
  /** Focal α and γ (the IR's head.focal; defaults FOCAL_ALPHA, FOCAL_GAMMA). */
  alpha?: number;
  gamma?: number;
  huberDelta?: number;
  boxLossWeight?: number;
  weightDecay?: number;
}

/** The loss settings a detector's file fixes: focal α and γ from `head.focal` (the rest keep their defaults). */
export function lossOptionsFor(detector: DetectorIR): LossOptions {
  return { alpha: detector.head.focal.alpha, gamma: detector.head.focal.gamma };
}

/** Batch targets as tensors (see `targetTensors`). */
export interface TargetTensors {
  /** [B, N] int32: −1 negative, −2 ignored, else the class channel. */
  classes: TF.Tensor2D;
  /** [B, N, 4] float32 (ty, tx, th, tw), 0 off the positives. */
  boxes: TF.Tensor3D;
  /** Positive anchors in the batch (the normaliser is this + 1). */
  positives: number;
}

/** The loss and its parts, all scalars. `class` and `box` are summed over heads and already normalised. */
export interface DetectionLoss {
  total: TF.Scalar;
  class: TF.Scalar;
  /** The normalised Huber loss before BOX_LOSS_WEIGHT. */
  box: TF.Scalar;
  /** WEIGHT_DECAY · Σ ½‖w‖² (0 when no kernels are given). */
  l2: TF.Scalar;
}

/** Uploads a batch's targets (two tensors; the caller disposes them, e.g. with tf.dispose or inside tf.tidy). */
export function targetTensors(tf: Tfjs, targets: BatchTargets): TargetTensors {
  const { batch, anchorCount } = targets;
  return {
    classes: tf.tensor2d(targets.classes, [batch, anchorCount], 'int32'),
    boxes: tf.tensor3d(targets.boxes, [batch, anchorCount, 4], 'float32'),
    positives: targets.positives,
  };
}

/**
 * The weights WEIGHT_DECAY applies to: the conv kernels (regular, depthwise and pointwise), never biases or
 * batch-norm parameters. Read their values with `.read()` inside the loss function.
 */
export function decayedWeights(model: TF.LayersModel): TF.LayerVariable[] {
  return model.trainableWeights.filter((w) => DECAYED_WEIGHT_NAME.test(w.originalName));
}

/**
 * The full loss of one batch: every head set's focal and box losses plus weight decay on `kernels` (pass the
 * values of `decayedWeights(model)`, e.g. `decayedWeights(model).map((w) => w.read())`).
 *
 * `outputs` are the model's outputs in order (`model.apply(images, {training: true})` as an array). Call it
 * inside `optimizer.minimize` / `tf.variableGrads`; to log the parts, `tf.keep` them there.
 */
export function detectionLoss(
  tf: Tfjs, layout: HeadLayout, outputs: readonly TF.Tensor[], targets: TargetTensors,
  kernels: readonly TF.Tensor[] = [], options: LossOptions = {},
): DetectionLoss {
  return tf.tidy(() => {
    const anchorTargets = expandTargets(tf, layout, targets);
    const normaliser = targets.positives + 1;
    const classTerms: TF.Tensor[] = [];
    const boxTerms: TF.Tensor[] = [];
    // Each head's levels joined along the anchors (the targets' own order: level by level, levels.anchorOffset),
    // so that each loss is one set of ops over all anchors rather than one per level: on tfjs-node every op
    // costs tens of µs whatever its size, and the per-level losses with their gradients were ~300 ops a step.
    const joined = (parts: TF.Tensor[]) => (parts.length === 1 ? parts[0] : tf.concat(parts, 1));
    for (const head of layout.heads) {
      const logits = joined(layout.levels.map((level, i) => reshapeClass(tf, layout, outputs[head.classOutputs[i]], level.anchorCount)));
      const boxes = joined(layout.levels.map((level, i) => reshapeBox(tf, outputs[head.boxOutputs[i]], level.anchorCount)));
      classTerms.push(focalLossSum(tf, logits, anchorTargets, options));
      boxTerms.push(huberLossSum(tf, boxes, anchorTargets, options));
    }
    const classLoss = tf.div(classTerms.length === 1 ? classTerms[0] : tf.addN(classTerms), normaliser) as TF.Scalar;
    const boxLoss = tf.div(boxTerms.length === 1 ? boxTerms[0] : tf.addN(boxTerms), 4 * normaliser) as TF.Scalar;
    const l2 = l2Penalty(tf, kernels, options.weightDecay ?? WEIGHT_DECAY);
    const total = tf.addN([classLoss, tf.mul(boxLoss, options.boxLossWeight ?? BOX_LOSS_WEIGHT), l2]) as TF.Scalar;
    return { total, class: classLoss, box: boxLoss, l2 };
  });
}

/** WEIGHT_DECAY · Σ ½‖w‖² over `kernels` ([TPU] tf.nn.l2_loss summed). */
export function l2Penalty(tf: Tfjs, kernels: readonly TF.Tensor[], weightDecay: number = WEIGHT_DECAY): TF.Scalar {
  return tf.tidy(() => {
    if (kernels.length === 0 || weightDecay === 0) return tf.scalar(0);
    // Stacked by shape (sumOfSquares), which counts on tfjs-node: 75 kernels, 17 shapes in the proxy detector.
    return tf.mul(sumOfSquares(tf, kernels), weightDecay / 2) as TF.Scalar;
  });
}

/** The targets of all anchors: the one-hot class targets, the non-ignored mask, the positive mask, the box targets. */
interface AnchorTargets {
  /** [B, N, K] 1 at the target class channel of positives, 0 elsewhere. */
  oneHot: TF.Tensor;
  /** [B, N, 1] 0 for ignored anchors, 1 otherwise. */
  counted: TF.Tensor;
  /** [B, N, 1] 1 for positive anchors. */
  positive: TF.Tensor;
  /** [B, N, 4]. */
  boxes: TF.Tensor;
}

/** The flat targets as the losses use them, computed once and shared by every head set. */
function expandTargets(tf: Tfjs, layout: HeadLayout, targets: TargetTensors): AnchorTargets {
  const [batch, n] = targets.classes.shape;
  if (n !== layout.anchorCount || targets.boxes.shape[1] !== n || targets.boxes.shape[0] !== batch) {
    throw new RangeError(`targets [${targets.classes.shape}] / [${targets.boxes.shape}] do not fit the layout's ${layout.anchorCount} anchors`);
  }
  const classes = targets.classes;
  // Negatives and ignored anchors learn 0 on every channel: one-hot of max(c, 0), then zeroed off the positives.
  const oneHot = tf.cast(tf.oneHot(tf.maximum(classes, tf.scalar(0, 'int32')) as TF.Tensor2D, layout.classes), 'float32');
  const positive = tf.expandDims(tf.cast(tf.greaterEqual(classes, 0), 'float32'), 2);
  return {
    oneHot: tf.mul(oneHot, positive),
    counted: tf.expandDims(tf.cast(tf.notEqual(classes, IGNORED), 'float32'), 2),
    positive,
    boxes: targets.boxes,
  };
}

function reshapeClass(tf: Tfjs, layout: HeadLayout, logits: TF.Tensor, anchorCount: number): TF.Tensor {
  return tf.reshape(logits, [logits.shape[0], anchorCount, layout.classes]);
}

function reshapeBox(tf: Tfjs, boxes: TF.Tensor, anchorCount: number): TF.Tensor {
  return tf.reshape(boxes, [boxes.shape[0], anchorCount, 4]);
}

/** Σ over anchors (not ignored) × classes of α_t · σ(−y)^γ · softplus(−y), y the signed logit. */
function focalLossSum(tf: Tfjs, logits: TF.Tensor, targets: AnchorTargets, options: LossOptions): TF.Scalar {
  const alpha = options.alpha ?? FOCAL_ALPHA;
  const gamma = options.gamma ?? FOCAL_GAMMA;
  const z = targets.oneHot;
  const sign = tf.sub(tf.mul(z, 2), 1); // +1 for the positive channel, −1 elsewhere
  const y = tf.mul(logits, sign);
  const crossEntropy = tf.softplus(tf.neg(y));
  const modulator = tf.exp(tf.mul(tf.softplus(y), -gamma));
  const alphaT = tf.add(tf.mul(z, 2 * alpha - 1), 1 - alpha); // α for positives, 1 − α for negatives
  return tf.sum(tf.mul(tf.mul(tf.mul(alphaT, modulator), crossEntropy), targets.counted)) as TF.Scalar;
}

/** Σ over positive anchors × 4 coordinates of the Huber loss: ½d² for |d| ≤ δ, δ(|d| − ½δ) beyond. */
function huberLossSum(tf: Tfjs, predicted: TF.Tensor, targets: AnchorTargets, options: LossOptions): TF.Scalar {
  const delta = options.huberDelta ?? HUBER_DELTA;
  const error = tf.abs(tf.sub(predicted, targets.boxes));
  const quadratic = tf.minimum(error, delta);
  const linear = tf.sub(error, quadratic);
  const huber = tf.add(tf.mul(tf.square(quadratic), 0.5), tf.mul(linear, delta));
  return tf.sum(tf.mul(huber, targets.positive)) as TF.Scalar;
}
