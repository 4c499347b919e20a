// MomentumSgd updates same-shaped weights together (stacked; by default on tfjs-node only); either way the result must be TensorFlow's
// MomentumOptimizer / tf.train.sgd applied weight by weight. Checked against tf.train.momentum and tf.train.sgd
// on a mix of shapes (groups of several, groups of one), with gradient scaling, over a few steps, on the cpu
// backend and every backend under test; the slots round-trip through save/load per weight; globalNorm
// (stacked per shape too) matches the norm computed weight by weight.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { useBackend, type BackendName } from '../../src/runtime/backend.js';
import { globalNorm, MomentumSgd, shapeGroups, type NamedVariable } from '../../src/train/optimizer.js';
import { backendsUnderTest, relativeError } from '../runtime/helpers.js';
import { randomValues } from '../helpers/random.js';

let backends: BackendName[] = [];
beforeAll(async () => {
  backends = await backendsUnderTest();
});

const SHAPES = [[4], [3, 3, 2, 2], [4], [5], [3, 3, 2, 2], [4], [2, 3]];
const LEARNING_RATE = 0.1;
const MOMENTUM = 0.9;
const STEPS = 3;

function makeWeights(seed: number): NamedVariable[] {
  return SHAPES.map((shape, i) => ({
    name: `w${i}`,
    variable: tf.variable(tf.tensor(randomValues(shape.reduce((a, b) => a * b), seed + i), shape), true, `opt_test_${seed}_${i}_${Math.random()}`),
  }));
}

const gradientsAt = (step: number) => SHAPES.map((shape, i) => tf.tensor(randomValues(shape.reduce((a, b) => a * b), 100 * step + i), shape));

async function values(weights: NamedVariable[]): Promise<Float32Array[]> {
  return Promise.all(weights.map((w) => w.variable.data() as Promise<Float32Array>));
}

/** The weights after STEPS updates, by MomentumSgd or by tfjs's own optimizer, weight by weight. */
async function train(backend: BackendName, which: 'grouped' | 'per weight' | 'tfjs', momentum: number, scale: number): Promise<Float32Array[]> {
  await useBackend(backend);
  const weights = makeWeights(1);
  const grouped = which === 'tfjs' ? null : new MomentumSgd(tf, weights, momentum, which === 'grouped');
  const reference = which === 'tfjs' ? (momentum === 0 ? tf.train.sgd(LEARNING_RATE) : tf.train.momentum(LEARNING_RATE, momentum)) : null;
  for (let step = 0; step < STEPS; step++) {
    const gradients = gradientsAt(step);
    if (grouped) grouped.apply(gradients, LEARNING_RATE, scale);
    else {
      const scaled = gradients.map((g) => tf.mul(g, scale));
      reference!.applyGradients(Object.fromEntries(weights.map((w, i) => [w.variable.name, scaled[i]])));
      tf.dispose(scaled);
    }
    tf.dispose(gradients);
  }
  const result = await values(weights);
  grouped?.dispose();
  reference?.dispose();
  tf.dispose(weights.map((w) => w.variable));
  return result;
}

describe('MomentumSgd (same-shaped weights updated together)', () => {
  test('groups indices by shape in first-appearance order', () => {
    expect(shapeGroups(SHAPES)).toEqual([[0, 2, 5], [1, 4], [3], [6]]);
  });

  test.each([
    ['momentum', MOMENTUM, 1],
    ['momentum, gradients scaled (clipping)', MOMENTUM, 0.5],
    ['plain SGD (momentum 0)', 0, 1],
  ])('%s: the weights tfjs\'s optimizer gives, on cpu and every backend under test', async (_label, momentum, scale) => {
    for (const backend of ['cpu', ...backends] as BackendName[]) {
      const theirs = await train(backend, 'tfjs', momentum, scale);
      expect(relativeError(await train(backend, 'grouped', momentum, scale), theirs), `${backend} grouped`).toBeLessThan(1e-6);
      expect(relativeError(await train(backend, 'per weight', momentum, scale), theirs), `${backend} per weight`).toBeLessThan(1e-6);
    }
  });

  test('slots save per weight and load back', async () => {
    await useBackend('cpu');
    const weights = makeWeights(2);
    const first = new MomentumSgd(tf, weights, MOMENTUM, true);
    const gradients = gradientsAt(0);
    first.apply(gradients, LEARNING_RATE);
    const saved = await first.save();
    expect(saved.map((s) => s.name)).toEqual(weights.map((w) => w.name));
    // After one step from zero, each slot is its gradient.
    expect(relativeError(saved.map((s) => s.values), await Promise.all(gradients.map((g) => g.data() as Promise<Float32Array>)))).toBe(0);
    const second = new MomentumSgd(tf, weights, MOMENTUM, true);
    second.load(saved);
    expect((await second.save()).map((s) => Array.from(s.values))).toEqual(saved.map((s) => Array.from(s.values)));
    expect(() => second.load(saved.slice(1))).toThrow(/6 optimizer slots, the model 7/);
    tf.dispose([...gradients, ...weights.map((w) => w.variable)]);
    first.dispose();
    second.dispose();
  });

  test('plain SGD keeps no slots and saves zeros per weight, named and shaped after it', async () => {
    await useBackend('cpu');
    const weights = makeWeights(3);
    const sgd = new MomentumSgd(tf, weights, 0, true);
    const saved = await sgd.save();
    expect(saved.map((s) => [s.name, s.shape, s.values.length, s.values.every((v) => v === 0)]))
      .toEqual(SHAPES.map((shape, i) => [`w${i}`, shape, shape.reduce((a, b) => a * b), true]));
    sgd.load(saved);
    tf.dispose(weights.map((w) => w.variable));
    sgd.dispose();
  });

  test('globalNorm is the norm of all gradients together', async () => {
    await useBackend('cpu');
    const gradients = gradientsAt(5);
    let squares = 0;
    for (const g of gradients) for (const v of await g.data()) squares += v * v;
    const norm = globalNorm(tf, gradients);
    expect((await norm.data())[0]).toBeCloseTo(Math.sqrt(squares), 4);
    tf.dispose([norm, ...gradients]);
  });
});
