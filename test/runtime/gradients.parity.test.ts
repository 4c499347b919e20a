// The replacement backward kernels (src/runtime/gradients) beyond the layer configurations of the models:
// more conv geometries against the cpu backend's built-in kernels, ties in max pooling, and the two tfjs
// bugs they work around, checked against exact formulas.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadTf, useBackend, type BackendName } from '../../src/runtime/backend.js';
import { backendsUnderTest, relativeError } from './helpers.js';
import { randomValues } from '../helpers/random.js';

let backends: BackendName[] = [];
beforeAll(async () => {
  backends = await backendsUnderTest();
});

const tensor = (shape: number[], seed: number) => tf.tensor(randomValues(shape.reduce((a, b) => a * b), seed), shape);

/** Gradients of Σ f(a, b) · r with respect to a and b, read back, on the given backend. */
async function gradsOn(
  backend: BackendName, shapes: [number[], number[]], f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
): Promise<Float32Array[]> {
  await useBackend(backend);
  const [a, b] = shapes.map((s, k) => tensor(s, 11 + k));
  const out = tf.tidy(() => f(a, b));
  const r = tensor(out.shape, 99);
  const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y), r)))([a, b]);
  const data = await Promise.all(grads.map((g) => g.data() as Promise<Float32Array>));
  tf.dispose([a, b, out, r, ...grads]);
  return data;
}

describe('conv gradients on every backend match the cpu built-ins', () => {
  const geometries: [string, number[], number[], number, 'same' | 'valid' | number][] = [
    ['3×3 /3 same, non-square', [2, 11, 7, 3], [3, 3, 3, 5], 3, 'same'],
    ['2×2 /2 same (even kernel)', [1, 8, 8, 2], [2, 2, 2, 3], 2, 'same'],
    ['4×4 /2 valid', [1, 9, 10, 2], [4, 4, 2, 3], 2, 'valid'],
    ['3×3 /2 explicit pad 1', [2, 8, 8, 2], [3, 3, 2, 4], 2, 1],
    ['5×5 /1 same', [1, 6, 6, 2], [5, 5, 2, 2], 1, 'same'],
    ['1×1 /3 valid (taps skip rows)', [1, 7, 7, 2], [1, 1, 2, 3], 3, 'valid'],
    // At least 16 input channels and no widening: the wasm filter gradient takes its conv route.
    ['3×3 /1 same, 16→8 channels', [2, 6, 6, 16], [3, 3, 16, 8], 1, 'same'],
    ['3×3 /2 same, 16→16 channels, non-square', [2, 9, 7, 16], [3, 3, 16, 16], 2, 'same'],
    ['3×3 /2 valid, 16→12 channels, rows skipped', [1, 10, 10, 16], [3, 3, 16, 12], 2, 'valid'],
  ];
  for (const [name, xShape, fShape, stride, pad] of geometries) {
    test(`conv2d ${name}`, async () => {
      const f = (x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad);
      const reference = await gradsOn('cpu', [xShape, fShape], f);
      // TensorFlow's own kernels take only 'same' and 'valid' (the models use nothing else).
      const able = typeof pad === 'number' ? backends.filter((b) => !b.startsWith('tfjs-node')) : backends;
      for (const backend of able) {
        expect(relativeError(await gradsOn(backend, [xShape, fShape], f), reference), backend).toBeLessThan(1e-4);
      }
    });
  }
  for (const [name, xShape, fShape, stride, pad] of geometries.filter((g) => typeof g[4] === 'string')) {
    test(`depthwise ${name}, multiplier 2`, async () => {
      const dwShape = [fShape[0], fShape[1], xShape[3], 2];
      const f = (x: tf.Tensor, w: tf.Tensor) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad as 'same');
      const reference = await gradsOn('cpu', [xShape, dwShape], f);
      for (const backend of backends) {
        expect(relativeError(await gradsOn(backend, [xShape, dwShape], f), reference), backend).toBeLessThan(1e-4);
      }
    });
  }
});

describe('max pooling routes each gradient to the first maximum', () => {
  // After a ReLU most windows hold several zeros: TensorFlow (and the cpu backend) give the whole gradient
  // to the first one in row-major order, not a share to each.
  const cases: [string, number, number, 'same' | 'valid'][] = [
    ['2/2 same', 2, 2, 'same'], ['4/4 same', 4, 4, 'same'], ['3/2 same', 3, 2, 'same'], ['3/1 valid', 3, 1, 'valid'],
  ];
  for (const [name, size, stride, pad] of cases) {
    test(`${name}, with ties`, async () => {
      const f = (x: tf.Tensor, y: tf.Tensor) => tf.add(tf.maxPool(tf.relu(x) as tf.Tensor4D, size, stride, pad), tf.mul(y, 0));
      const shapes: [number[], number[]] = [[2, 9, 9, 3], [1]];
      const reference = await gradsOn('cpu', shapes, f);
      for (const backend of backends) {
        expect(relativeError(await gradsOn(backend, shapes, f), reference), backend).toBeLessThan(1e-6);
      }
    });
  }
});

describe('the tfjs bugs the replacements work around', () => {
  test('nearest upsampling: the gradient of each input pixel is the sum over its block, for every image of a batch', async () => {
    await loadTf();
    for (const backend of ['cpu', ...backends] as BackendName[]) {
      await useBackend(backend);
      const x = tensor([3, 3, 2, 2], 1) as tf.Tensor4D;
      const dy = tensor([3, 6, 4, 2], 2);
      const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(v as tf.Tensor4D, [6, 4]), dy)))(x);
      const exact = tf.sum(dy.reshape([3, 3, 2, 2, 2, 2]), [2, 4]);
      expect(relativeError([await grad.data() as Float32Array], [await exact.data() as Float32Array]), backend).toBeLessThan(1e-6);
      tf.dispose([x, dy, grad, exact]);
    }
  });

  test('max pooling 2/2 same on a 2×4×4×4 batch: the gradient lands on each window maximum', async () => {
    for (const backend of ['cpu', ...backends] as BackendName[]) {
      await useBackend(backend);
      const x = tensor([2, 4, 4, 4], 3) as tf.Tensor4D;
      const dy = tensor([2, 2, 2, 4], 4);
      const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, 2, 2, 'same'), dy)))(x);
      const windows = x.reshape([2, 2, 2, 2, 2, 4]);
      const exact = tf.mul(tf.equal(windows, windows.max([2, 4], true)).cast('float32'), dy.reshape([2, 2, 1, 2, 1, 4])).reshape(x.shape);
      expect(relativeError([await grad.data() as Float32Array], [await exact.data() as Float32Array]), backend).toBeLessThan(1e-6);
      tf.dispose([x, dy, grad, windows, exact]);
    }
  });
});
