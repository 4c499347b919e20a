// The kernels registered for tfjs-node's 'tensorflow' backend (src/runtime/gradients/tensorflow-ops.ts), where
// tfjs-node is present: the no-op Reshape and Cast shortcuts share data safely (the result outlives its input,
// no tensor is leaked), real reshapes and casts still go to TensorFlow, and the ReLU gradient through ReluGrad
// matches the cpu backend. (The fused batch norm is checked in batchnorm-training.parity.test.ts, every layer
// kind's gradients in layers.parity.test.ts.)
import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { useBackend, type BackendName } from '../../src/runtime/backend.js';
import { backendsUnderTest, relativeError } from './helpers.js';
import { randomValues } from '../helpers/random.js';

// Known before the tests are collected, so that without tfjs-node they are reported as skipped, not passed.
const backends = await backendsUnderTest();

describe.skipIf(!backends.includes('tfjs-node'))('tfjs-node kernels (skipped without tfjs-node)', () => {
  test('a reshape to the same shape and a cast to the same dtype share the data, and outlive their input', async () => {
    await useBackend('tfjs-node');
    const before = tf.memory().numTensors;
    const values = randomValues(24, 1);
    const x = tf.tensor(values, [2, 3, 4]);
    const same = tf.reshape(x, [2, 3, 4]);
    const inferred = tf.reshape(x, [2, -1, 4]);
    const cast = tf.cast(x, 'float32');
    x.dispose();
    for (const y of [same, inferred, cast]) {
      expect(y.shape).toEqual([2, 3, 4]);
      expect(Array.from(await y.data())).toEqual(Array.from(values));
    }
    // Real reshapes and casts still go to TensorFlow.
    const reshaped = tf.reshape(same, [6, 4]);
    const input = tf.tensor([1.7, -2.2]);
    const truncated = tf.cast(input, 'int32');
    expect(reshaped.shape).toEqual([6, 4]);
    expect(Array.from(await truncated.data())).toEqual([1, -2]);
    tf.dispose([same, inferred, cast, reshaped, input, truncated]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('the ReLU gradient (ReluGrad) matches the cpu backend', async () => {
    const gradient = async (backend: BackendName) => {
      await useBackend(backend);
      const x = tf.tensor(randomValues(60, 2).map((v) => (Math.abs(v) < 0.05 ? 0 : v)), [3, 4, 5]);
      const dy = tf.tensor(randomValues(60, 3), [3, 4, 5]);
      const dx = tf.grad((a: tf.Tensor) => tf.relu(a))(x, dy);
      const result = (await dx.data()) as Float32Array;
      tf.dispose([x, dy, dx]);
      return result;
    };
    expect(relativeError([await gradient('tfjs-node')], [await gradient('cpu')])).toBe(0);
  });
});
