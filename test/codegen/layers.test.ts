// Numerics of the layer kinds the pyramid relies on, on tiny tensors with hand-computed values.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { instantiateLayer } from '../../src/codegen/builder.js';
import { layerCall } from '../../src/codegen/calls.js';
import { layerExamples } from '../../src/codegen/catalog.js';
import { layerParams } from '../../src/codegen/count.js';
import { inferShape } from '../../src/codegen/graph.js';
import { BatchNorm, DropBlock, GlobalPoolMerge, WeightedSum } from '../../src/codegen/layers.js';
import { lowerDetector } from '../../src/codegen/lower.js';
import type { LayerSpec } from '../../src/codegen/spec.js';
import { tinyLite, tinyResnet, wsumPyramid } from '../helpers/detectors.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Two channels: channel 0 holds 1,2,3,4 and channel 1 holds −1,−2,−3,−4 (row-major over the 2×2 map). */
const pooled = () => tf.tensor4d([1, -1, 2, -2, 3, -3, 4, -4], [1, 2, 2, 2]);
const gated = () => tf.tensor4d([1, 10, 0, 20, 0, 30, -1, 40], [1, 2, 2, 2]);

describe('GlobalPoolMerge', () => {
  test('max: pooled + gated · σ(per-channel global max of pooled)', () => {
    const out = new GlobalPoolMerge({ pool: 'max' }).apply([pooled(), gated()]) as tf.Tensor;
    const [g0, g1] = [sigmoid(4), sigmoid(-1)];
    const expected = [1 + g0, -1 + 10 * g1, 2, -2 + 20 * g1, 3, -3 + 30 * g1, 4 - g0, -4 + 40 * g1];
    Array.from(out.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
  });

  test('avg: the gate is σ of the per-channel mean', () => {
    const out = new GlobalPoolMerge({ pool: 'avg' }).apply([pooled(), gated()]) as tf.Tensor;
    const [g0, g1] = [sigmoid(2.5), sigmoid(-2.5)];
    const expected = [1 + g0, -1 + 10 * g1, 2, -2 + 20 * g1, 3, -3 + 30 * g1, 4 - g0, -4 + 40 * g1];
    Array.from(out.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
  });
});

describe('WeightedSum (fast normalized fusion)', () => {
  const a = () => tf.tensor4d([1, -1, 2, -2, 3, -3, 4, -4], [1, 2, 2, 2]);
  const b = () => tf.tensor4d([1, 10, 0, 20, 0, 30, -1, 40], [1, 2, 2, 2]);

  test('starts with both weights 1: (a + b) / (2 + ε)', () => {
    const layer = new WeightedSum({ epsilon: 1e-4 });
    const out = layer.apply([a(), b()]) as tf.Tensor;
    expect(Array.from(layer.getWeights()[0].dataSync())).toEqual([1, 1]);
    const expected = [2, 9, 2, 18, 3, 27, 3, 36].map((v) => v / 2.0001);
    Array.from(out.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
  });

  test('weights pass a ReLU: w = (3, −2) weighs a alone, 3a / (3 + ε)', () => {
    const layer = new WeightedSum({ epsilon: 1e-4 });
    layer.apply([a(), b()]);
    layer.setWeights([tf.tensor1d([3, -2])]);
    const out = layer.apply([a(), b()]) as tf.Tensor;
    const expected = [1, -1, 2, -2, 3, -3, 4, -4].map((v) => (3 * v) / 3.0001);
    Array.from(out.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
  });

  test('the weights get gradients: ∂Σout/∂w0 = (Σa·(w0+w1) − Σ(w0·a + w1·b)) / (w0+w1+ε)²', () => {
    const layer = new WeightedSum({ epsilon: 1e-4 });
    const [x0, x1] = [a(), b()];
    layer.apply([x0, x1]);
    layer.setWeights([tf.tensor1d([2, 0.5])]);
    const { grads } = tf.variableGrads(() => tf.sum(layer.apply([x0, x1]) as tf.Tensor) as tf.Scalar, layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val));
    const g = Object.values(grads)[0].dataSync();
    const [sa, sb, w0, w1, d] = [0, 100, 2, 0.5, 2.5001]; // Σa = 0, Σb = 100
    expect(g[0]).toBeCloseTo((sa * d - (w0 * sa + w1 * sb)) / d ** 2, 4);
    expect(g[1]).toBeCloseTo((sb * d - (w0 * sa + w1 * sb)) / d ** 2, 4);
  });
});

describe('DropBlock', () => {
  const x = () => tf.ones([2, 16, 16, 4]);

  test('is the identity at inference', () => {
    const layer = new DropBlock({ blockSize: 3, keepProb: 0.5 });
    const out = layer.apply(x(), { training: false }) as tf.Tensor;
    expect(Array.from(out.dataSync()).every((v) => v === 1)).toBe(true);
  });

  test('in training drops whole blocks and rescales the kept units', () => {
    const layer = new DropBlock({ blockSize: 3, keepProb: 0.7 });
    const out = layer.apply(x(), { training: true }) as tf.Tensor4D;
    const values = out.arraySync();
    const flat = out.dataSync();
    const kept = Array.from(flat).filter((v) => v > 0);
    // About 30 % dropped, kept units scaled by 1 / (fraction kept) so the mean stays 1.
    expect(kept.length / flat.length).toBeGreaterThan(0.5);
    expect(kept.length / flat.length).toBeLessThan(0.9);
    expect(new Set(kept.map((v) => v.toFixed(4))).size).toBe(1);
    expect(kept[0]).toBeCloseTo(flat.length / kept.length, 4);
    // Every dropped unit lies in a 3×3 block of dropped units (same batch entry and channel).
    for (let b = 0; b < 2; b++) {
      for (let c = 0; c < 4; c++) {
        for (let i = 0; i < 16; i++) {
          for (let j = 0; j < 16; j++) {
            if (values[b][i][j][c] !== 0) continue;
            let inBlock = false;
            for (let di = -2; di <= 0 && !inBlock; di++) {
              for (let dj = -2; dj <= 0 && !inBlock; dj++) {
                let all = true;
                for (let u = 0; u < 3; u++) for (let v = 0; v < 3; v++) all &&= values[b][i + di + u]?.[j + dj + v]?.[c] === 0;
                inBlock = all;
              }
            }
            expect(inBlock).toBe(true);
          }
        }
      }
    }
  });
});

describe('BatchNorm (the fused training-mode batch norm) against tf.layers.batchNormalization', () => {
  const SHAPE = [3, 4, 5, 6];
  const momentum = 0.9;
  const epsilon = 1e-3;
  /** Both layers built, with the same non-trivial γ, β, moving mean and variance. */
  const pair = () => {
    const ours = new BatchNorm({ momentum, epsilon });
    const theirs = tf.layers.batchNormalization({ axis: -1, momentum, epsilon });
    ours.build(SHAPE);
    theirs.build(SHAPE);
    const weights = [
      tf.randomUniform([6], 0.5, 1.5, 'float32', 1), tf.randomNormal([6], 0, 1, 'float32', 2),
      tf.randomNormal([6], 0, 1, 'float32', 3), tf.randomUniform([6], 0.5, 2, 'float32', 4),
    ];
    ours.setWeights(weights);
    theirs.setWeights(weights);
    return { ours, theirs };
  };
  const input = () => tf.add(tf.mul(tf.randomNormal(SHAPE, 0, 1, 'float32', 5), 3), 0.7);
  const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
  /** Copies of the moving mean and variance (getWeights() hands out the variables themselves). */
  const movingStats = (l: tf.layers.Layer) => l.getWeights().slice(2).map((w) => w.clone());

  test('has the same weights: names, shapes, initial values, trainable split', () => {
    const ours = new BatchNorm({ name: 'ours/bn', momentum, epsilon });
    const theirs = tf.layers.batchNormalization({ name: 'theirs/bn', axis: -1, momentum, epsilon });
    ours.build(SHAPE);
    theirs.build(SHAPE);
    // Weight names are the layer's name + '/' + the weight's own name (what weight files and transfers key on).
    const describe = (l: tf.layers.Layer) => l.weights.map((w) => ({ name: w.originalName.replace(`${l.name}/`, ''), shape: w.shape, trainable: w.trainable }));
    expect(describe(ours)).toEqual(describe(theirs));
    expect(ours.trainableWeights).toHaveLength(2);
    expect(ours.nonTrainableWeights).toHaveLength(2);
    ours.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(theirs.getWeights()[i].dataSync())));
  });

  test.each([[undefined], [false]])('inference (training %s) normalises with the moving statistics and leaves them alone', (training) => {
    const { ours, theirs } = pair();
    const x = input();
    const before = movingStats(ours);
    const kwargs = training === undefined ? {} : { training };
    expect(maxDiff(ours.apply(x, kwargs) as tf.Tensor, theirs.apply(x, kwargs) as tf.Tensor)).toBeLessThan(1e-6);
    movingStats(ours).forEach((w, i) => expect(maxDiff(w, before[i])).toBe(0));
  });

  test('training normalises with the batch statistics and moves the averages as tf.layers does', () => {
    const { ours, theirs } = pair();
    const x = input();
    const [initialMean] = movingStats(ours);
    for (let step = 0; step < 2; step++) {
      expect(maxDiff(ours.apply(x, { training: true }) as tf.Tensor, theirs.apply(x, { training: true }) as tf.Tensor)).toBeLessThan(1e-6);
      movingStats(ours).forEach((w, i) => expect(maxDiff(w, movingStats(theirs)[i])).toBeLessThan(1e-6));
    }
    // And they did move, twice: keras semantics, moving ← moving·momentum + batch·(1 − momentum).
    const { mean } = tf.moments(x, [0, 1, 2]);
    const once = tf.add(tf.mul(initialMean, momentum), tf.mul(mean, 1 - momentum));
    const twice = tf.add(tf.mul(once, momentum), tf.mul(mean, 1 - momentum));
    expect(maxDiff(movingStats(ours)[0], twice)).toBeLessThan(1e-6);
    expect(maxDiff(twice, initialMean)).toBeGreaterThan(0.01);
  });

  test('training gives the same gradients for the input, γ and β', () => {
    const { ours, theirs } = pair();
    const x = input();
    const r = tf.randomNormal(SHAPE, 0, 1, 'float32', 6);
    // With respect to the input and the layer's own variables: what an optimizer sees.
    const variableGrads = (l: tf.layers.Layer) => {
      const vars = l.trainableWeights.map((w) => w.read() as tf.Variable);
      const xVar = tf.variable(x);
      const { grads: g } = tf.variableGrads(() => tf.sum(tf.mul(l.apply(xVar, { training: true }) as tf.Tensor, r)) as tf.Scalar, [xVar, ...vars]);
      return [g[xVar.name], ...vars.map((v) => g[v.name])];
    };
    const a = variableGrads(ours);
    const b = variableGrads(theirs);
    a.forEach((g, i) => expect(maxDiff(g, b[i]) / tf.max(tf.abs(b[i])).dataSync()[0]).toBeLessThan(1e-5));
  });

  test('a training call leaves no tensors behind', () => {
    const { ours } = pair();
    const x = input();
    ours.apply(x, { training: true }); // warm-up: nothing lazily allocated on the counted call
    const before = tf.memory().numTensors;
    const y = ours.apply(x, { training: true }) as tf.Tensor;
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('serializes under its own class name and comes back with the same config', () => {
    const ours = new BatchNorm({ name: 'x/bn', momentum: 0.997, epsilon: 1e-4 });
    expect(BatchNorm.className).toBe('NasfpnBatchNorm');
    const config = ours.getConfig();
    const revived = tf.serialization.SerializationMap.getMap().classNameMap.NasfpnBatchNorm[1](BatchNorm, config) as BatchNorm;
    expect(revived).toBeInstanceOf(BatchNorm);
    expect(revived.getConfig()).toEqual(config);
  });
});

const layer = (spec: Omit<LayerSpec, 'group'>): tf.layers.Layer => instantiateLayer(layerCall({ ...spec, group: 'test' } as LayerSpec));

describe('resampling', () => {
  const map = () => tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [1, 4, 4, 1]);

  test('going up is nearest-neighbour: every pixel repeated 2^k × 2^k times', () => {
    const up = layer({ name: 'up', kind: 'upsample', config: { factor: 2 } }).apply(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1])) as tf.Tensor;
    expect(Array.from(up.dataSync())).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  test('going down is max pooling with kernel = stride = 2^k', () => {
    const down = layer({ name: 'down', kind: 'maxPool', config: { poolSize: 2, strides: 2 } }).apply(map()) as tf.Tensor;
    expect(Array.from(down.dataSync())).toEqual([6, 8, 14, 16]);
    const down2 = layer({ name: 'down2', kind: 'maxPool', config: { poolSize: 4, strides: 4 } }).apply(map()) as tf.Tensor;
    expect(Array.from(down2.dataSync())).toEqual([16]);
  });
});

describe('the lowered NAS-FPN', () => {
  const spec = lowerDetector(tinyResnet());
  const node = (id: string) => spec.nodes.find((n) => n.id === id);

  test('sums the dangling P5 and P7 into the level-5 and level-7 outputs of every stack, before ReLU', () => {
    for (const stack of [1, 2]) {
      expect(node(`stack${stack}/cell4/dangling_sum`)?.inputs).toEqual([`stack${stack}/cell4/global_pool`, stack === 1 ? 'laterals/P5/bn' : 'stack1/cell4/bn']);
      expect(node(`stack${stack}/cell5/dangling_sum`)?.inputs).toEqual([`stack${stack}/cell5/global_pool`, stack === 1 ? 'laterals/P7/pool' : 'stack1/cell5/bn']);
      expect(node(`stack${stack}/cell4/relu`)?.inputs).toEqual([`stack${stack}/cell4/dangling_sum`]);
      for (const cell of [0, 1, 2, 3, 6]) expect(node(`stack${stack}/cell${cell}/dangling_sum`)).toBeUndefined();
    }
  });

  test('gates with the coarser input: cell 0 pools P6 (upsampled to P4) and gates P4', () => {
    expect(node('stack1/cell0/global_pool')?.inputs).toEqual(['stack1/cell0/in1/upsample', 'laterals/P4/bn']);
    expect(node('stack1/cell0/in1/upsample')?.inputs).toEqual(['laterals/P6/pool']);
  });

  test('P6 and P7 are max pools of the projected P5, with no parameters', () => {
    expect(node('laterals/P6/pool')?.inputs).toEqual(['laterals/P5/bn']);
    expect(node('laterals/P7/pool')?.inputs).toEqual(['laterals/P6/pool']);
  });

  test('head convs are shared across levels, their BNs are not', () => {
    const applications = spec.nodes.filter((n) => n.layer === 'head/class/conv0').map((n) => n.id);
    expect(applications).toEqual(['head/class/conv0@P3', 'head/class/conv0@P4', 'head/class/conv0@P5', 'head/class/conv0@P6', 'head/class/conv0@P7']);
    expect(spec.layers.filter((l) => l.name.startsWith('head/class/bn0/'))).toHaveLength(5);
  });

  test('the class predictor bias starts at −log((1 − π)/π)', () => {
    const predict = spec.layers.find((l) => l.name === 'head/class/predict');
    expect(predict?.kind === 'conv2d' && predict.config.biasInit).toEqual({ kind: 'constant', value: -Math.log(0.99 / 0.01) });
  });
});

describe('the layer catalog (one example per kind, for backend parity tests)', () => {
  test.each(layerExamples().map((e) => [e.layer.name, e] as const))('%s runs, with the shape and parameters the counter expects', (_name, example) => {
    const instance = instantiateLayer(layerCall(example.layer));
    const inputs = example.inputs.map((shape, i) => tf.randomNormal([2, ...shape], 0, 1, 'float32', 7 + i));
    const out = instance.apply(inputs.length === 1 ? inputs[0] : inputs) as tf.Tensor;
    expect(out.shape).toEqual([2, ...inferShape(example.layer, example.inputs)]);
    expect(instance.countParams()).toBe(Object.values(layerParams(example.layer, example.inputs[0], example.inputs.length)).reduce((a, b) => a + b, 0));
  });

  // The catalog is a Record over LayerKind, so the compiler already gives every kind an example; what can
  // still go wrong is a kind the lowering no longer produces (dead in spec.ts, calls.ts, count.ts, graph.ts).
  test('every layer kind is one the lowering produces', () => {
    const kinds = new Set(layerExamples().map((e) => e.layer.kind));
    const used = new Set([tinyResnet({ dropblock: { size: 3, keepProb: 0.9 } }), tinyLite(), tinyResnet({ pyramid: wsumPyramid() })].flatMap((d) => lowerDetector(d).layers.map((l) => l.kind)));
    expect([...used].sort()).toEqual([...kinds].sort());
  });
});

describe('kind fpn lowers as [TPU] fpn.py builds it', () => {
  const spec = lowerDetector(tinyResnet({ pyramid: { kind: 'fpn', name: 'fpn', minLevel: 3, maxLevel: 7 }, repeats: 2 }));
  const node = (id: string) => spec.nodes.find((n) => n.id === id)!;
  const layer = (name: string) => spec.layers.find((l) => l.name === name)!;

  test('laterals: 1×1 convs with bias on C3..C5, no BN; the path carries the unsmoothed sums', () => {
    expect(layer('stack1/lateral/P3')).toMatchObject({ kind: 'conv2d', group: 'laterals', config: { kernelSize: 1, useBias: true } });
    expect(node('stack1/topdown/P4/sum').inputs).toEqual(['stack1/lateral/P4', 'stack1/topdown/P4/upsample']);
    expect(node('stack1/topdown/P4/upsample').inputs).toEqual(['stack1/lateral/P5']);
    expect(node('stack1/topdown/P3/upsample').inputs).toEqual(['stack1/topdown/P4/sum']);
    expect(node('stack1/post_hoc/P3').inputs).toEqual(['stack1/topdown/P3/sum']);
    expect(node('stack1/post_hoc/P5').inputs).toEqual(['stack1/lateral/P5']);
  });

  test('P6 is a 3×3/2 conv of the smoothed P5, P7 one of relu(P6); BN without activation on every level', () => {
    expect(layer('stack1/P6/conv')).toMatchObject({ kind: 'conv2d', config: { kernelSize: 3, strides: 2, padding: 'same' } });
    expect(node('stack1/P6/conv').inputs).toEqual(['stack1/post_hoc/P5']);
    expect(node('stack1/P7/relu').inputs).toEqual(['stack1/P6/conv']);
    expect(node('stack1/P7/conv').inputs).toEqual(['stack1/P7/relu']);
    expect(node('stack1/P7/conv').shape).toEqual([1, 1, 16]);
    expect(node('stack1/bn/P7').inputs).toEqual(['stack1/P7/conv']);
    expect(node('stack1/bn/P5').inputs).toEqual(['stack1/post_hoc/P5']);
  });

  test('a stacked FPN takes all five levels as laterals and adds none', () => {
    expect(spec.layers.filter((l) => l.name.startsWith('stack2/lateral/')).map((l) => l.name)).toEqual(
      ['stack2/lateral/P3', 'stack2/lateral/P4', 'stack2/lateral/P5', 'stack2/lateral/P6', 'stack2/lateral/P7']);
    expect(node('stack2/lateral/P7').inputs).toEqual(['stack1/bn/P7']);
    expect(node('stack2/topdown/P6/upsample').inputs).toEqual(['stack2/lateral/P7']);
    expect(spec.layers.some((l) => l.name.startsWith('stack2/P6/'))).toBe(false);
  });
});
