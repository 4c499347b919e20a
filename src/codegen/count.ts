// Parameter and multiply-add counting straight from a ModelSpec (no weights allocated).
//
// Conventions ([TPU] benchmark_utils, and the paper's Table 1 as docs/table1.md checks it):
//   - trainable parameters: conv kernels, conv biases, BN γ and β, the weighted sums' fusion weights;
//   - non-trainable: BN moving mean and variance (so trainable + non-trainable = tf model.countParams());
//   - MACs: multiply-accumulates of convolutions only (no BN, bias, add, pooling, gating, weighted sums);
//   - FLOPs = 2 × MACs, the convention of the paper's Table 1 (checked against it in docs/table1.md).
import { assertNever } from '../util/assert-never.js';
import type { Group, LayerSpec, ModelSpec, Shape } from './spec.js';
import { layerWeights } from './weights.js';

export interface Counts {
  trainable: number;
  nonTrainable: number;
  macs: number;
}

export interface ModelCounts extends Counts {
  name: string;
  inputSize: number;
  /** FLOPs = 2 × MACs. */
  flops: number;
  groups: ({ group: Group } & Counts)[];
}

/** Parameters of one layer given the shape of its (first) input and its number of inputs. */
export function layerParams(layer: LayerSpec, input: Shape, inputCount = 1): { trainable: number; nonTrainable: number } {
  const params = { trainable: 0, nonTrainable: 0 };
  for (const weight of layerWeights(layer, input, inputCount)) {
    params[weight.trainable ? 'trainable' : 'nonTrainable'] += weight.shape.reduce((a, b) => a * b, 1);
  }
  return params;
}

/** Multiply-accumulates of one application, given its input and output shapes. */
export function nodeMacs(layer: LayerSpec, input: Shape, output: Shape): number {
  const pixels = output[0] * output[1];
  const channels = input[2];
  switch (layer.kind) {
    case 'conv2d':
      return pixels * layer.config.kernelSize ** 2 * channels * layer.config.filters;
    case 'separableConv2d':
      return pixels * (layer.config.kernelSize ** 2 * channels + channels * layer.config.filters);
    case 'depthwiseConv2d':
      return pixels * layer.config.kernelSize ** 2 * channels;
    // Not convolutions: the paper's FLOPs leave them out (see the conventions above).
    case 'batchNorm':
    case 'relu':
    case 'zeroPad':
    case 'maxPool':
    case 'upsample':
    case 'add':
    case 'globalPoolMerge':
    case 'weightedSum':
    case 'dropBlock':
      return 0;
    default:
      return assertNever(layer, 'layer kind');
  }
}

export function countModel(spec: ModelSpec): ModelCounts {
  const shapes = new Map<string, Shape>([[spec.input.name, spec.input.shape]]);
  for (const node of spec.nodes) shapes.set(node.id, node.shape);
  const layerByName = new Map(spec.layers.map((l) => [l.name, l]));
  const byGroup = new Map<Group, Counts>(spec.groups.map((g) => [g, { trainable: 0, nonTrainable: 0, macs: 0 }]));
  const counted = new Set<string>();
  for (const node of spec.nodes) {
    const layer = layerByName.get(node.layer)!;
    const group = byGroup.get(layer.group)!;
    const input = shapes.get(node.inputs[0])!;
    // A shared layer's weights count once; its multiply-adds count at every application.
    if (!counted.has(layer.name)) {
      counted.add(layer.name);
      const params = layerParams(layer, input, node.inputs.length);
      group.trainable += params.trainable;
      group.nonTrainable += params.nonTrainable;
    }
    group.macs += nodeMacs(layer, input, node.shape);
  }
  const groups = [...byGroup.entries()].map(([group, c]) => ({ group, ...c }));
  const total = (key: keyof Counts) => groups.reduce((sum, g) => sum + g[key], 0);
  const macs = total('macs');
  return {
    name: spec.name,
    inputSize: spec.input.shape[0],
    trainable: total('trainable'),
    nonTrainable: total('nonTrainable'),
    macs,
    flops: 2 * macs,
    groups,
  };
}
