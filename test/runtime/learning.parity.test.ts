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
import { backendsUnderTest, requestedTestBackends } from './helpers.js';

/** The proxy task's backbone and pyramid, shrunk: ResNet-10, NAS-FPN 1@16, 128×128 input. */
const learnResnet: DetectorIR = tinyResnet({ name: 'learn_r10', repeats: 1 });

/** The Lite kinds: MobileNetV2 ×0.35 (depthwise, ReLU6), separable cells and heads, DropBlock, P3..P6 at 64×64. */
const learnLite: DetectorIR = tinyLite({ name: 'learn_lite', repeats: 1, dropblock: { size: 3, keepProb: 0.9 } });

const STEPS = 4;

async function learn(backend: BackendName, ir: DetectorIR, steps: number) {
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
  for (const [name, ir] of [['ResNet-10 NAS-FPN', learnResnet], ['MobileNetV2 Lite, separable, DropBlock', learnLite]] as const) {
    test(`${name} on every accelerated backend`, async () => {
      for (const backend of backends) {
        const result = await learn(backend, ir, STEPS);
        log.push(`${name.padEnd(40)} ${backend.padEnd(10)} ${result.losses.map((l) => l.toFixed(4)).join(' → ')}`);
        expectLearning(result);
      }
    });
  }

  // The pure-JS backend trains the small Lite model only: its built-in conv gradients would take minutes on
  // the ResNet one.
  // NASFPN_TEST_BACKENDS narrows a re-run (CI's second pass on tfjs-node) to the named backends.
  const cpuWanted = requestedTestBackends()?.includes('cpu') ?? true;
  test.skipIf(!cpuWanted)('MobileNetV2 Lite on the cpu backend', async () => {
    const result = await learn('cpu', learnLite, 3);
    log.push(`${'MobileNetV2 Lite, separable, DropBlock'.padEnd(40)} ${'cpu'.padEnd(10)} ${result.losses.map((l) => l.toFixed(4)).join(' → ')}`);
    expectLearning(result);
  }, 120_000);
});
