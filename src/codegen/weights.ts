// The weights of each layer kind: their names (those TensorFlow.js gives the same layer's variables, so a
// weight is `LAYER/NAME` in the built model, its checkpoints and the TensorFlow graph alike), shapes and
// whether training updates them. Parameter counting (count.ts) and the graph target (src/graph) read them here.
import { assertNever } from '../util/assert-never.js';
import type { LayerSpec, Shape } from './spec.js';

export interface WeightShape {
  /** The name within the layer, e.g. `kernel`, `moving_mean`. */
  name: string;
  shape: number[];
  trainable: boolean;
}

/** The weights of one layer, in the order its TensorFlow.js layer creates them, given its (first) input's shape and its input count. */
export function layerWeights(layer: LayerSpec, input: Shape, inputCount = 1): WeightShape[] {
  const channels = input[2];
  const trainable = (name: string, shape: number[]): WeightShape => ({ name, shape, trainable: true });
  switch (layer.kind) {
    case 'conv2d': {
      const { kernelSize: k, filters, useBias } = layer.config;
      return [trainable('kernel', [k, k, channels, filters]), ...(useBias ? [trainable('bias', [filters])] : [])];
    }
    case 'separableConv2d': {
      const { kernelSize: k, filters, useBias } = layer.config;
      return [
        trainable('depthwise_kernel', [k, k, channels, 1]), trainable('pointwise_kernel', [1, 1, channels, filters]),
        ...(useBias ? [trainable('bias', [filters])] : []),
      ];
    }
    case 'depthwiseConv2d':
      return [trainable('depthwise_kernel', [layer.config.kernelSize, layer.config.kernelSize, channels, 1])];
    case 'batchNorm':
      return [
        trainable('gamma', [channels]), trainable('beta', [channels]),
        { name: 'moving_mean', shape: [channels], trainable: false }, { name: 'moving_variance', shape: [channels], trainable: false },
      ];
    case 'weightedSum':
      // One fusion weight per input.
      return [trainable('weights', [inputCount])];
    case 'relu':
    case 'zeroPad':
    case 'maxPool':
    case 'upsample':
    case 'add':
    case 'globalPoolMerge':
    case 'dropBlock':
      return [];
    default:
      return assertNever(layer, 'layer kind');
  }
}
