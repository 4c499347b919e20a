// Every gradient rule of the graph target (src/graph/gradients.ts) against tf.grads of the same computation run
// eagerly by TensorFlow.js on random inputs: each case is a small function of one or more inputs, built as a
// graph op (its gradients emitted by the reverse-mode pass) and as tfjs ops; the loss is Σ f(x)·R with a fixed
// random R, so every output element's gradient is distinct. All cases run in one SavedModel session on tfjs-node.
// Tolerance: max |graph − eager| ≤ 1e-5 × max |eager| per case (float32 on the same TensorFlow library; the
// largest error seen is 1e-7: softplus, sigmoid and the batch norm, whose gradients the two sides compute by
// different formulas; most cases agree exactly).
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { GraphBuilder, type Tensor } from '../../src/graph/builder.js';
import { GRADIENT_RULES, gradients } from '../../src/graph/gradients.js';
import * as op from '../../src/graph/ops.js';
import { manifestOf, savedModelBytes, writeSavedModel, type Signature } from '../../src/graph/saved-model.js';
import { useBackend } from '../../src/runtime/backend.js';
import { SavedModelSession } from '../../src/runtime/saved-model-session.js';
import { randomValues } from '../helpers/random.js';
import { backendsUnderTest, fmt, relativeError } from '../runtime/helpers.js';

const TOLERANCE = 1e-5;
const backends = await backendsUnderTest();
const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-graph-grad-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Case {
  name: string;
  inputs: number[][];
  graph: (g: GraphBuilder, xs: Tensor[]) => Tensor;
  eager: (xs: tf.Tensor[]) => tf.Tensor;
}

const t4 = (x: tf.Tensor) => x as tf.Tensor4D;
const EPSILON = 1e-3;

const CASES: Case[] = [
  { name: 'identity', inputs: [[2, 3]], graph: (g, [x]) => op.identity(g, x), eager: ([x]) => tf.clone(x) },
  { name: 'conv same', inputs: [[2, 6, 6, 3], [3, 3, 3, 4]], graph: (g, [x, w]) => op.conv2d(g, x, w, 1, 'SAME'), eager: ([x, w]) => tf.conv2d(t4(x), t4(w), 1, 'same') },
  { name: 'conv valid stride 2', inputs: [[2, 7, 7, 3], [3, 3, 3, 4]], graph: (g, [x, w]) => op.conv2d(g, x, w, 2, 'VALID'), eager: ([x, w]) => tf.conv2d(t4(x), t4(w), 2, 'valid') },
  { name: 'conv 1×1 stride 2 same', inputs: [[2, 5, 5, 3], [1, 1, 3, 2]], graph: (g, [x, w]) => op.conv2d(g, x, w, 2, 'SAME'), eager: ([x, w]) => tf.conv2d(t4(x), t4(w), 2, 'same') },
  { name: 'depthwise same', inputs: [[2, 6, 6, 3], [3, 3, 3, 1]], graph: (g, [x, w]) => op.depthwiseConv2d(g, x, w, 1, 'SAME'), eager: ([x, w]) => tf.depthwiseConv2d(t4(x), t4(w), 1, 'same') },
  { name: 'depthwise valid stride 2', inputs: [[2, 7, 7, 3], [3, 3, 3, 1]], graph: (g, [x, w]) => op.depthwiseConv2d(g, x, w, 2, 'VALID'), eager: ([x, w]) => tf.depthwiseConv2d(t4(x), t4(w), 2, 'valid') },
  { name: 'bias add', inputs: [[2, 4, 4, 3], [3]], graph: (g, [x, b]) => op.biasAdd(g, x, b), eager: ([x, b]) => tf.add(x, b) },
  {
    name: 'batch norm (training)', inputs: [[2, 4, 4, 3], [3], [3]],
    graph: (g, [x, scale, offset]) => {
      const empty = op.constant(g, [], [0]);
      return op.fusedBatchNorm(g, x, scale, offset, empty, empty, EPSILON, true).y;
    },
    eager: ([x, scale, offset]) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, EPSILON))), scale), offset);
    },
  },
  { name: 'relu', inputs: [[2, 3, 4]], graph: (g, [x]) => op.relu(g, x), eager: ([x]) => tf.relu(x) },
  { name: 'relu6', inputs: [[2, 3, 4]], graph: (g, [x]) => op.relu6(g, op.mul(g, x, op.scalar(g, 8))), eager: ([x]) => tf.relu6(tf.mul(x, 8)) },
  { name: 'sigmoid', inputs: [[2, 3]], graph: (g, [x]) => op.sigmoid(g, x), eager: ([x]) => tf.sigmoid(x) },
  { name: 'softplus', inputs: [[2, 3]], graph: (g, [x]) => op.softplus(g, x), eager: ([x]) => tf.softplus(x) },
  { name: 'exp', inputs: [[2, 3]], graph: (g, [x]) => op.exp(g, x), eager: ([x]) => tf.exp(x) },
  { name: 'neg', inputs: [[2, 3]], graph: (g, [x]) => op.neg(g, x), eager: ([x]) => tf.neg(x) },
  { name: 'abs', inputs: [[2, 3]], graph: (g, [x]) => op.abs(g, x), eager: ([x]) => tf.abs(x) },
  { name: 'square', inputs: [[2, 3]], graph: (g, [x]) => op.square(g, x), eager: ([x]) => tf.square(x) },
  { name: 'l2 loss', inputs: [[3, 4]], graph: (g, [x]) => op.l2Loss(g, x), eager: ([x]) => tf.div(tf.sum(tf.square(x)), 2) },
  { name: 'pad', inputs: [[2, 4, 4, 3]], graph: (g, [x]) => op.pad(g, x, [[1, 2], [0, 1]]), eager: ([x]) => tf.pad(x, [[0, 0], [1, 2], [0, 1], [0, 0]]) },
  { name: 'max pool 2/2', inputs: [[2, 4, 4, 3]], graph: (g, [x]) => op.maxPool(g, x, 2, 2), eager: ([x]) => tf.maxPool(t4(x), 2, 2, 'same') },
  { name: 'max pool 3/2 same', inputs: [[2, 5, 5, 3]], graph: (g, [x]) => op.maxPool(g, x, 3, 2), eager: ([x]) => tf.maxPool(t4(x), 3, 2, 'same') },
  { name: 'nearest ×2', inputs: [[2, 3, 3, 2]], graph: (g, [x]) => op.resizeNearest(g, x, 6, 6), eager: ([x]) => tf.image.resizeNearestNeighbor(t4(x), [6, 6]) },
  { name: 'nearest ×4', inputs: [[2, 2, 2, 2]], graph: (g, [x]) => op.resizeNearest(g, x, 8, 8), eager: ([x]) => tf.image.resizeNearestNeighbor(t4(x), [8, 8]) },
  { name: 'add, broadcast', inputs: [[2, 3, 4], [4]], graph: (g, [a, b]) => op.add(g, a, b), eager: ([a, b]) => tf.add(a, b) },
  { name: 'add, broadcast middle', inputs: [[2, 4, 4, 3], [2, 1, 1, 3]], graph: (g, [a, b]) => op.add(g, a, b), eager: ([a, b]) => tf.add(a, b) },
  { name: 'add n', inputs: [[2, 3], [2, 3], [2, 3]], graph: (g, xs) => op.addN(g, xs), eager: (xs) => tf.addN(xs) },
  { name: 'sub, broadcast', inputs: [[2, 3], [3]], graph: (g, [a, b]) => op.sub(g, a, b), eager: ([a, b]) => tf.sub(a, b) },
  { name: 'mul, broadcast', inputs: [[2, 4, 4, 3], [2, 1, 1, 3]], graph: (g, [a, b]) => op.mul(g, a, b), eager: ([a, b]) => tf.mul(a, b) },
  {
    name: 'div, broadcast', inputs: [[2, 3], [3]],
    graph: (g, [a, b]) => op.div(g, a, op.add(g, op.square(g, b), op.scalar(g, 1))),
    eager: ([a, b]) => tf.div(a, tf.add(tf.square(b), 1)),
  },
  { name: 'minimum', inputs: [[2, 3], [2, 3]], graph: (g, [a, b]) => op.minimum(g, a, b), eager: ([a, b]) => tf.minimum(a, b) },
  { name: 'minimum with a constant', inputs: [[2, 3]], graph: (g, [a]) => op.minimum(g, a, op.scalar(g, 0.2)), eager: ([a]) => tf.minimum(a, 0.2) },
  { name: 'maximum', inputs: [[2, 3], [2, 3]], graph: (g, [a, b]) => op.maximum(g, a, b), eager: ([a, b]) => tf.maximum(a, b) },
  { name: 'sum, kept axes', inputs: [[2, 4, 4, 3]], graph: (g, [x]) => op.sum(g, x, [1, 2], true), eager: ([x]) => tf.sum(x, [1, 2], true) },
  { name: 'sum of all', inputs: [[2, 3, 4]], graph: (g, [x]) => op.sumAll(g, x), eager: ([x]) => tf.sum(x) },
  { name: 'mean, kept axes', inputs: [[2, 4, 4, 3]], graph: (g, [x]) => op.mean(g, x, [1, 2], true), eager: ([x]) => tf.mean(x, [1, 2], true) },
  { name: 'max, kept axes', inputs: [[2, 4, 4, 3]], graph: (g, [x]) => op.max(g, x, [1, 2], true), eager: ([x]) => tf.max(x, [1, 2], true) },
  { name: 'max, dropped axis', inputs: [[2, 5]], graph: (g, [x]) => op.max(g, x, [1]), eager: ([x]) => tf.max(x, 1) },
  { name: 'reshape', inputs: [[2, 3, 4]], graph: (g, [x]) => op.reshape(g, x, [6, 4]), eager: ([x]) => tf.reshape(x, [6, 4]) },
  { name: 'concat', inputs: [[2, 3], [2, 5]], graph: (g, [a, b]) => op.concat(g, [a, b], 1), eager: ([a, b]) => tf.concat([a, b], 1) },
  {
    name: 'unstack', inputs: [[3], [2, 2]],
    graph: (g, [w, x]) => { const [w0, , w2] = op.unstack(g, w); return op.add(g, op.mul(g, x, w0), op.mul(g, x, op.relu(g, w2))); },
    eager: ([w, x]) => { const [w0, , w2] = tf.unstack(w); return tf.add(tf.mul(x, w0), tf.mul(x, tf.relu(w2))); },
  },
];

describe.skipIf(!backends.includes('tfjs-node'))('graph gradient rules against tf.grads (skipped without tfjs-node)', () => {
  test('every rule is exercised by a case', () => {
    const g = new GraphBuilder();
    CASES.forEach((c, i) => g.inScope(`case${i}`, () => c.graph(g, c.inputs.map((shape, k) => op.placeholder(g, `x${k}`, 'float32', shape)))));
    const used = new Set(g.ops.map((node) => node.op));
    const withRules = Object.entries(GRADIENT_RULES).filter(([, rule]) => rule !== null).map(([name]) => name);
    expect(withRules.filter((name) => !used.has(name))).toEqual([]);
  });

  test(`each case's gradients match tf.grads within ${TOLERANCE} (relative)`, async () => {
    await useBackend('tfjs-node');
    const g = new GraphBuilder();
    const signatures: Record<string, Signature> = {};
    const weightsOf = CASES.map((c, i) => g.inScope(`case${i}`, () => {
      const xs = c.inputs.map((shape, k) => op.placeholder(g, `x${k}`, 'float32', shape));
      const y = c.graph(g, xs);
      const weights = randomValues(y.shape.reduce((a, b) => a * b, 1), 1000 + i);
      const loss = op.sumAll(g, op.mul(g, y, op.constant(g, weights, y.shape)));
      const grads = gradients(g, loss, xs);
      signatures[`case${i}`] = {
        inputs: Object.fromEntries(xs.map((x, k) => [`x${k}`, x])),
        outputs: Object.fromEntries(grads.map((d, k) => [`d${k}`, d])),
      };
      return { weights, shape: y.shape };
    }));
    const dir = join(scratch, 'rules');
    await writeSavedModel(dir, savedModelBytes(g, signatures), manifestOf(signatures, {}, {}));
    const session = SavedModelSession.open(tf, dir, manifestOf(signatures, {}, {}).signatures);
    const errors: string[] = [];
    try {
      for (const [i, c] of CASES.entries()) {
        const inputs = c.inputs.map((shape, k) => tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), 100 * i + k), shape));
        const out = session.run(`case${i}`, Object.fromEntries(inputs.map((x, k) => [`x${k}`, x])));
        const actual = await Promise.all(c.inputs.map((_, k) => out[`d${k}`].data() as Promise<Float32Array>));
        const r = tf.tensor(weightsOf[i].weights, weightsOf[i].shape);
        const expectedTensors = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(c.eager(xs), r)))(inputs);
        const expected = await Promise.all(expectedTensors.map((t) => t.data() as Promise<Float32Array>));
        const error = relativeError(actual, expected);
        if (!(error <= TOLERANCE)) errors.push(`${c.name}: ${fmt(error)}`);
        tf.dispose([...inputs, ...Object.values(out), r, ...expectedTensors]);
      }
    } finally {
      session.dispose();
    }
    expect(errors).toEqual([]);
  });
});
