// The forward pass of a ModelSpec as graph ops: one case per layer kind (an exhaustive switch), each emitting
// what the TensorFlow.js layer of that kind computes (codegen/calls.ts, codegen/layers.ts), in training mode
// (batch statistics, DropBlock active) or inference mode (moving statistics, DropBlock the identity).
// Weights come from a WeightSource: variable reads in a training graph, constants in an exported one.
import type { LayerSpec, ModelSpec, Shape as ImageShape } from '../codegen/spec.js';
import { layerWeights, type WeightShape } from '../codegen/weights.js';
import { assertNever } from '../util/assert-never.js';
import type { GraphBuilder, Tensor } from './builder.js';
import * as op from './ops.js';

export type Mode = 'train' | 'inference';

/** The value of weight `LAYER/NAME` (a variable read or a constant), read once per graph. */
export interface WeightSource {
  weight(name: string, shape: number[]): Tensor;
}

/** A batch-norm layer's statistics of this batch (training mode), for the moving averages. */
export interface BatchStatistics {
  layer: string;
  mean: Tensor;
  /** The biased batch variance (as tf.layers averages it). */
  variance: Tensor;
}

export interface ForwardResult {
  /** The model's outputs, in the spec's order. */
  outputs: Tensor[];
  /** One entry per batch-norm application in training mode. */
  statistics: BatchStatistics[];
}

export interface ForwardOptions {
  mode: Mode;
  weights: WeightSource;
  /** int32 [2]: the step's seed for DropBlock's draws (training mode, detectors with DropBlock). */
  seed?: Tensor;
}

/** Every weight of a spec (trainable or not) with its full name, in the spec's layer order. */
export function specWeights(spec: ModelSpec): (WeightShape & { layer: string; fullName: string })[] {
  const shapes = new Map<string, ImageShape>([[spec.input.name, spec.input.shape]]);
  for (const node of spec.nodes) shapes.set(node.id, node.shape);
  const firstUse = new Map<string, { input: ImageShape; count: number }>();
  for (const node of spec.nodes) {
    if (!firstUse.has(node.layer)) firstUse.set(node.layer, { input: shapes.get(node.inputs[0])!, count: node.inputs.length });
  }
  return spec.layers.flatMap((layer) => {
    const use = firstUse.get(layer.name)!;
    return layerWeights(layer, use.input, use.count).map((w) => ({ ...w, layer: layer.name, fullName: `${layer.name}/${w.name}` }));
  });
}

/** Emits the forward pass on `image` ([batch, H, W, 3]). */
export function emitForward(g: GraphBuilder, spec: ModelSpec, image: Tensor, options: ForwardOptions): ForwardResult {
  const tensors = new Map<string, Tensor>([[spec.input.name, image]]);
  const layers = new Map(spec.layers.map((l) => [l.name, l]));
  const statistics: BatchStatistics[] = [];
  let dropBlocks = 0;
  const weight = (layer: LayerSpec, name: string, shape: number[]) => options.weights.weight(`${layer.name}/${name}`, shape);
  for (const node of spec.nodes) {
    const layer = layers.get(node.layer)!;
    const inputs = node.inputs.map((id) => tensors.get(id)!);
    const output = g.inScope(node.id.replace(/@/g, '_'), () => {
      const [x] = inputs;
      const channels = x.shape[3];
      switch (layer.kind) {
        case 'conv2d': {
          const c = layer.config;
          const y = op.conv2d(g, x, weight(layer, 'kernel', [c.kernelSize, c.kernelSize, channels, c.filters]), c.strides, c.padding === 'same' ? 'SAME' : 'VALID');
          return c.useBias ? op.biasAdd(g, y, weight(layer, 'bias', [c.filters])) : y;
        }
        case 'separableConv2d': {
          const c = layer.config;
          const depthwise = op.depthwiseConv2d(g, x, weight(layer, 'depthwise_kernel', [c.kernelSize, c.kernelSize, channels, 1]), c.strides ?? 1, 'SAME');
          const y = op.conv2d(g, depthwise, weight(layer, 'pointwise_kernel', [1, 1, channels, c.filters]), 1, 'SAME', 'pointwise');
          return c.useBias ? op.biasAdd(g, y, weight(layer, 'bias', [c.filters])) : y;
        }
        case 'depthwiseConv2d': {
          const c = layer.config;
          return op.depthwiseConv2d(g, x, weight(layer, 'depthwise_kernel', [c.kernelSize, c.kernelSize, channels, 1]), c.strides, c.padding === 'same' ? 'SAME' : 'VALID');
        }
        case 'batchNorm': {
          const { epsilon } = layer.config;
          const gamma = weight(layer, 'gamma', [channels]);
          const beta = weight(layer, 'beta', [channels]);
          if (options.mode === 'inference') {
            return op.fusedBatchNorm(g, x, gamma, beta, weight(layer, 'moving_mean', [channels]), weight(layer, 'moving_variance', [channels]), epsilon, false).y;
          }
          const empty = op.constant(g, [], [0], 'float32', 'empty');
          const bn = op.fusedBatchNorm(g, x, gamma, beta, empty, empty, epsilon, true);
          // The op's variance output is Bessel-corrected (N/(N − 1)); tf.layers averages the biased one.
          const count = x.shape[0] * x.shape[1] * x.shape[2];
          const biased = count > 1 ? op.mul(g, bn.variance, op.scalar(g, (count - 1) / count), 'biased_variance') : bn.variance;
          statistics.push({ layer: layer.name, mean: bn.mean, variance: biased });
          return bn.y;
        }
        case 'relu': {
          const { maxValue } = layer.config;
          if (maxValue === undefined) return op.relu(g, x);
          if (maxValue === 6) return op.relu6(g, x);
          return op.minimum(g, op.relu(g, x), op.scalar(g, maxValue), 'cap');
        }
        case 'zeroPad':
          return op.pad(g, x, layer.config.padding);
        case 'maxPool':
          return op.maxPool(g, x, layer.config.poolSize, layer.config.strides);
        case 'upsample':
          return op.resizeNearest(g, x, x.shape[1] * layer.config.factor, x.shape[2] * layer.config.factor);
        case 'add':
          return inputs.length === 2 ? op.add(g, inputs[0], inputs[1]) : op.addN(g, inputs);
        case 'globalPoolMerge': {
          const [pooled, gated] = inputs;
          const summary = layer.config.pool === 'max' ? op.max(g, pooled, [1, 2], true) : op.mean(g, pooled, [1, 2], true);
          return op.add(g, pooled, op.mul(g, gated, op.sigmoid(g, summary)));
        }
        case 'weightedSum': {
          const weights = op.relu(g, weight(layer, 'weights', [inputs.length]));
          const parts = op.unstack(g, weights);
          const numerator = op.addN(g, inputs.map((input, i) => op.mul(g, input, parts[i])));
          return op.div(g, numerator, op.add(g, op.sum(g, weights, [0]), op.scalar(g, layer.config.epsilon)));
        }
        case 'dropBlock':
          if (options.mode === 'inference' || layer.config.keepProb >= 1) return x;
          if (!options.seed) throw new Error('internal error: a training graph with DropBlock needs a seed input');
          return dropBlock(g, x, layer.config.blockSize, layer.config.keepProb, options.seed, dropBlocks++);
        default:
          return assertNever(layer, 'layer kind');
      }
    });
    tensors.set(node.id, output);
  }
  return { outputs: spec.outputs.map((o) => tensors.get(o.node)!), statistics };
}

/**
 * DropBlock in training, as the eager layer (codegen/layers.ts DropBlock) computes it: seeds at rate γ where a
 * whole block fits, each seed drops the block around it, the kept units rescaled by 1/(fraction kept). The
 * draws are TensorFlow's stateless uniform of (step seed + this layer's index): the same step of a resumed run
 * draws the same masks. (They are not the eager engine's draws, which come from Math.random.)
 */
function dropBlock(g: GraphBuilder, x: Tensor, blockSize: number, keepProb: number, seed: Tensor, index: number): Tensor {
  const [, height, width] = x.shape;
  const block = Math.min(blockSize, height, width);
  const gamma = ((1 - keepProb) * height * width) / (block * block) / ((height - block + 1) * (width - block + 1));
  const valid = new Float32Array(height * width);
  const [low, high] = [Math.floor(block / 2), Math.floor((block - 1) / 2)];
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) valid[r * width + c] = r >= low && r < height - high && c >= low && c < width - high ? 1 : 0;
  const layerSeed = op.add(g, seed, op.constant(g, [0, index + 1], [2], 'int32'), 'layer_seed');
  const draws = op.statelessUniform(g, x.shape, layerSeed);
  const seeds = op.mul(g, op.cast(g, op.less(g, draws, op.scalar(g, gamma)), 'float32'), op.constant(g, valid, [1, height, width, 1]), 'seeds');
  const dropped = op.maxPool(g, seeds, block, 1, 'expand');
  const keep = op.sub(g, op.scalar(g, 1), dropped, 'keep');
  const keptFraction = op.maximum(g, op.mean(g, keep, [0, 1, 2, 3]), op.scalar(g, 1e-6), 'kept_fraction');
  return op.div(g, op.mul(g, x, keep), keptFraction);
}
