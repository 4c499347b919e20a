// The learning check: a few SGD steps of tiny detectors, built by the real builder, on the surrogate loss
// (squared error of every head output against fixed random targets) lower that loss and leave
// tf.memory().numTensors flat, on every backend this process can run. The detection losses and the
// training loop will stand on exactly this: forward in training mode, backward through every layer kind,
// an update of every weight, no leaked tensors.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildModel } from '../../src/codegen/builder.js';
import { lowerDetector } from '../../src/codegen/lower.js';
import { useBackend, type BackendName } from '../../src/runtime/backend.js';
import { disposeTask, makeSurrogateTask, sgdStep } from '../../src/train/surrogate.js';
import type { DetectorIR } from '../../src/semantics/ir.js';
import { tinyLite, tinyResnet } from '../helpers/detectors.js';
import { detector, pyramidFromSpecs } from '../helpers/ir.js';
import { backendsUnderTest, requestedTestBackends } from './helpers.js';

/** The proxy task's backbone and pyramid, shrunk: ResNet-10, NAS-FPN 1@16, 128×128 input. */
const learnResnet: DetectorIR = tinyResnet({ name: 'learn_r10', repeats: 1 });

/** The Lite kinds: MobileNetV2 ×0.35 (depthwise, ReLU6), separable cells and heads, DropBlock, P3..P6 at 64×64. */
const learnLite: DetectorIR = tinyLite({ name: 'learn_lite', repeats: 1, dropblock: { size: 3, keepProb: 0.9 } });

const STEPS = 4;

/** MobileNetV2 ×0.35 with a 3-level pyramid of weighted-sum cells (BiFPN fusion), 1@16, 64×64 input. */
const tinyWsum: DetectorIR = detector({
  name: 'learn_wsum', backbone: { kind: 'mobilenet_v2', widthMultiplier: 0.35 },
  pyramid: pyramidFromSpecs('wsum_small', [
    [5, 'wsum', [2, 1], true],
    [4, 'wsum', [1, 3], true],
    [3, 'wsum', [0, 4], true],
  ], 3, 5),
  repeats: 1, width: 16, minLevel: 3, maxLevel: 5, inputSize: 64, head: tinyResnet().head,
});

/** The fusion weights of every WeightedSum layer, by layer name. */
async function fusionWeights(model: tf.LayersModel): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const layer of model.layers.filter((l) => l.getClassName() === 'WeightedSum')) {
    out.set(layer.name, Array.from(await layer.getWeights()[0].data()));
  }
  return out;
}

async function learn(backend: BackendName, ir: DetectorIR, steps: number, inspect?: (model: tf.LayersModel) => Promise<void>) {
  await useBackend(backend);
  const model = buildModel(lowerDetector(ir));
  const task = makeSurrogateTask(tf, model, 2);
  const optimizer = tf.train.sgd(0.05);
  const losses: number[] = [];
  const tensors: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const loss = sgdStep(tf, model, task, optimizer);
      losses.push((await loss.data())[0]);
      loss.dispose();
      tensors.push(tf.memory().numTensors);
    }
    await inspect?.(model);
  } finally {
    optimizer.dispose();
    disposeTask(tf, task);
    model.dispose();
  }
  return { losses, tensors };
}

function expectLearning(result: { losses: number[]; tensors: number[] }) {
  const { losses, tensors } = result;
  for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
  // Every step lowers the loss (DropBlock makes the steps noisy, not uphill, at this learning rate).
  for (let i = 1; i < losses.length; i++) expect(losses[i], `step ${i}: ${losses.join(', ')}`).toBeLessThan(losses[i - 1]);
  // The first step creates the optimizer's state; after it nothing may accumulate.
  expect(new Set(tensors.slice(1)).size, `numTensors after each step: ${tensors.join(', ')}`).toBe(1);
  expect(tensors[1]).toBe(tensors[0]);
}

let backends: BackendName[] = [];
const log: string[] = [];
beforeAll(async () => {
  backends = await backendsUnderTest();
});
afterAll(() => {
  if (log.length) console.log(`surrogate loss per SGD step:\n${log.join('\n')}`);
});

describe('a few SGD steps lower the surrogate loss and keep numTensors flat', () => {
  // NASFPN_TEST_BACKENDS narrows a re-run (CI's second pass on tfjs-node) to the named backends.
  const cpuWanted = requestedTestBackends()?.includes('cpu') ?? true;

  for (const [name, ir] of [['ResNet-10 NAS-FPN', learnResnet], ['MobileNetV2 Lite, separable, DropBlock', learnLite]] as const) {
    test(`${name} on every accelerated backend`, async () => {
      for (const backend of backends) {
        const result = await learn(backend, ir, STEPS);
        log.push(`${name.padEnd(40)} ${backend.padEnd(10)} ${result.losses.map((l) => l.toFixed(4)).join(' → ')}`);
        expectLearning(result);
      }
    });
  }

  // The weighted sum's fusion weights start at 1 and are trainable: a few steps must move every one of them,
  // on every accelerated backend (wasm here, tfjs-node in CI). Its gradient on the cpu backend is checked
  // against the closed form in test/codegen/layers.test.ts, and against wasm/tfjs-node in layers.parity.
  test('weighted-sum cells on every accelerated backend: the loss falls and every fusion weight gets a gradient', async () => {
    for (const backend of backends) {
      let weights = new Map<string, number[]>();
      const result = await learn(backend, tinyWsum, 3, async (model) => {
        weights = await fusionWeights(model);
      });
      log.push(`${'MobileNetV2, weighted-sum cells'.padEnd(40)} ${backend.padEnd(10)} ${result.losses.map((l) => l.toFixed(4)).join(' → ')}`);
      expectLearning(result);
      expect(weights.size, backend).toBe(3);
      for (const [name, w] of weights) {
        expect(w.length).toBe(2);
        for (const v of w) expect(Math.abs(v - 1), `${backend} ${name}: ${w.join(', ')}`).toBeGreaterThan(1e-6);
      }
    }
  });

  // The pure-JS backend trains the small Lite model only: its built-in conv gradients would take minutes on
  // the ResNet one.
  test.skipIf(!cpuWanted)('MobileNetV2 Lite on the cpu backend', async () => {
    const result = await learn('cpu', learnLite, 3);
    log.push(`${'MobileNetV2 Lite, separable, DropBlock'.padEnd(40)} ${'cpu'.padEnd(10)} ${result.losses.map((l) => l.toFixed(4)).join(' → ')}`);
    expectLearning(result);
  }, 120_000);
});
