// The detection loss (reference §8): hand-computed values, the sum over anytime heads, weight decay on conv
// kernels only, gradients against finite differences of the same formula written plainly, finiteness at extreme
// logits, and the same value on the wasm backend (the one that trains where tfjs-node is absent).
import type * as TF from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildModel } from '../../src/codegen/builder.js';
import { lowerDetector } from '../../src/codegen/lower.js';
import { loadTf, useBackend } from '../../src/runtime/backend.js';
import { headLayout, type HeadLayout } from '../../src/targets/layout.js';
import { decayedWeights, detectionLoss, l2Penalty, targetTensors, type TargetTensors } from '../../src/train/losses.js';
import { tinyLite } from '../helpers/detectors.js';
import { relativeError } from '../runtime/helpers.js';
import { randomValues } from '../helpers/random.js';
import { gridDetector } from '../targets/helpers.js';

let tf: typeof TF;
beforeAll(async () => {
  tf = await useBackend('cpu');
});
afterAll(async () => {
  (await loadTf()).setBackend('cpu');
});

const ALPHA = 0.25;
const GAMMA = 1.5;
const grid = headLayout(gridDetector()); // 16 anchors, K = 3, one level, one head

/** Targets of one 16-anchor image: anchor 5 positive for class 1 with box target (0, 0, 0.2, 0), anchor 6 ignored. */
function handTargets(): { classes: Int32Array; boxes: Float32Array; positives: number } {
  const classes = new Int32Array(16).fill(-1);
  classes[5] = 1;
  classes[6] = -2;
  const boxes = new Float32Array(64);
  boxes[4 * 5 + 2] = 0.2;
  return { classes, boxes, positives: 1 };
}

const upload = (t: { classes: Int32Array; boxes: Float32Array; positives: number }, batch = 1): TargetTensors =>
  targetTensors(tf, { batch, anchorCount: t.classes.length / batch, classes: t.classes, boxes: t.boxes, positives: t.positives, positivesPerImage: new Int32Array(batch) });

async function values(loss: { total: TF.Scalar; class: TF.Scalar; box: TF.Scalar; l2: TF.Scalar }) {
  const [total, cls, box, l2] = await Promise.all([loss.total, loss.class, loss.box, loss.l2].map(async (t) => (await t.data())[0]));
  tf.dispose([loss.total, loss.class, loss.box, loss.l2]);
  return { total, class: cls, box, l2 };
}

describe('detectionLoss, hand-computed', () => {
  test('logits 0 everywhere: focal = (α + 44·(1 − α)) · 0.5^γ · ln 2 / (P + 1); Huber on the positive only', async () => {
    const logits = tf.zeros([1, 4, 4, 3]);
    // Box outputs: 7 everywhere (ignored off the positives), anchor 5 predicts (0.05, −0.3, 0.2, 0.1).
    const boxValues = new Float32Array(64).fill(7);
    boxValues.set([0.05, -0.3, 0.2, 0.1], 4 * 5);
    const boxes = tf.tensor4d(boxValues, [1, 4, 4, 4]);
    const targets = upload(handTargets());
    const kernel = tf.tensor1d([1, 2, -2]);
    const loss = await values(detectionLoss(tf, grid, [logits, boxes], targets, [kernel], { alpha: ALPHA, gamma: GAMMA }));
    // 44 negative channels: anchor 5's channels 0 and 2, and 14 anchors × 3 (anchor 6 is ignored).
    const focal = ((ALPHA + 44 * (1 - ALPHA)) * 0.5 ** GAMMA * Math.LN2) / 2;
    // |d| = 0.05 → ½·0.05²; 0.3 → 0.1·(0.3 − 0.05); 0 → 0; 0.1 (at δ) → ½·0.1²; over 4·(P + 1) = 8.
    const huber = (0.5 * 0.05 ** 2 + 0.1 * (0.3 - 0.05) + 0 + 0.5 * 0.1 ** 2) / 8;
    const l2 = 1e-4 * 0.5 * 9;
    expect(loss.class).toBeCloseTo(focal, 5);
    expect(loss.box).toBeCloseTo(huber, 7);
    expect(loss.l2).toBeCloseTo(l2, 9);
    expect(loss.total).toBeCloseTo(focal + 50 * huber + l2, 5);
    tf.dispose([logits, boxes, targets.classes, targets.boxes, kernel]);
  });

  test('anytime heads add every repeat\'s losses', async () => {
    const twoHeads: HeadLayout = headLayout({ ...gridDetector(), anytimeHeads: true, repeats: 2 });
    expect(grid.heads).toHaveLength(1);
    expect(twoHeads.heads.map((h) => [h.classOutputs, h.boxOutputs])).toEqual([[[0], [1]], [[2], [3]]]);
    const t = handTargets();
    const outputs = [0, 1].flatMap((h) => [
      tf.tensor4d(randomValues(48, 10 + h).map((v) => 3 * v), [1, 4, 4, 3]),
      tf.tensor4d(randomValues(64, 20 + h), [1, 4, 4, 4]),
    ]);
    const targets = upload(t);
    const both = await values(detectionLoss(tf, twoHeads, outputs, targets));
    const first = await values(detectionLoss(tf, grid, outputs.slice(0, 2), targets));
    const second = await values(detectionLoss(tf, grid, outputs.slice(2, 4), targets));
    expect(both.class).toBeCloseTo(first.class + second.class, 5);
    expect(both.box).toBeCloseTo(first.box + second.box, 6);
    expect(both.total).toBeCloseTo(first.total + second.total, 5);
    tf.dispose([...outputs, targets.classes, targets.boxes]);
  });

  test('weight decay reaches conv kernels only (regular, depthwise, pointwise), never biases or BN', () => {
    const model = buildModel(lowerDetector(tinyLite()));
    try {
      const names = decayedWeights(model).map((w) => w.originalName.split('/').pop());
      expect(new Set(names)).toEqual(new Set(['kernel', 'depthwise_kernel', 'pointwise_kernel']));
      const all = new Set(model.trainableWeights.map((w) => w.originalName.split('/').pop()));
      expect(all).toEqual(new Set(['kernel', 'depthwise_kernel', 'pointwise_kernel', 'bias', 'gamma', 'beta']));
      const penalty = l2Penalty(tf, decayedWeights(model).map((w) => w.read()));
      const expected = decayedWeights(model).reduce((sum, w) => sum + (w.read().dataSync() as Float32Array).reduce((s, v) => s + v * v, 0), 0) * 0.5e-4;
      expect(Math.abs(penalty.dataSync()[0] - expected) / expected).toBeLessThan(1e-6);
      penalty.dispose();
    } finally {
      model.dispose();
    }
  });
});

/** The same loss written plainly in float64: α_t (1 − p_t)^γ (−log p_t), Huber, normalisers. */
function plainLoss(logits: Float64Array, boxes: Float64Array, t: ReturnType<typeof handTargets>, K: number): number {
  const n = t.classes.length;
  let focal = 0;
  let huber = 0;
  for (let a = 0; a < n; a++) {
    const c = t.classes[a];
    if (c === -2) continue;
    for (let k = 0; k < K; k++) {
      const p = 1 / (1 + Math.exp(-logits[a * K + k]));
      focal += c === k ? ALPHA * (1 - p) ** GAMMA * -Math.log(p) : (1 - ALPHA) * p ** GAMMA * -Math.log(1 - p);
    }
    if (c >= 0) {
      for (let j = 0; j < 4; j++) {
        const d = Math.abs(boxes[4 * a + j] - t.boxes[4 * a + j]);
        huber += d <= 0.1 ? 0.5 * d * d : 0.1 * (d - 0.05);
      }
    }
  }
  return focal / (t.positives + 1) + (50 * huber) / (4 * (t.positives + 1));
}

test('gradients agree with central differences of the plain formula', () => {
  const t = handTargets();
  t.classes[9] = 2; // a second positive, another class
  t.boxes.set([0.3, -0.1, 0.05, -0.4], 4 * 9);
  t.positives = 2;
  const logitValues = randomValues(48, 3).map((v) => 4 * v);
  const boxValues = randomValues(64, 4).map((v) => 0.5 * v);
  const targets = upload(t);
  const [gLogits, gBoxes] = tf.grads((l: TF.Tensor, b: TF.Tensor) => detectionLoss(tf, grid, [l, b], targets).total)(
    [tf.tensor4d(logitValues, [1, 4, 4, 3]), tf.tensor4d(boxValues, [1, 4, 4, 4])]);
  const analytic = [gLogits.dataSync(), gBoxes.dataSync()];
  const base = [Float64Array.from(logitValues), Float64Array.from(boxValues)];
  const h = 1e-5;
  let worst = 0;
  let scale = 0;
  base.forEach((values, which) => {
    for (let i = 0; i < values.length; i++) {
      const plus = base.map((v) => Float64Array.from(v));
      const minus = base.map((v) => Float64Array.from(v));
      plus[which][i] += h;
      minus[which][i] -= h;
      const numeric = (plainLoss(plus[0], plus[1], t, 3) - plainLoss(minus[0], minus[1], t, 3)) / (2 * h);
      worst = Math.max(worst, Math.abs(numeric - analytic[which][i]));
      scale = Math.max(scale, Math.abs(numeric));
    }
  });
  expect(scale).toBeGreaterThan(0.01);
  expect(worst / scale).toBeLessThan(1e-3);
  // The value itself agrees too.
  const value = detectionLoss(tf, grid, [tf.tensor4d(logitValues, [1, 4, 4, 3]), tf.tensor4d(boxValues, [1, 4, 4, 4])], targets).total;
  expect(value.dataSync()[0]).toBeCloseTo(plainLoss(base[0], base[1], t, 3), 4);
  tf.dispose([gLogits, gBoxes, value, targets.classes, targets.boxes]);
});

test('extreme logits keep the loss and its gradients finite', () => {
  const t = handTargets();
  const logitValues = new Float32Array(48);
  // Confidently wrong and confidently right, both ways: positives at −1e4 and +1e4, negatives at ±1e4 and ±100.
  for (let i = 0; i < 48; i++) logitValues[i] = [1e4, -1e4, 100, -100, 0][i % 5];
  logitValues[5 * 3 + 1] = -1e4; // the positive channel of anchor 5, hopelessly wrong
  const targets = upload(t);
  const logits = tf.tensor4d(logitValues, [1, 4, 4, 3]);
  const boxes = tf.fill([1, 4, 4, 4], 1e6);
  const [gLogits, gBoxes] = tf.grads((l: TF.Tensor, b: TF.Tensor) => detectionLoss(tf, grid, [l, b], targets).total)([logits, boxes]);
  const loss = detectionLoss(tf, grid, [logits, boxes], targets);
  expect(Number.isFinite(loss.total.dataSync()[0])).toBe(true);
  expect(loss.class.dataSync()[0]).toBeGreaterThan(1e3); // −log σ(−1e4) ≈ 1e4 per wrong channel
  expect([...gLogits.dataSync(), ...gBoxes.dataSync()].every(Number.isFinite)).toBe(true);
  tf.dispose([logits, boxes, gLogits, gBoxes, loss.total, loss.class, loss.box, loss.l2, targets.classes, targets.boxes]);
});

test('wasm computes the same loss and gradients as the cpu backend (batch of 2, two levels)', async () => {
  const ir = { ...gridDetector(), minLevel: 3, maxLevel: 4 };
  const layout = headLayout(ir); // 16 + 4 anchors
  const classes = Int32Array.from(randomValues(40, 5), (v) => (v > 0.8 ? 2 : v > 0.6 ? 1 : v < -0.9 ? -2 : -1));
  const boxTargets = randomValues(160, 6).map((v, i) => (classes[Math.floor(i / 4)] >= 0 ? v : 0));
  const positives = classes.filter((c) => c >= 0).length;
  const shapes: [number, number, number, number][] = [[2, 4, 4, 3], [2, 2, 2, 3], [2, 4, 4, 4], [2, 2, 2, 4]];
  const run = async (t: typeof TF) => {
    const outputs = shapes.map((s, i) => t.tensor4d(randomValues(s.reduce((a, b) => a * b), 30 + i).map((v) => 3 * v), s));
    const targets = targetTensors(t, { batch: 2, anchorCount: 20, classes, boxes: boxTargets, positives, positivesPerImage: new Int32Array(2) });
    const { value, grads } = t.valueAndGrads((...xs: TF.Tensor[]) => detectionLoss(t, layout, xs, targets).total)(outputs);
    const result = { value: (await value.data())[0], grads: await Promise.all(grads.map((g) => g.data() as Promise<Float32Array>)) };
    t.dispose([...outputs, ...grads, value, targets.classes, targets.boxes]);
    return result;
  };
  const onCpu = await run(tf);
  const wasm = await useBackend('wasm');
  const onWasm = await run(wasm);
  await useBackend('cpu');
  expect(positives).toBeGreaterThan(0);
  expect(Math.abs(onWasm.value - onCpu.value) / onCpu.value).toBeLessThan(1e-5);
  expect(relativeError(onWasm.grads, onCpu.grads)).toBeLessThan(1e-5);
});
