// Backbones as model-spec lowering: ResNet v1 ([TPU] resnet.py) and MobileNetV2 (the
// [ODAPI] feature extractor's cut). Each returns its endpoints C2..C5 by level. The block tables and channel
// rules live in ./backbone-facts.ts, which the stack view reads too.
import type { Backbone, BatchNormSettings, Level } from '../semantics/ir.js';
import {
  BOTTLENECK_EXPANSION, makeDivisible, MOBILENET_V2_ENDPOINT_LAYERS, MOBILENET_V2_GROUPS, MOBILENET_V2_STEM_CHANNELS,
  mobilenetV2LastChannels, RESNET_GROUP_FILTERS, RESNET_LAYERS, type ResnetDepth,
} from './backbone-facts.js';
import type { SpecGraph } from './graph.js';
import type { InitSpec } from './spec.js';

export type Endpoints = Map<Level, string>;

/** TF1 `tf.variance_scaling_initializer()` defaults, which the [TPU] backbone convs use. */
const BACKBONE_INIT: InitSpec = { kind: 'varianceScaling', scale: 1, mode: 'fanIn', distribution: 'truncatedNormal' };

export function lowerBackbone(g: SpecGraph, backbone: Backbone, image: string, bn: BatchNormSettings): Endpoints {
  return backbone.kind === 'resnet'
    ? lowerResnet(g, backbone.depth, image, bn)
    : lowerMobilenetV2(g, backbone.widthMultiplier, image, bn);
}

/**
 * A bias-free backbone conv. Strided convs use the reference's fixed padding ((k−1)//2 before, the rest after,
 * then VALID) so the result does not depend on the input size's parity; stride-1 convs use SAME.
 */
function backboneConv(g: SpecGraph, name: string, x: string, filters: number, kernelSize: number, strides: number): string {
  if (strides > 1 && kernelSize > 1) {
    const before = Math.floor((kernelSize - 1) / 2);
    const after = kernelSize - 1 - before;
    x = g.apply(`${name}_pad`, { kind: 'zeroPad', config: { padding: [[before, after], [before, after]] } }, x);
  }
  return g.apply(name, {
    kind: 'conv2d',
    config: {
      filters, kernelSize, strides, padding: strides > 1 ? 'valid' : 'same', useBias: false,
      kernelInit: BACKBONE_INIT, biasInit: { kind: 'zeros' },
    },
  }, x);
}

const batchNorm = (g: SpecGraph, name: string, x: string, bn: BatchNormSettings): string =>
  g.apply(name, { kind: 'batchNorm', config: { momentum: bn.momentum, epsilon: bn.epsilon } }, x);

const relu = (g: SpecGraph, name: string, x: string, maxValue?: number): string =>
  g.apply(name, { kind: 'relu', config: maxValue === undefined ? {} : { maxValue } }, x);

// ---------------------------------------------------------------------------------------------------
// ResNet v1

function lowerResnet(g: SpecGraph, depth: ResnetDepth, image: string, bn: BatchNormSettings): Endpoints {
  const { bottleneck, blocks } = RESNET_LAYERS[depth];
  // Stem: 7×7/2 conv, BN, ReLU, 3×3/2 max pool.
  let x = backboneConv(g, 'backbone/conv1', image, 64, 7, 2);
  x = batchNorm(g, 'backbone/bn1', x, bn);
  x = relu(g, 'backbone/relu1', x);
  x = g.apply('backbone/pool1', { kind: 'maxPool', config: { poolSize: 3, strides: 2 } }, x);
  const endpoints: Endpoints = new Map();
  RESNET_GROUP_FILTERS.forEach((filters, group) => {
    for (let b = 0; b < blocks[group]; b++) {
      const name = `backbone/res${group + 2}/block${b}`;
      // The first block of every group (group 1 included) has a projection shortcut; the stride sits on the
      // first 3×3 conv of the block (the bottleneck's middle conv).
      const strides = b === 0 && group > 0 ? 2 : 1;
      x = bottleneck
        ? bottleneckBlock(g, name, x, filters, strides, b === 0, bn)
        : basicBlock(g, name, x, filters, strides, b === 0, bn);
    }
    endpoints.set(group + 2, x);
  });
  return endpoints;
}

function shortcut(g: SpecGraph, name: string, x: string, filters: number, strides: number, project: boolean, bn: BatchNormSettings): string {
  if (!project) return x;
  return batchNorm(g, `${name}/shortcut_bn`, backboneConv(g, `${name}/shortcut`, x, filters, 1, strides), bn);
}

function basicBlock(g: SpecGraph, name: string, x: string, filters: number, strides: number, project: boolean, bn: BatchNormSettings): string {
  const skip = shortcut(g, name, x, filters, strides, project, bn);
  let y = relu(g, `${name}/relu1`, batchNorm(g, `${name}/bn1`, backboneConv(g, `${name}/conv1`, x, filters, 3, strides), bn));
  y = batchNorm(g, `${name}/bn2`, backboneConv(g, `${name}/conv2`, y, filters, 3, 1), bn);
  return relu(g, `${name}/relu`, g.apply(`${name}/add`, { kind: 'add', config: {} }, y, skip));
}

function bottleneckBlock(g: SpecGraph, name: string, x: string, filters: number, strides: number, project: boolean, bn: BatchNormSettings): string {
  const skip = shortcut(g, name, x, BOTTLENECK_EXPANSION * filters, strides, project, bn);
  let y = relu(g, `${name}/relu1`, batchNorm(g, `${name}/bn1`, backboneConv(g, `${name}/conv1`, x, filters, 1, 1), bn));
  y = relu(g, `${name}/relu2`, batchNorm(g, `${name}/bn2`, backboneConv(g, `${name}/conv2`, y, filters, 3, strides), bn));
  y = batchNorm(g, `${name}/bn3`, backboneConv(g, `${name}/conv3`, y, BOTTLENECK_EXPANSION * filters, 1, 1), bn);
  return relu(g, `${name}/relu`, g.apply(`${name}/add`, { kind: 'add', config: {} }, y, skip));
}

// ---------------------------------------------------------------------------------------------------
// MobileNetV2

/**
 * MobileNetV2 named as the [ODAPI] extractor names it: `layer_1` is the stem conv, `layer_2..18` the 17
 * inverted-residual blocks, `layer_19` the final 1×1 conv. Endpoints ([ODAPI] extractor): C3 = layer_7 (32·α ch),
 * C4 = layer_14 (96·α), C5 = layer_19 (1280, or 1280·α when α > 1), C2 = layer_4.
 */
function lowerMobilenetV2(g: SpecGraph, alpha: number, image: string, bn: BatchNormSettings): Endpoints {
  let x = relu(g, 'backbone/layer_1/relu', batchNorm(g, 'backbone/layer_1/bn', backboneConv(g, 'backbone/layer_1/conv', image, makeDivisible(MOBILENET_V2_STEM_CHANNELS * alpha), 3, 2), bn), 6);
  let layer = 2;
  const endpoints: Endpoints = new Map();
  for (const [t, c, n, s] of MOBILENET_V2_GROUPS) {
    for (let b = 0; b < n; b++) {
      x = invertedResidual(g, `backbone/layer_${layer}`, x, t, makeDivisible(c * alpha), b === 0 ? s : 1, bn);
      if (MOBILENET_V2_ENDPOINT_LAYERS.has(layer)) endpoints.set(MOBILENET_V2_ENDPOINT_LAYERS.get(layer)!, x);
      layer++;
    }
  }
  x = backboneConv(g, `backbone/layer_${layer}/conv`, x, mobilenetV2LastChannels(alpha), 1, 1);
  x = relu(g, `backbone/layer_${layer}/relu`, batchNorm(g, `backbone/layer_${layer}/bn`, x, bn), 6);
  endpoints.set(MOBILENET_V2_ENDPOINT_LAYERS.get(layer)!, x);
  return endpoints;
}

function invertedResidual(g: SpecGraph, name: string, x: string, expansion: number, filters: number, strides: number, bn: BatchNormSettings): string {
  const inChannels = g.shape(x)[2];
  let y = x;
  if (expansion !== 1) {
    y = backboneConv(g, `${name}/expand`, y, inChannels * expansion, 1, 1);
    y = relu(g, `${name}/expand_relu`, batchNorm(g, `${name}/expand_bn`, y, bn), 6);
  }
  if (strides > 1) y = g.apply(`${name}/depthwise_pad`, { kind: 'zeroPad', config: { padding: [[1, 1], [1, 1]] } }, y);
  y = g.apply(`${name}/depthwise`, {
    kind: 'depthwiseConv2d', config: { kernelSize: 3, strides, padding: strides > 1 ? 'valid' : 'same', init: BACKBONE_INIT },
  }, y);
  y = relu(g, `${name}/depthwise_relu`, batchNorm(g, `${name}/depthwise_bn`, y, bn), 6);
  y = batchNorm(g, `${name}/project_bn`, backboneConv(g, `${name}/project`, y, filters, 1, 1), bn);
  // Linear bottleneck: residual only when the block keeps resolution and width.
  return strides === 1 && inChannels === filters ? g.apply(`${name}/add`, { kind: 'add', config: {} }, y, x) : y;
}
