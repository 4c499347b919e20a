// The training losses as graph ops, computed exactly as the eager path computes them (src/train/losses.ts for
// the detection loss, src/train/surrogate.ts for the benchmark's surrogate): the same formulas, the same order
// of reductions, the same normalisers, so that both engines give the same numbers for the same weights and batch.
import type { HeadLayout } from '../targets/layout.js';
import { IGNORED } from '../targets/matching.js';
import { assertNever } from '../util/assert-never.js';
import type { GraphBuilder, Tensor } from './builder.js';
import * as op from './ops.js';

/** What a training graph minimises. */
export type GraphObjective =
  | {
      /** RetinaNet: focal + Huber over every head set, normalised by the batch's positives + 1, plus L2 on `decayed`. */
      kind: 'detection';
      layout: HeadLayout;
      alpha: number;
      gamma: number;
      huberDelta: number;
      boxLossWeight: number;
      weightDecay: number;
      /** Full names of the weights the L2 term covers (the conv kernels). */
      decayed: string[];
    }
  /** Mean over outputs of the mean squared error against one target input per output (bench/train-step). */
  | { kind: 'surrogate' };

export interface LossResult {
  total: Tensor;
  /** Named scalar parts (the eager objective's names and order). */
  parts: Record<string, Tensor>;
  /** The placeholders the loss reads besides the images, by signature key. */
  inputs: Record<string, Tensor>;
}

export function emitLoss(g: GraphBuilder, objective: GraphObjective, outputs: Tensor[], weight: (name: string) => Tensor): LossResult {
  return g.inScope('loss', () => {
    switch (objective.kind) {
      case 'detection':
        return detectionLoss(g, objective, outputs, weight);
      case 'surrogate':
        return surrogateLoss(g, outputs);
      default:
        return assertNever(objective, 'objective');
    }
  });
}

type Detection = Extract<GraphObjective, { kind: 'detection' }>;

function detectionLoss(g: GraphBuilder, o: Detection, outputs: Tensor[], weight: (name: string) => Tensor): LossResult {
  const { layout } = o;
  const batch = outputs[0].shape[0];
  const n = layout.anchorCount;
  const classes = op.placeholder(g, 'class_targets', 'int32', [batch, n]);
  const boxes = op.placeholder(g, 'box_targets', 'float32', [batch, n, 4]);
  // The targets of all anchors (train/losses.ts expandTargets).
  const positive = op.reshape(g, op.cast(g, op.greaterEqual(g, classes, op.constant(g, [0], [], 'int32')), 'float32'), [batch, n, 1], 'positive');
  const counted = op.reshape(g, op.cast(g, op.notEqual(g, classes, op.constant(g, [IGNORED], [], 'int32')), 'float32'), [batch, n, 1], 'counted');
  const clamped = op.maximum(g, classes, op.constant(g, [0], [], 'int32'), 'clamped');
  const oneHot = op.mul(g, op.oneHot(g, clamped, layout.classes), positive, 'one_hot_positive');
  // P + 1: the batch's positive anchors, counted on the targets as the eager path counts them on the host.
  const normaliser = op.add(g, op.sumAll(g, positive), op.scalar(g, 1), 'normaliser');

  const join = (parts: Tensor[], name: string) => op.concat(g, parts, 1, name);
  const classTerms: Tensor[] = [];
  const boxTerms: Tensor[] = [];
  layout.heads.forEach((head, h) => g.inScope(`head${h}`, () => {
    const logits = join(layout.levels.map((level, i) => op.reshape(g, outputs[head.classOutputs[i]], [batch, level.anchorCount, layout.classes])), 'logits');
    const regressions = join(layout.levels.map((level, i) => op.reshape(g, outputs[head.boxOutputs[i]], [batch, level.anchorCount, 4])), 'boxes');
    classTerms.push(focalLossSum(g, logits, oneHot, counted, o.alpha, o.gamma));
    boxTerms.push(huberLossSum(g, regressions, boxes, positive, o.huberDelta));
  }));
  const classLoss = op.div(g, op.addN(g, classTerms), normaliser, 'class');
  const boxLoss = op.div(g, op.addN(g, boxTerms), op.mul(g, normaliser, op.scalar(g, 4)), 'box');
  const l2 = o.decayed.length === 0 || o.weightDecay === 0
    ? op.scalar(g, 0, 'l2')
    : op.mul(g, op.addN(g, o.decayed.map((name) => op.l2Loss(g, weight(name)))), op.scalar(g, o.weightDecay), 'l2');
  const total = op.addN(g, [classLoss, op.mul(g, boxLoss, op.scalar(g, o.boxLossWeight)), l2], 'total');
  return { total, parts: { class: classLoss, box: boxLoss, l2 }, inputs: { class_targets: classes, box_targets: boxes } };
}

/** Σ over counted anchors × classes of α_t · σ(−y)^γ · softplus(−y), y the signed logit (train/losses.ts focalLossSum). */
function focalLossSum(g: GraphBuilder, logits: Tensor, z: Tensor, counted: Tensor, alpha: number, gamma: number): Tensor {
  return g.inScope('focal', () => {
    const sign = op.sub(g, op.mul(g, z, op.scalar(g, 2)), op.scalar(g, 1), 'sign');
    const y = op.mul(g, logits, sign, 'signed');
    const crossEntropy = op.softplus(g, op.neg(g, y), 'cross_entropy');
    const modulator = op.exp(g, op.mul(g, op.softplus(g, y), op.scalar(g, -gamma)), 'modulator');
    const alphaT = op.add(g, op.mul(g, z, op.scalar(g, 2 * alpha - 1)), op.scalar(g, 1 - alpha), 'alpha_t');
    return op.sumAll(g, op.mul(g, op.mul(g, op.mul(g, alphaT, modulator), crossEntropy), counted));
  });
}

/** Σ over positive anchors × 4 of the Huber loss (train/losses.ts huberLossSum). */
function huberLossSum(g: GraphBuilder, predicted: Tensor, targets: Tensor, positive: Tensor, delta: number): Tensor {
  return g.inScope('huber', () => {
    const error = op.abs(g, op.sub(g, predicted, targets));
    const quadratic = op.minimum(g, error, op.scalar(g, delta), 'quadratic');
    const linear = op.sub(g, error, quadratic, 'linear');
    const huber = op.add(g, op.mul(g, op.square(g, quadratic), op.scalar(g, 0.5)), op.mul(g, linear, op.scalar(g, delta)));
    return op.sumAll(g, op.mul(g, huber, positive));
  });
}

function surrogateLoss(g: GraphBuilder, outputs: Tensor[]): LossResult {
  const inputs: Record<string, Tensor> = {};
  const terms = outputs.map((y, k) => {
    const target = op.placeholder(g, `target${k}`, 'float32', y.shape);
    inputs[`target${k}`] = target;
    return op.mean(g, op.square(g, op.sub(g, y, target)), y.shape.map((_, i) => i));
  });
  const total = op.div(g, op.addN(g, terms), op.scalar(g, outputs.length), 'total');
  return { total, parts: {}, inputs };
}
