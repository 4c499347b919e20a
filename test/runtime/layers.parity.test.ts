// Parity: forward and backward of every layer kind the model builder emits, on every backend this process
// can run, against the pure-JS cpu backend with tfjs's built-in gradients.
//
// Each case builds its layers through the builder's own path (layerCall → instantiateLayer, or a SpecGraph →
// buildModel for composite blocks), gives them the same deterministic weights on every backend, runs them in
// training mode (BN on batch statistics, DropBlock dropping) and takes the gradient of Σ y·r (r a fixed
// random projection) with respect to the inputs and every trainable weight. Shapes are tiny: the cpu
// backend's built-in conv filter gradient is very slow.
//
// The error of an op is max |backend − cpu| / max |cpu| over its outputs (forward) or over all of its
// gradients (backward); both must stay below 1e-4. The table is printed at the end.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { buildModel, instantiateLayer } from '../../src/codegen/builder.js';
import { layerCall } from '../../src/codegen/calls.js';
import { SpecGraph } from '../../src/codegen/graph.js';
import type { LayerConfig, LayerSpec } from '../../src/codegen/spec.js';
import { useBackend, type BackendName } from '../../src/runtime/backend.js';
import { backendsUnderTest, fmt, relativeError } from './helpers.js';
import { randomValues } from '../helpers/random.js';

const TOLERANCE = 1e-4;

interface Built {
  apply(xs: tf.Tensor[]): tf.Tensor | tf.Tensor[];
  layers: tf.layers.Layer[];
  dispose(): void;
}

interface ParityCase {
  name: string;
  /** Input shapes, NHWC with the batch. */
  inputs: number[][];
  make(): Built;
}

// ---------------------------------------------------------------------------------------------------
// The cases

const INIT = { kind: 'glorotUniform' } as const;
const ZEROS = { kind: 'zeros' } as const;
const conv = (filters: number, kernelSize: number, strides: number, padding: 'same' | 'valid', useBias = true): LayerConfig =>
  ({ kind: 'conv2d', config: { filters, kernelSize, strides, padding, useBias, kernelInit: INIT, biasInit: ZEROS } });
const depthwise = (kernelSize: number, strides: number, padding: 'same' | 'valid'): LayerConfig =>
  ({ kind: 'depthwiseConv2d', config: { kernelSize, strides, padding, init: INIT } });
const separable = (filters: number): LayerConfig =>
  ({ kind: 'separableConv2d', config: { filters, kernelSize: 3, useBias: true, depthwiseInit: INIT, pointwiseInit: INIT, biasInit: ZEROS } });
const bn: LayerConfig = { kind: 'batchNorm', config: { momentum: 0.997, epsilon: 1e-4 } };
const relu = (maxValue?: number): LayerConfig => ({ kind: 'relu', config: maxValue === undefined ? {} : { maxValue } });
const pad = (before: number, after: number): LayerConfig => ({ kind: 'zeroPad', config: { padding: [[before, after], [before, after]] } });
const maxPool = (poolSize: number, strides: number): LayerConfig => ({ kind: 'maxPool', config: { poolSize, strides } });
const upsample = (factor: number): LayerConfig => ({ kind: 'upsample', config: { factor } });
const add: LayerConfig = { kind: 'add', config: {} };
const dropBlock: LayerConfig = { kind: 'dropBlock', config: { blockSize: 3, keepProb: 0.7 } };
const weightedSum: LayerConfig = { kind: 'weightedSum', config: { epsilon: 1e-4 } };

let layerCounter = 0;

/** One layer exactly as the builder makes it, applied to the case's inputs. */
function single(name: string, inputs: number[][], config: LayerConfig): ParityCase {
  return {
    name, inputs,
    make() {
      const layer = instantiateLayer(layerCall({ ...config, name: `t${layerCounter++}`, group: 'test' } as LayerSpec));
      return {
        apply: (xs) => layer.apply(xs.length === 1 ? xs[0] : xs, { training: true }) as tf.Tensor,
        layers: [layer],
        dispose: () => layer.dispose(),
      };
    },
  };
}

/** A block written against the builder's SpecGraph and built by buildModel (one input). */
function block(name: string, input: number[], write: (g: SpecGraph, x: string) => string[]): ParityCase {
  return {
    name, inputs: [input],
    make() {
      const g = new SpecGraph('x', input.slice(1) as [number, number, number]);
      g.inGroup('test');
      const outputs = write(g, 'x').map((node, k) => ({ name: `out${k}`, node }));
      const model = buildModel(g.finish(`block${layerCounter++}`, outputs));
      return {
        apply: (xs) => model.apply(xs[0], { training: true }) as tf.Tensor | tf.Tensor[],
        layers: model.layers,
        dispose: () => model.dispose(),
      };
    },
  };
}

const CASES: ParityCase[] = [
  // Convolutions: strides 1 and 2, `same` and `valid`, odd and even sizes.
  single('conv 3×3 /1 same (R-C-B, heads)', [[2, 8, 8, 4]], conv(6, 3, 1, 'same')),
  single('conv 3×3 /1 valid', [[2, 9, 9, 4]], conv(6, 3, 1, 'valid')),
  single('conv 3×3 /2 same', [[2, 9, 9, 4]], conv(6, 3, 2, 'same')),
  single('conv 3×3 /2 valid (backbone, after pad)', [[2, 10, 10, 4]], conv(6, 3, 2, 'valid', false)),
  single('conv 1×1 /1 (laterals, resample)', [[2, 8, 8, 4]], conv(6, 1, 1, 'same')),
  single('conv 1×1 /2 valid (shortcut)', [[2, 8, 8, 4]], conv(6, 1, 2, 'valid', false)),
  single('conv 7×7 /2 valid (stem, after pad)', [[2, 14, 14, 3]], conv(4, 7, 2, 'valid', false)),
  single('depthwise 3×3 /1 same', [[2, 8, 8, 4]], depthwise(3, 1, 'same')),
  single('depthwise 3×3 /2 same', [[2, 9, 9, 4]], depthwise(3, 2, 'same')),
  single('depthwise 3×3 /2 valid (MobileNetV2, after pad)', [[2, 10, 10, 4]], depthwise(3, 2, 'valid')),
  single('depthwise 3×3 /1 valid', [[2, 8, 8, 4]], depthwise(3, 1, 'valid')),
  single('separable 3×3 (Lite cells and heads)', [[2, 8, 8, 4]], separable(6)),
  // Normalisation, activations, padding.
  single('batch norm (training)', [[2, 6, 6, 5]], bn),
  single('ReLU', [[2, 6, 6, 4]], relu()),
  single('ReLU6', [[2, 6, 6, 4]], relu(6)),
  single('zero pad', [[2, 6, 6, 4]], pad(1, 2)),
  // Resampling (reference §2).
  single('max pool 2/2 same (down 1 level)', [[2, 8, 8, 4]], maxPool(2, 2)),
  single('max pool 4/4 same (down 2 levels)', [[2, 8, 8, 4]], maxPool(4, 4)),
  single('max pool 3/2 same (stem)', [[2, 9, 9, 4]], maxPool(3, 2)),
  single('nearest upsample ×2', [[2, 4, 4, 4]], upsample(2)),
  single('nearest upsample ×4', [[2, 2, 2, 4]], upsample(4)),
  // Merges (reference §3, §4).
  single('sum', [[2, 6, 6, 4], [2, 6, 6, 4]], add),
  single('dangling sum (3 inputs)', [[2, 6, 6, 4], [2, 6, 6, 4], [2, 6, 6, 4]], add),
  single('global-pool merge, max', [[2, 6, 6, 4], [2, 6, 6, 4]], { kind: 'globalPoolMerge', config: { pool: 'max' } }),
  single('global-pool merge, avg', [[2, 6, 6, 4], [2, 6, 6, 4]], { kind: 'globalPoolMerge', config: { pool: 'avg' } }),
  single('weighted sum (BiFPN fast normalized fusion)', [[2, 6, 6, 4], [2, 6, 6, 4]], weightedSum),
  single('DropBlock (training)', [[2, 8, 8, 4]], dropBlock),
  // Composite blocks, built by the builder.
  block('ResNet stem (pad, 7×7/2, BN, ReLU, pool 3/2)', [2, 16, 16, 3], (g, x) => {
    x = g.apply('conv1_pad', pad(3, 3), x);
    x = g.apply('conv1', conv(4, 7, 2, 'valid', false), x);
    x = g.apply('relu1', relu(), g.apply('bn1', bn, x));
    return [g.apply('pool1', maxPool(3, 2), x)];
  }),
  block('ResNet basic block /2 with projection', [2, 8, 8, 4], (g, x) => {
    const skip = g.apply('shortcut_bn', bn, g.apply('shortcut', conv(6, 1, 2, 'valid', false), x));
    let y = g.apply('conv1', conv(6, 3, 2, 'valid', false), g.apply('conv1_pad', pad(0, 1), x));
    y = g.apply('relu1', relu(), g.apply('bn1', bn, y));
    y = g.apply('bn2', bn, g.apply('conv2', conv(6, 3, 1, 'same', false), y));
    return [g.apply('relu', relu(), g.apply('add', add, y, skip))];
  }),
  block('ResNet bottleneck block /2 with projection', [2, 8, 8, 4], (g, x) => {
    const skip = g.apply('shortcut_bn', bn, g.apply('shortcut', conv(8, 1, 2, 'valid', false), x));
    let y = g.apply('relu1', relu(), g.apply('bn1', bn, g.apply('conv1', conv(2, 1, 1, 'same', false), x)));
    y = g.apply('conv2', conv(2, 3, 2, 'valid', false), g.apply('conv2_pad', pad(0, 1), y));
    y = g.apply('relu2', relu(), g.apply('bn2', bn, y));
    y = g.apply('bn3', bn, g.apply('conv3', conv(8, 1, 1, 'same', false), y));
    return [g.apply('relu', relu(), g.apply('add', add, y, skip))];
  }),
  block('MobileNetV2 inverted residual /1 and /2', [2, 8, 8, 4], (g, x) => {
    let y = g.apply('expand', conv(8, 1, 1, 'same', false), x);
    y = g.apply('expand_relu', relu(6), g.apply('expand_bn', bn, y));
    y = g.apply('dw', depthwise(3, 1, 'same'), y);
    y = g.apply('dw_relu', relu(6), g.apply('dw_bn', bn, y));
    y = g.apply('project_bn', bn, g.apply('project', conv(4, 1, 1, 'same', false), y));
    const residual = g.apply('add', add, y, x);
    let z = g.apply('dw2', depthwise(3, 2, 'valid'), g.apply('dw2_pad', pad(1, 1), residual));
    z = g.apply('dw2_relu', relu(6), g.apply('dw2_bn', bn, z));
    return [g.apply('project2_bn', bn, g.apply('project2', conv(6, 1, 1, 'same', false), z))];
  }),
  block('merging cell: resample, sum, R-C-B, DropBlock', [2, 8, 8, 4], (g, x) => {
    // in0 needs a width projection (4 → 6 channels) and one level down; in1 two levels down and one up.
    const in0 = g.apply('in0/pool', maxPool(2, 2), g.apply('in0/bn', bn, g.apply('in0/conv', conv(6, 1, 1, 'same'), x)));
    const in1 = g.apply('in1/upsample', upsample(2), g.apply('in1/pool', maxPool(4, 4), g.apply('in1/conv', conv(6, 1, 1, 'same'), x)));
    let y = g.apply('relu', relu(), g.apply('sum', add, in0, in1));
    y = g.apply('bn', bn, g.apply('conv', conv(6, 3, 1, 'same'), y));
    return [g.apply('dropblock', dropBlock, y)];
  }),
  block('merging cell: global pool, dangling sum, separable R-C-B', [2, 8, 8, 4], (g, x) => {
    const coarse = g.apply('coarse', maxPool(2, 2), x);
    const fine = g.apply('fine/pool', maxPool(2, 2), g.apply('fine', conv(4, 3, 1, 'same'), x));
    const merged = g.apply('global_pool', { kind: 'globalPoolMerge', config: { pool: 'max' } }, g.apply('coarse_up', upsample(2), coarse), g.apply('fine_up', upsample(2), fine));
    const dangling = g.apply('dangling_sum', add, merged, x);
    const y = g.apply('relu', relu(), dangling);
    return [g.apply('bn', bn, g.apply('conv', separable(4), y))];
  }),
  block('merging cell: weighted sum of resampled inputs, dangling sum, R-C-B', [2, 8, 8, 4], (g, x) => {
    const coarse = g.apply('coarse_up', upsample(2), g.apply('coarse', maxPool(2, 2), x));
    const fine = g.apply('fine', conv(4, 3, 1, 'same'), x);
    const merged = g.apply('wsum', weightedSum, fine, coarse);
    const y = g.apply('relu', relu(), g.apply('dangling_sum', add, merged, x));
    return [g.apply('bn', bn, g.apply('conv', conv(4, 3, 1, 'same'), y))];
  }),
  block('RetinaNet head: shared convs over 2 levels, BN per level', [2, 8, 8, 4], (g, x) => {
    const levels = [x, g.apply('p_next', maxPool(2, 2), x)];
    const tower = g.declare('tower0', conv(4, 3, 1, 'same'));
    const predict = g.declare('predict', conv(6, 3, 1, 'same'));
    return levels.map((level, k) => {
      let y = g.applyDeclared(tower, [level], `tower0@${k}`);
      y = g.apply(`relu0/${k}`, relu(), g.apply(`bn0/${k}`, bn, y));
      return g.applyDeclared(predict, [y], `predict@${k}`);
    });
  }),
];

// ---------------------------------------------------------------------------------------------------
// Running a case on one backend

interface Result {
  forward: Float32Array[];
  backward: Float32Array[];
}

/** Same values on every backend: weights by layer order and weight order, kept small. */
function setDeterministicWeights(layers: tf.layers.Layer[]): void {
  let seed = 1000;
  for (const layer of layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    const names = layer.weights.map((w) => w.name);
    const values = weights.map((w, k) => {
      const raw = randomValues(w.size, seed++);
      const name = names[k];
      if (name.includes('moving_variance')) return tf.tensor(raw.map((v) => Math.abs(v) + 0.5), w.shape);
      if (name.includes('gamma')) return tf.tensor(raw.map((v) => 1 + 0.2 * v), w.shape);
      // Fusion weights of a weighted sum stay positive, so the ReLU passes them and every one gets a gradient.
      if (/\/weights(_\d+)?$/.test(name)) return tf.tensor(raw.map((v) => 1 + 0.4 * v), w.shape);
      return tf.tensor(raw.map((v) => 0.4 * v), w.shape);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

async function runCase(c: ParityCase, backend: BackendName): Promise<Result> {
  await useBackend(backend);
  // DropBlock draws its seeds with tf.randomUniform, which seeds itself from Math.random: pin it so the
  // same blocks drop on every backend.
  const random = vi.spyOn(Math, 'random').mockReturnValue(0.25);
  const xs = c.inputs.map((shape, k) => tf.variable(tf.tensor(randomValues(shape.reduce((a, b) => a * b), 1 + k), shape)));
  const built = c.make();
  try {
    tf.tidy(() => {
      built.apply(xs); // creates the weights
    });
    setDeterministicWeights(built.layers);
    const weights = built.layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
    let forward: tf.Tensor[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const ys = [built.apply(xs)].flat();
      forward = ys.map((y) => tf.keep(y));
      const terms = ys.map((y, k) => tf.sum(tf.mul(y, tf.tensor(randomValues(y.size, 500 + k), y.shape))));
      return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
    }, [...xs, ...weights]);
    const order = [...xs, ...weights].map((v) => grads[v.name]);
    const result = {
      forward: await Promise.all(forward.map((t) => t.data() as Promise<Float32Array>)),
      backward: await Promise.all(order.map((t) => t.data() as Promise<Float32Array>)),
    };
    tf.dispose([value, ...forward, ...Object.values(grads)]);
    return result;
  } finally {
    random.mockRestore();
    built.dispose();
    tf.dispose(xs);
  }
}

// ---------------------------------------------------------------------------------------------------

const rows: { op: string; backend: string; forward: number; backward: number }[] = [];
let backends: BackendName[] = [];

beforeAll(async () => {
  backends = await backendsUnderTest();
});

afterAll(() => {
  if (rows.length === 0) return;
  const width = Math.max(...rows.map((r) => r.op.length));
  const lines = rows.map((r) => `${r.op.padEnd(width)}  ${r.backend.padEnd(10)}  ${fmt(r.forward).padStart(8)}  ${fmt(r.backward).padStart(8)}`);
  console.log(`relative error against cpu (built-in gradients):\n${'op'.padEnd(width)}  ${'backend'.padEnd(10)}  ${'forward'.padStart(8)}  ${'backward'.padStart(8)}\n${lines.join('\n')}`);
});

describe('layer parity against the cpu backend', () => {
  test('wasm is among the backends under test', () => {
    if (!process.env.NASFPN_TEST_BACKENDS) expect(backends).toContain('wasm');
  });

  for (const c of CASES) {
    test(c.name, async () => {
      const reference = await runCase(c, 'cpu');
      for (const backend of backends) {
        const result = await runCase(c, backend);
        const forward = relativeError(result.forward, reference.forward);
        const backward = relativeError(result.backward, reference.backward);
        rows.push({ op: c.name, backend, forward, backward });
        expect.soft(forward, `${backend} forward`).toBeLessThan(TOLERANCE);
        expect.soft(backward, `${backend} backward`).toBeLessThan(TOLERANCE);
      }
    });
  }
});
