// Lowers a checked DetectorIR into a ModelSpec: backbone → laterals and P6/P7 → `repeats` pyramid networks →
// RetinaNet heads. Every semantic choice cites the [TPU] code it follows (github.com/tensorflow/tpu,
// models/official/detection/modeling/architecture: nasfpn.py, heads.py).
import {
  inputCount, outputNodeByLevel, WSUM_EPSILON, type DetectorIR, type FpnPyramidIR, type Level, type MergingCell, type PyramidIR,
} from '../semantics/ir.js';
import { exitProblem, headPrefix } from '../semantics/exits.js';
import { levelName, levelRange } from '../semantics/levels.js';
import { assertNever } from '../util/assert-never.js';
import { lowerBackbone } from './backbones.js';
import { SpecGraph } from './graph.js';
import type { InitSpec, LayerConfig, ModelOutput, ModelSpec } from './spec.js';
import { keepOutputs } from './truncate.js';

export interface LowerOptions {
  /** Square input size overriding the detector's (must be a multiple of 2^maxLevel). */
  inputSize?: number;
  /**
   * Stop after pyramid `exit` (an exit of the detector, src/semantics/exits.ts): the model of the backbone,
   * pyramids 1..exit and the head after pyramid `exit` only, named `NAME_exitK`, its layers named as in the
   * full model so that the full model's weights load into it by name. Left out: the whole detector, with
   * every anytime head (the model that trains).
   */
  exit?: number;
}

/** TF1 `tf.layers.conv2d` defaults, which the [TPU] lateral, resample and cell convs use. */
const TF1_DEFAULT_KERNEL: InitSpec = { kind: 'glorotUniform' };
const ZEROS: InitSpec = { kind: 'zeros' };

export function lowerDetector(detector: DetectorIR, options: LowerOptions = {}): ModelSpec {
  const full = lowerWholeDetector(detector, options.inputSize ?? detector.inputSize);
  if (options.exit === undefined) return full;
  const problem = exitProblem(detector, options.exit);
  if (problem) throw new RangeError(problem);
  const exit = outputsOfExit(detector, options.exit);
  return exit.length === full.outputs.length ? full : keepOutputs(full, exit, `${full.name}_exit${options.exit}`);
}

/** The names of the outputs of the head after pyramid `exit` (class, then box, each in level order). */
function outputsOfExit(detector: DetectorIR, exit: number): string[] {
  const prefix = headPrefix(detector, exit);
  return (['class', 'box'] as const).flatMap((subnet) =>
    levelRange(detector.minLevel, detector.maxLevel).map((level) => `${prefix}${subnet}/${levelName(level)}`));
}

function lowerWholeDetector(detector: DetectorIR, inputSize: number): ModelSpec {
  const multiple = 2 ** detector.maxLevel;
  if (!Number.isInteger(inputSize) || inputSize <= 0 || inputSize % multiple !== 0) {
    throw new RangeError(`input size ${inputSize} is not a positive multiple of 2^${detector.maxLevel} = ${multiple}`);
  }
  const g = new SpecGraph('image', [inputSize, inputSize, 3]);
  g.orderGroups(['backbone', 'laterals', ...Array.from({ length: detector.repeats }, (_, r) => `stack${r + 1}`), 'head']);
  g.inGroup('backbone');
  const endpoints = lowerBackbone(g, detector.backbone, 'image', detector.batchNorm);

  g.inGroup('laterals');
  const pyramid = detector.pyramid;
  // The first pyramid's inputs: P_min..P_max for merging cells; the raw backbone levels for FPN, whose own
  // laterals and P6/P7 convs are part of it.
  let features: string[];
  switch (pyramid.kind) {
    case 'cells':
      features = lowerLaterals(g, detector, endpoints);
      break;
    case 'fpn':
      features = fpnBackboneInputs(detector, endpoints);
      break;
    default:
      return assertNever(pyramid, 'pyramid kind');
  }

  const outputs: ModelOutput[] = [];
  let heads: HeadLayers | undefined;
  for (let r = 1; r <= detector.repeats; r++) {
    g.inGroup(`stack${r}`);
    switch (pyramid.kind) {
      case 'cells':
        features = lowerStack(g, detector, pyramid, r, features);
        break;
      case 'fpn':
        features = lowerFpn(g, detector, pyramid, r, features);
        break;
      default:
        return assertNever(pyramid, 'pyramid kind');
    }
    if (detector.anytimeHeads || r === detector.repeats) {
      g.inGroup('head');
      heads ??= declareHeads(g, detector);
      outputs.push(...applyHeads(g, detector, heads, features, headPrefix(detector, r)));
    }
  }
  return g.finish(detector.name.replace(/[^-A-Za-z0-9._]/g, '_'), outputs);
}

// ---------------------------------------------------------------------------------------------------
// Resampling ([TPU] nasfpn.py `resample_feature_map`)

/** A pyramid conv: a regular conv, or separable (depthwise + pointwise) for the Lite models ([TPU] switch). */
function pyramidConv(detector: DetectorIR, filters: number, kernelSize: number, strides = 1): LayerConfig {
  return detector.conv === 'separable'
    ? { kind: 'separableConv2d', config: { filters, kernelSize, ...(strides === 1 ? {} : { strides }), useBias: true, depthwiseInit: TF1_DEFAULT_KERNEL, pointwiseInit: TF1_DEFAULT_KERNEL, biasInit: ZEROS } }
    : { kind: 'conv2d', config: { filters, kernelSize, strides, padding: 'same', useBias: true, kernelInit: TF1_DEFAULT_KERNEL, biasInit: ZEROS } };
}

const batchNorm = (detector: DetectorIR): LayerConfig =>
  ({ kind: 'batchNorm', config: { momentum: detector.batchNorm.momentum, epsilon: detector.batchNorm.epsilon } });

/**
 * Brings tensor `x` from level `from` to level `to` at the pyramid width: a 1×1 conv (bias) + BN without
 * activation only when the channel count differs, then max pooling (kernel = stride = 2^k, SAME) to go down or
 * nearest-neighbour upsampling by 2^k to go up.
 */
function resample(g: SpecGraph, detector: DetectorIR, name: string, x: string, from: Level, to: Level): string {
  if (g.shape(x)[2] !== detector.width) {
    x = g.apply(`${name}/conv`, pyramidConv(detector, detector.width, 1), x);
    x = g.apply(`${name}/bn`, batchNorm(detector), x);
  }
  if (from < to) {
    const k = 2 ** (to - from);
    x = g.apply(`${name}/pool`, { kind: 'maxPool', config: { poolSize: k, strides: k } }, x);
  } else if (from > to) {
    x = g.apply(`${name}/upsample`, { kind: 'upsample', config: { factor: 2 ** (from - to) } }, x);
  }
  return x;
}

/**
 * The pyramid's inputs P_min..P_max ([TPU] `Nasfpn.__call__`): a level the backbone has is its endpoint
 * resampled in place (a 1×1 projection); a level above the backbone is the previous, already projected level
 * max-pooled by 2 (so P6 = mp(P5′), P7 = mp(P6), no parameters).
 */
function lowerLaterals(g: SpecGraph, detector: DetectorIR, endpoints: Map<Level, string>): string[] {
  const features: string[] = [];
  const topBackboneLevel = Math.max(...endpoints.keys());
  for (let level = detector.minLevel; level <= detector.maxLevel; level++) {
    const endpoint = endpoints.get(level);
    if (endpoint !== undefined) {
      features.push(resample(g, detector, `laterals/${levelName(level)}`, endpoint, level, level));
    } else if (level > detector.minLevel && level > topBackboneLevel) {
      features.push(resample(g, detector, `laterals/${levelName(level)}`, features[features.length - 1], level - 1, level));
    } else {
      throw new RangeError(`the backbone has no endpoint for level ${level}`);
    }
  }
  return features;
}

// ---------------------------------------------------------------------------------------------------
// Merging cells and stacks ([TPU] nasfpn.py `Nasfpn.__call__`, `global_attention`)

/**
 * One pyramid network with its own weights. `inputs` are the previous features in level order; the result is
 * this stack's outputs in level order.
 */
function lowerStack(g: SpecGraph, detector: DetectorIR, pyramid: PyramidIR, repeat: number, inputs: string[]): string[] {
  if (inputs.length !== inputCount(pyramid)) throw new Error('model spec: pyramid input count mismatch');
  const nodes = [...inputs];
  pyramid.cells.forEach((cell, i) => {
    nodes.push(lowerCell(g, detector, pyramid, `stack${repeat}/cell${i}`, cell, nodes));
  });
  return [...outputNodeByLevel(pyramid).values()].map((index) => nodes[index]);
}

function lowerCell(g: SpecGraph, detector: DetectorIR, pyramid: PyramidIR, name: string, cell: MergingCell, nodes: string[]): string {
  const levels = pyramid.nodes.map((n) => n.level);
  const start = g.mark();
  const resampled = cell.inputs.map((index, k) => resample(g, detector, `${name}/in${k}`, nodes[index], levels[index], cell.level));
  let x: string;
  const op = cell.op;
  switch (op.kind) {
    case 'sum':
      x = g.apply(`${name}/sum`, { kind: 'add', config: {} }, resampled[0], resampled[1]);
      break;
    case 'global_pool':
      // The pooled input is added unchanged and gates the other one (resolved by the checker; [TPU] `global_attention`).
      x = g.apply(`${name}/global_pool`, { kind: 'globalPoolMerge', config: { pool: op.pool } }, resampled[op.pooled], resampled[1 - op.pooled]);
      break;
    case 'wsum':
      // Two learned weights of this cell (and repeat), in the order the inputs are written.
      x = g.apply(`${name}/wsum`, { kind: 'weightedSum', config: { epsilon: WSUM_EPSILON } }, resampled[0], resampled[1]);
      break;
    default:
      return assertNever(op, 'op');
  }
  g.annotateFrom(start, describeCell(pyramid, cell));
  // Dangling sums: after the binary op, before ReLU → conv → BN ([TPU] `Nasfpn.__call__`); same level, so no resampling
  // beyond a possible width projection.
  if (cell.danglingSums.length > 0) {
    const extra = cell.danglingSums.map((index, k) => resample(g, detector, `${name}/dangling${k}`, nodes[index], levels[index], cell.level));
    x = g.apply(`${name}/dangling_sum`, { kind: 'add', config: {} }, x, ...extra);
  }
  x = g.apply(`${name}/relu`, { kind: 'relu', config: {} }, x);
  x = g.apply(`${name}/conv`, pyramidConv(detector, detector.width, 3), x);
  x = g.apply(`${name}/bn`, batchNorm(detector), x);
  if (detector.dropblock) {
    x = g.apply(`${name}/dropblock`, { kind: 'dropBlock', config: { blockSize: detector.dropblock.size, keepProb: detector.dropblock.keepProb } }, x);
  }
  return x;
}

/** `n9 @P5 = global_pool(max of n8, gating n7) + P5 (dangling)`, in the pyramid's own node names. */
function describeCell(pyramid: PyramidIR, cell: MergingCell): string {
  const name = (index: number) => pyramid.nodes[index].name;
  const dangling = cell.danglingSums.map((i) => ` + ${name(i)} (dangling)`).join('');
  return `${cell.isOutput ? 'output ' : ''}${cell.name} @${levelName(cell.level)} = ${describeOp(cell, name)}${dangling}, then ReLU → conv → BN`;
}

function describeOp(cell: MergingCell, name: (index: number) => string): string {
  const op = cell.op;
  switch (op.kind) {
    case 'sum':
    case 'wsum':
      return `${op.kind}(${cell.inputs.map(name).join(', ')})`;
    case 'global_pool':
      return `global_pool(${op.pool} of ${name(cell.inputs[op.pooled])}, gating ${name(cell.inputs[1 - op.pooled])})`;
    default:
      return assertNever(op, 'op');
  }
}

// ---------------------------------------------------------------------------------------------------
// FPN ([TPU] modeling/architecture/fpn.py `Fpn.__call__`; FpnPyramidIR)

/** The backbone endpoints C_min..C_top that the first FPN takes, top = the deepest level both have. */
function fpnBackboneInputs(detector: DetectorIR, endpoints: Map<Level, string>): string[] {
  const top = Math.min(detector.maxLevel, Math.max(...endpoints.keys()));
  const inputs: string[] = [];
  for (let level = detector.minLevel; level <= top; level++) {
    const endpoint = endpoints.get(level);
    if (endpoint === undefined) throw new RangeError(`the backbone has no endpoint for level ${level}`);
    inputs.push(endpoint);
  }
  return inputs;
}

/**
 * One FPN on `inputs` (levels minLevel.. upward; the backbone's for the first repeat, all levels for a stacked
 * one). Laterals: a 1×1 conv with bias per input level. Top-down: from the top input level down, each level's
 * lateral plus the nearest-upsampled sum above (the path carries the unsmoothed sums). Then a 3×3 conv per
 * input level. Levels above the inputs: P_top+1 = 3×3/2 conv of the smoothed P_top, each further level a
 * 3×3/2 conv of relu(the level below). Finally BN without activation on every level.
 */
function lowerFpn(g: SpecGraph, detector: DetectorIR, pyramid: FpnPyramidIR, repeat: number, inputs: string[]): string[] {
  const name = `stack${repeat}`;
  const top = pyramid.minLevel + inputs.length - 1;
  const stackGroup = name;
  // The first FPN's laterals and extra levels replace the merging-cell pyramid's `laterals` stage: they are
  // counted there, so the stack groups compare with NAS-FPN's.
  const inLateralGroup = (lower: () => string): string => {
    if (repeat === 1) g.inGroup('laterals');
    const x = lower();
    g.inGroup(stackGroup);
    return x;
  };
  const laterals = inputs.map((x, k) =>
    inLateralGroup(() => g.apply(`${name}/lateral/${levelName(pyramid.minLevel + k)}`, pyramidConv(detector, detector.width, 1), x)));
  const path = new Map<Level, string>([[top, laterals[top - pyramid.minLevel]]]);
  for (let level = top - 1; level >= pyramid.minLevel; level--) {
    const above = g.apply(`${name}/topdown/${levelName(level)}/upsample`, { kind: 'upsample', config: { factor: 2 } }, path.get(level + 1)!);
    path.set(level, g.apply(`${name}/topdown/${levelName(level)}/sum`, { kind: 'add', config: {} }, laterals[level - pyramid.minLevel], above));
  }
  const features = new Map<Level, string>();
  for (let level = pyramid.minLevel; level <= top; level++) {
    features.set(level, g.apply(`${name}/post_hoc/${levelName(level)}`, pyramidConv(detector, detector.width, 3), path.get(level)!));
  }
  for (let level = top + 1; level <= pyramid.maxLevel; level++) {
    const below = features.get(level - 1)!;
    features.set(level, inLateralGroup(() => {
      const x = level > top + 1 ? g.apply(`${name}/${levelName(level)}/relu`, { kind: 'relu', config: {} }, below) : below;
      return g.apply(`${name}/${levelName(level)}/conv`, pyramidConv(detector, detector.width, 3, 2), x);
    }));
  }
  const outputs: string[] = [];
  for (let level = pyramid.minLevel; level <= pyramid.maxLevel; level++) {
    outputs.push(g.apply(`${name}/bn/${levelName(level)}`, batchNorm(detector), features.get(level)!));
  }
  return outputs;
}

// ---------------------------------------------------------------------------------------------------
// RetinaNet heads ([TPU] heads.py `RetinanetHead`)

interface HeadLayers {
  tower: { class: string[]; box: string[] };
  predict: { class: string; box: string };
}

/** Conv weights of both subnets, shared across levels (and across repeats for anytime heads). */
function declareHeads(g: SpecGraph, detector: DetectorIR): HeadLayers {
  g.inGroup('head');
  const head = detector.head;
  const anchors = head.anchors.scales * head.anchors.ratios.length;
  const towerConv = (): LayerConfig =>
    detector.conv === 'separable'
      ? { kind: 'separableConv2d', config: { filters: head.width, kernelSize: 3, useBias: true, depthwiseInit: TF1_DEFAULT_KERNEL, pointwiseInit: TF1_DEFAULT_KERNEL, biasInit: ZEROS } }
      : { kind: 'conv2d', config: { filters: head.width, kernelSize: 3, strides: 1, padding: 'same', useBias: true, kernelInit: { kind: 'randomNormal', stddev: 0.01 }, biasInit: ZEROS } };
  const predictor = (filters: number, biasInit: InitSpec): LayerConfig =>
    detector.conv === 'separable'
      ? { kind: 'separableConv2d', config: { filters, kernelSize: 3, useBias: true, depthwiseInit: TF1_DEFAULT_KERNEL, pointwiseInit: { kind: 'randomNormal', stddev: 1e-5 }, biasInit } }
      : { kind: 'conv2d', config: { filters, kernelSize: 3, strides: 1, padding: 'same', useBias: true, kernelInit: { kind: 'randomNormal', stddev: 1e-5 }, biasInit } };
  const tower = (subnet: 'class' | 'box') =>
    Array.from({ length: head.convs }, (_, i) => g.declare(`head/${subnet}/conv${i}`, towerConv()));
  // Class bias −log((1 − π)/π): every anchor starts at probability π (−4.595 for π = 0.01).
  const prior = -Math.log((1 - head.prior) / head.prior);
  return {
    tower: { class: tower('class'), box: tower('box') },
    predict: {
      class: g.declare('head/class/predict', predictor(anchors * head.classes, { kind: 'constant', value: prior })),
      box: g.declare('head/box/predict', predictor(anchors * 4, ZEROS)),
    },
  };
}

/** Applies both subnets to every level: shared convs, BN per level and per conv, ReLU after BN. */
function applyHeads(g: SpecGraph, detector: DetectorIR, heads: HeadLayers, features: string[], prefix: string): ModelOutput[] {
  const outputs: ModelOutput[] = [];
  for (const subnet of ['class', 'box'] as const) {
    features.forEach((feature, k) => {
      const level = levelName(detector.minLevel + k);
      let x = feature;
      heads.tower[subnet].forEach((conv, i) => {
        x = g.applyDeclared(conv, [x], `${prefix}${conv}@${level}`);
        x = g.apply(`head/${subnet}/${prefix}bn${i}/${level}`, batchNorm(detector), x);
        x = g.apply(`head/${subnet}/${prefix}relu${i}/${level}`, { kind: 'relu', config: {} }, x);
      });
      const out = g.applyDeclared(heads.predict[subnet], [x], `${prefix}${heads.predict[subnet]}@${level}`);
      outputs.push({ name: `${prefix}${subnet}/${level}`, node: out });
    });
  }
  return outputs;
}
