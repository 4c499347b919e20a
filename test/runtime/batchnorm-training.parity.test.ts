// batchNormTraining (one op, closed-form gradient) against tf.layers' BatchNormalization in training mode:
// same output, same moving averages after the step, same gradients for x, γ and β, on the cpu backend and every backend
// under test; and no tensors left behind once the caller disposes the moments. Also tf.layers' own batch norm
// on every backend under test against cpu.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { useBackend, type BackendName } from '../../src/runtime/backend.js';
import { batchNormTraining } from '../../src/runtime/batchnorm-training.js';
import { backendsUnderTest, relativeError } from './helpers.js';
import { randomValues } from '../helpers/random.js';

let backends: BackendName[] = [];
beforeAll(async () => {
  backends = await backendsUnderTest();
});

const SHAPE = [2, 5, 6, 4];
const EPSILON = 1e-4;
const MOMENTUM = 0.9;

async function run(backend: BackendName, which: 'layers' | 'closed-form') {
  await useBackend(backend);
  const x = tf.variable(tf.tensor(randomValues(SHAPE.reduce((a, b) => a * b), 1).map((v) => 3 * v + 0.5), SHAPE));
  const gamma = tf.variable(tf.tensor1d(randomValues(4, 2).map((v) => 1 + 0.3 * v)));
  const beta = tf.variable(tf.tensor1d(randomValues(4, 3)));
  const r = tf.tensor(randomValues(x.size, 4), SHAPE);
  const layer = which === 'layers' ? tf.layers.batchNormalization({ axis: -1, momentum: MOMENTUM, epsilon: EPSILON }) : null;
  if (layer) {
    layer.build(SHAPE);
  }
  const vars = layer ? [x, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)] : [x, gamma, beta];
  let y: tf.Tensor | null = null;
  let moving: tf.Tensor[] = [];
  const initialMoving = { mean: tf.tensor1d([0.5, -1, 0, 2]), variance: tf.tensor1d([1, 2, 0.5, 4]), momentum: MOMENTUM };
  if (layer) layer.setWeights([gamma, beta, initialMoving.mean, initialMoving.variance]);
  const { value, grads } = tf.variableGrads(() => {
    if (layer) {
      y = tf.keep(layer.apply(x, { training: true }) as tf.Tensor);
    } else {
      const out = batchNormTraining(tf, x, gamma, beta, EPSILON, initialMoving);
      y = tf.keep(out.y);
      moving = [tf.keep(out.movingMean), tf.keep(out.movingVariance)];
    }
    return tf.sum(tf.mul(y, r)) as tf.Scalar;
  }, vars);
  const result = {
    y: [await y!.data() as Float32Array],
    grads: await Promise.all(vars.map((v) => grads[v.name].data() as Promise<Float32Array>)),
    moving: layer
      ? await Promise.all(layer.getWeights().slice(2).map((w) => w.data() as Promise<Float32Array>))
      : await Promise.all(moving.map((m) => m.data() as Promise<Float32Array>)),
  };
  tf.dispose([x, gamma, beta, r, value, y!, ...moving, initialMoving.mean, initialMoving.variance, ...Object.values(grads)]);
  layer?.weights.forEach((w) => w.dispose()); // (Layer.dispose() refuses layers applied only to concrete tensors)
  return result;
}

describe('batchNormTraining matches tf.layers batch norm in training mode', () => {
  // On tfjs-node this runs TensorFlow's FusedBatchNormV3 / FusedBatchNormGradV3 (gradients/tensorflow-ops.ts),
  // which moves the averages itself (with the Bessel-corrected variance, taken back off there).
  test('output, gradients and moving averages, on cpu and every backend under test', async () => {
    const reference = await run('cpu', 'layers');
    for (const backend of ['cpu', ...backends] as BackendName[]) {
      const ours = await run(backend, 'closed-form');
      expect(relativeError(ours.y, reference.y), `${backend} forward`).toBeLessThan(1e-5);
      expect(relativeError(ours.grads, reference.grads), `${backend} gradients`).toBeLessThan(1e-5);
      // tf.layers moves the averages towards the biased batch variance.
      expect(relativeError(ours.moving, reference.moving), `${backend} moving averages`).toBeLessThan(1e-5);
    }
  });

  // The models no longer train through tf.layers' batch norm, but plain tf.layers users on wasm get the
  // replacement FusedBatchNorm gradient (src/runtime/gradients/batchnorm.ts): this is its only check.
  test('tf.layers batch norm itself, on every backend under test, matches cpu', async () => {
    const reference = await run('cpu', 'layers');
    for (const backend of backends) {
      const theirs = await run(backend, 'layers');
      expect(relativeError(theirs.y, reference.y), `${backend} forward`).toBeLessThan(1e-5);
      expect(relativeError(theirs.grads, reference.grads), `${backend} gradients`).toBeLessThan(1e-5);
    }
  });

  test.each(['wasm', 'tfjs-node'] as BackendName[])('leaves no tensors behind once the averages are disposed (%s, where present)', async (backend) => {
    if (backend !== 'wasm' && !backends.includes(backend)) return;
    await useBackend(backend);
    const x = tf.variable(tf.randomNormal(SHAPE));
    const gamma = tf.variable(tf.ones([4]) as tf.Tensor1D);
    const beta = tf.variable(tf.zeros([4]) as tf.Tensor1D);
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { value, grads } = tf.variableGrads(() => {
        const out = batchNormTraining(tf, x, gamma, beta, EPSILON, { mean: tf.zeros([4]), variance: tf.ones([4]), momentum: MOMENTUM });
        tf.dispose([out.movingMean, out.movingVariance]);
        return tf.sum(tf.square(out.y)) as tf.Scalar;
      }, [x, gamma, beta]);
      tf.dispose([value, ...Object.values(grads)]);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    tf.dispose([x, gamma, beta]);
  });
});
