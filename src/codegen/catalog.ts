// One small example of every layer kind the models use, with the input shapes it takes: for tests that must
// cover every kind (backend parity, gradients on wasm/WebGPU). Instantiate one with
// `instantiateLayer(layerCall(example.layer))` from builder.ts / calls.ts.
// Typed as a record over LayerKind, so adding a kind to spec.ts without an example here does not compile.
import type { LayerKind, LayerSpec, Shape } from './spec.js';

export interface LayerExample {
  layer: LayerSpec;
  /** Input shapes without the batch dimension (two for add, globalPoolMerge and weightedSum). */
  inputs: Shape[];
}

const glorot = { kind: 'glorotUniform' } as const;
const zeros = { kind: 'zeros' } as const;

const EXAMPLES: Record<LayerKind, Omit<LayerExample, 'layer'> & { layer: Omit<LayerSpec, 'name' | 'group'> }> = {
  conv2d: {
    layer: { kind: 'conv2d', config: { filters: 6, kernelSize: 3, strides: 1, padding: 'same', useBias: true, kernelInit: glorot, biasInit: zeros } },
    inputs: [[8, 8, 4]],
  },
  separableConv2d: {
    layer: { kind: 'separableConv2d', config: { filters: 6, kernelSize: 3, useBias: true, depthwiseInit: glorot, pointwiseInit: glorot, biasInit: zeros } },
    inputs: [[8, 8, 4]],
  },
  depthwiseConv2d: {
    layer: { kind: 'depthwiseConv2d', config: { kernelSize: 3, strides: 1, padding: 'same', init: glorot } },
    inputs: [[8, 8, 4]],
  },
  batchNorm: { layer: { kind: 'batchNorm', config: { momentum: 0.997, epsilon: 1e-4 } }, inputs: [[8, 8, 4]] },
  relu: { layer: { kind: 'relu', config: { maxValue: 6 } }, inputs: [[8, 8, 4]] },
  zeroPad: { layer: { kind: 'zeroPad', config: { padding: [[1, 1], [1, 1]] } }, inputs: [[8, 8, 4]] },
  maxPool: { layer: { kind: 'maxPool', config: { poolSize: 2, strides: 2 } }, inputs: [[8, 8, 4]] },
  upsample: { layer: { kind: 'upsample', config: { factor: 2 } }, inputs: [[4, 4, 4]] },
  add: { layer: { kind: 'add', config: {} }, inputs: [[8, 8, 4], [8, 8, 4]] },
  globalPoolMerge: { layer: { kind: 'globalPoolMerge', config: { pool: 'max' } }, inputs: [[8, 8, 4], [8, 8, 4]] },
  weightedSum: { layer: { kind: 'weightedSum', config: { epsilon: 1e-4 } }, inputs: [[8, 8, 4], [8, 8, 4]] },
  dropBlock: { layer: { kind: 'dropBlock', config: { blockSize: 3, keepProb: 0.9 } }, inputs: [[8, 8, 4]] },
};

/** Every layer kind once, plus the variants that run different kernels (strided VALID conv, avg gate). */
export function layerExamples(): LayerExample[] {
  const examples: LayerExample[] = Object.entries(EXAMPLES).map(([kind, e]) => ({
    layer: { ...e.layer, name: `example/${kind}`, group: 'example' } as LayerSpec,
    inputs: e.inputs,
  }));
  examples.push(
    {
      layer: { kind: 'conv2d', name: 'example/conv2d_strided', group: 'example', config: { filters: 6, kernelSize: 3, strides: 2, padding: 'valid', useBias: false, kernelInit: glorot, biasInit: zeros } },
      inputs: [[9, 9, 4]],
    },
    {
      layer: { kind: 'depthwiseConv2d', name: 'example/depthwiseConv2d_strided', group: 'example', config: { kernelSize: 3, strides: 2, padding: 'valid', init: glorot } },
      inputs: [[9, 9, 4]],
    },
    { layer: { kind: 'globalPoolMerge', name: 'example/globalPoolMerge_avg', group: 'example', config: { pool: 'avg' } }, inputs: [[8, 8, 4], [8, 8, 4]] },
    { layer: { kind: 'maxPool', name: 'example/maxPool_4', group: 'example', config: { poolSize: 4, strides: 4 } }, inputs: [[8, 8, 4]] },
    { layer: { kind: 'upsample', name: 'example/upsample_4', group: 'example', config: { factor: 4 } }, inputs: [[2, 2, 4]] },
  );
  return examples;
}
