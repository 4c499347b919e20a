// batchNormTraining (one op, closed-form gradient) against tf.layers' BatchNormalization in training mode:
// same output, same batch moments, same gradients for x, γ and β, on the cpu backend and every backend
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

async function run(backend: BackendName, which: 'layers' | 'closed-form') {
  await useBackend(backend);
  const x = tf.variable(tf.tensor(randomValues(SHAPE.reduce((a, b) => a * b), 1).map((v) => 3 * v + 0.5), SHAPE));
  const gamma = tf.variable(tf.tensor1d(randomValues(4, 2).map((v) => 1 + 0.3 * v)));
  const beta = tf.variable(tf.tensor1d(randomValues(4, 3)));
  const r = tf.tensor(randomValues(x.size, 4), SHAPE);
  const layer = which === 'layers' ? tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: EPSILON }) : null;
  if (layer) {
    layer.build(SHAPE);
    layer.setWeights([gamma, beta, tf.zeros([4]), tf.ones([4])]);
  }
  const vars = layer ? [x, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)] : [x, gamma, beta];
  let y: tf.Tensor | null = null;
  let moments: tf.Tensor[] = [];
  const { value, grads } = tf.variableGrads(() => {
    if (layer) {
      y = tf.keep(layer.apply(x, { training: true }) as tf.Tensor);
    } else {
      const out = batchNormTraining(tf, x, gamma, beta, EPSILON);
      y = tf.keep(out.y);
      moments = [out.mean, out.variance];
    }
    return tf.sum(tf.mul(y, r)) as tf.Scalar;
  }, vars);
  const result = {
    y: [await y!.data() as Float32Array],
    grads: await Promise.all(vars.map((v) => grads[v.name].data() as Promise<Float32Array>)),
    moments: await Promise.all(moments.map((m) => m.data() as Promise<Float32Array>)),
    movingMean: layer ? await layer.getWeights()[2].data() as Float32Array : null,
  };
  tf.dispose([x, gamma, beta, r, value, y!, ...moments, ...Object.values(grads)]);
  layer?.weights.forEach((w) => w.dispose()); // (Layer.dispose() refuses layers applied only to concrete tensors)
  return result;
}

describe('batchNormTraining matches tf.layers batch norm in training mode', () => {
  // On tfjs-node this runs TensorFlow's FusedBatchNormV3 / FusedBatchNormGradV3 (gradients/tensorflow-ops.ts).
  test('output, gradients and batch moments, on cpu and every backend under test', async () => {
    const reference = await run('cpu', 'layers');
    const cpuMoments = (await run('cpu', 'closed-form')).moments;
    for (const backend of ['cpu', ...backends] as BackendName[]) {
      const ours = await run(backend, 'closed-form');
      expect(relativeError(ours.y, reference.y), `${backend} forward`).toBeLessThan(1e-5);
      expect(relativeError(ours.grads, reference.grads), `${backend} gradients`).toBeLessThan(1e-5);
      // The biased variance, as tf.moments (TensorFlow's own batch_variance output would be Bessel-corrected).
      expect(relativeError(ours.moments, cpuMoments), `${backend} moments`).toBeLessThan(1e-5);
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

  test('the batch moments it returns are what the moving averages of the layer move towards', async () => {
    const layers = await run('cpu', 'layers');
    const ours = await run('cpu', 'closed-form');
    // moving mean after one step = 0.9 · 0 + 0.1 · batch mean
    expect(relativeError([ours.moments[0].map((m) => 0.1 * m)], [layers.movingMean!])).toBeLessThan(1e-5);
  });

  test.each(['wasm', 'tfjs-node'] as BackendName[])('leaves no tensors behind once the moments are disposed (%s, where present)', async (backend) => {
    if (backend !== 'wasm' && !backends.includes(backend)) return;
    await useBackend(backend);
    const x = tf.variable(tf.randomNormal(SHAPE));
    const gamma = tf.variable(tf.ones([4]) as tf.Tensor1D);
    const beta = tf.variable(tf.zeros([4]) as tf.Tensor1D);
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { value, grads } = tf.variableGrads(() => {
        const out = batchNormTraining(tf, x, gamma, beta, EPSILON);
        tf.dispose([out.mean, out.variance]);
        return tf.sum(tf.square(out.y)) as tf.Scalar;
      }, [x, gamma, beta]);
      tf.dispose([value, ...Object.values(grads)]);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    tf.dispose([x, gamma, beta]);
  });
});
