// The pieces together on a real model, as the training loop will use them: targets of a batch, the model's
// outputs in training mode, the loss with weight decay, SGD steps. On wasm (the backend that trains where
// tfjs-node is absent), a tiny ResNet-10 detector with anytime heads: the loss is finite and falls on a fixed batch.
import type * as TF from '@tensorflow/tfjs';
import { afterAll, expect, test } from 'vitest';
import { buildModel } from '../../src/codegen/builder.js';
import { lowerDetector } from '../../src/codegen/lower.js';
import { useBackend } from '../../src/runtime/backend.js';
import { headLayout } from '../../src/targets/layout.js';
import { encodeBatchTargets } from '../../src/targets/matching.js';
import { decayedWeights, detectionLoss, lossOptionsFor, targetTensors } from '../../src/train/losses.js';
import { litePyramid, tinyResnet } from '../helpers/detectors.js';
import { randomValues } from '../helpers/random.js';
import { annotations } from '../targets/helpers.js';

afterAll(async () => {
  await useBackend('cpu');
});

test('targets → model outputs → loss → SGD: finite, and lower after a step on a fixed batch (wasm, anytime heads)', async () => {
  const tf: typeof TF = await useBackend('wasm');
  // ResNet-10 under a P3–P6 pyramid at 64², 2 anchors a location, K = 3, two heads. (The MobileNetV2 Lite fixture
  // is a poor choice here: its depthwise kernels feed batch norms over 2 × 2 maps, and the loss is so sharp in them
  // that no fixed learning rate descends reliably.)
  const ir = tinyResnet({ pyramid: litePyramid(), maxLevel: 6, inputSize: 64, anytimeHeads: true });
  const layout = headLayout(ir);
  const model = buildModel(lowerDetector(ir));
  const images = tf.tensor4d(randomValues(2 * 64 * 64 * 3, 9), [2, 64, 64, 3]);
  const batch = encodeBatchTargets(layout, [
    annotations([[4, 8, 36, 30, 1], [30, 30, 62, 60, 2]]),
    annotations([[10, 10, 20, 50, 2, 0], [0, 0, 64, 64, 1, 1]]),
  ]);
  expect(batch.positives).toBeGreaterThan(3);
  const targets = targetTensors(tf, batch);
  const kernels = decayedWeights(model);
  const optimizer = tf.train.sgd(0.01);
  const losses: number[] = [];
  try {
    for (let step = 0; step < 2; step++) {
      const loss = optimizer.minimize(() => {
        const outputs = model.apply(images, { training: true }) as TF.Tensor[];
        return detectionLoss(tf, layout, outputs, targets, kernels.map((k) => k.read()), lossOptionsFor(ir)).total;
      }, true) as TF.Scalar;
      losses.push((await loss.data())[0]);
      loss.dispose();
    }
  } finally {
    tf.dispose([images, targets.classes, targets.boxes]);
    optimizer.dispose();
    model.dispose();
  }
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses[1]).toBeLessThan(losses[0]);
});
