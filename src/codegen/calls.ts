// The single mapping from a LayerSpec to a TensorFlow.js layer constructor call. The builder evaluates these
// calls, the emitter prints them, so the built and the emitted model are the same model by construction.
// Free of TensorFlow.js imports (stats and the emitter do not load it).
import { assertNever } from '../util/assert-never.js';
import type { InitSpec, LayerSpec } from './spec.js';

/** An argument value: plain JSON, or an initializer call `tf.initializers.<name>(<args>)`. */
export type CallValue =
  | string | number | boolean | null
  | CallValue[]
  | { [key: string]: CallValue }
  | InitializerCall;

export class InitializerCall {
  constructor(readonly initializer: string, readonly args: Record<string, CallValue> | null) {}
}

/** This project's custom layer classes (layers.ts), by the names emitted code imports them under. */
export const CUSTOM_LAYER_CLASSES = ['GlobalPoolMerge', 'WeightedSum', 'DropBlock', 'BatchNorm'] as const;

export interface LayerCall {
  /** `tf.layers.<factory>(args)` for built-in layers, `new <Class>(args)` for this project's custom layers. */
  callee: { builtin: string } | { custom: (typeof CUSTOM_LAYER_CLASSES)[number] };
  args: Record<string, CallValue>;
}

function initializer(init: InitSpec): InitializerCall {
  switch (init.kind) {
    case 'zeros':
      return new InitializerCall('zeros', null);
    case 'constant':
      return new InitializerCall('constant', { value: init.value });
    case 'randomNormal':
      return new InitializerCall('randomNormal', { mean: 0, stddev: init.stddev });
    case 'glorotUniform':
      return new InitializerCall('glorotUniform', {});
    case 'varianceScaling':
      return new InitializerCall('varianceScaling', { scale: init.scale, mode: init.mode, distribution: init.distribution });
    default:
      return assertNever(init, 'initializer');
  }
}

export function layerCall(layer: LayerSpec): LayerCall {
  const name = layer.name;
  switch (layer.kind) {
    case 'conv2d': {
      const c = layer.config;
      return {
        callee: { builtin: 'conv2d' },
        args: {
          name, filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding, useBias: c.useBias,
          kernelInitializer: initializer(c.kernelInit), ...(c.useBias ? { biasInitializer: initializer(c.biasInit) } : {}),
        },
      };
    }
    case 'separableConv2d': {
      const c = layer.config;
      return {
        callee: { builtin: 'separableConv2d' },
        args: {
          name, filters: c.filters, kernelSize: c.kernelSize, ...(c.strides === undefined ? {} : { strides: c.strides }), depthMultiplier: 1, padding: 'same', useBias: c.useBias,
          depthwiseInitializer: initializer(c.depthwiseInit), pointwiseInitializer: initializer(c.pointwiseInit),
          ...(c.useBias ? { biasInitializer: initializer(c.biasInit) } : {}),
        },
      };
    }
    case 'depthwiseConv2d': {
      const c = layer.config;
      return {
        callee: { builtin: 'depthwiseConv2d' },
        args: {
          name, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding, depthMultiplier: 1, useBias: false,
          depthwiseInitializer: initializer(c.init),
        },
      };
    }
    case 'batchNorm':
      // Not tf.layers.batchNormalization: the same weights and inference, but one fused op in training (layers.ts).
      return { callee: { custom: 'BatchNorm' }, args: { name, momentum: layer.config.momentum, epsilon: layer.config.epsilon } };
    case 'relu':
      return { callee: { builtin: 'reLU' }, args: layer.config.maxValue === undefined ? { name } : { name, maxValue: layer.config.maxValue } };
    case 'zeroPad':
      return { callee: { builtin: 'zeroPadding2d' }, args: { name, padding: layer.config.padding } };
    case 'maxPool':
      return { callee: { builtin: 'maxPooling2d' }, args: { name, poolSize: layer.config.poolSize, strides: layer.config.strides, padding: 'same' } };
    case 'upsample':
      return { callee: { builtin: 'upSampling2d' }, args: { name, size: [layer.config.factor, layer.config.factor], interpolation: 'nearest' } };
    case 'add':
      return { callee: { builtin: 'add' }, args: { name } };
    case 'globalPoolMerge':
      return { callee: { custom: 'GlobalPoolMerge' }, args: { name, pool: layer.config.pool } };
    case 'weightedSum':
      return { callee: { custom: 'WeightedSum' }, args: { name, epsilon: layer.config.epsilon } };
    case 'dropBlock':
      return { callee: { custom: 'DropBlock' }, args: { name, blockSize: layer.config.blockSize, keepProb: layer.config.keepProb } };
    default:
      return assertNever(layer, 'layer kind');
  }
}
