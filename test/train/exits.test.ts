// One checkpoint serves every anytime exit: a tiny 3-stack detector with anytime heads, its whole model given
// distinct weights and saved as a run's checkpoint; each exit loaded from that run (loadSavedRun with `exit`:
// the cut model, the checkpoint's weights found by name) gives the whole model's outputs of the head after
// that pyramid, to 1e-6, on the backends a fresh clone has (pure-JS cpu and wasm).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { afterAll, describe, expect, test } from 'vitest';
import { buildModel } from '../../src/codegen/builder.js';
import { lowerDetector } from '../../src/codegen/lower.js';
import { useBackend } from '../../src/runtime/backend.js';
import type { TrainIR } from '../../src/semantics/ir.js';
import { checkText } from '../../src/semantics/program.js';
import { headLayout } from '../../src/targets/layout.js';
import { writeCheckpoint } from '../../src/train/checkpoint.js';
import { loadSavedRun, readSavedRun } from '../../src/train/saved-run.js';
import { readWeights } from '../../src/train/trainer.js';
import { tinyAnytime } from '../helpers/detectors.js';
import { randomValues } from '../helpers/random.js';
import { setDeterministicWeights } from '../helpers/weights.js';
import { tinyRecipeText } from './standins.js';

const TOLERANCE = 1e-6;
const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-exits-'));
afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await useBackend('cpu');
});

const detector = tinyAnytime();
const recipe: TrainIR = { ...checkText(tinyRecipeText('  steps 1'), join(scratch, 'tiny.fpn')).program!.trains[0], detector };

async function outputsOf(tf: typeof TF, model: TF.LayersModel, x: TF.Tensor): Promise<Float32Array[]> {
  const out = model.apply(x, { training: false }) as TF.Tensor[];
  const data = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(out);
  return data;
}

const maxAbsDifference = (a: Float32Array, b: Float32Array): number => a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i])), 0);

describe.each(['cpu', 'wasm'] as const)('on %s', (backend) => {
  test('exit K of the saved run equals the whole model\'s head after pyramid K, to 1e-6', async () => {
    const tf = await useBackend(backend);
    const whole = buildModel(lowerDetector(detector));
    setDeterministicWeights(tf, whole);
    const runDir = join(scratch, `run-${backend}`);
    await writeCheckpoint(runDir, {
      weights: await readWeights(whole), slots: [], source: { file: 'tiny.fpn', files: {} },
      state: { step: 1, learningRate: 0, data: null, random: [1, 2, 3, 4], hooks: {}, recipe, savedAt: '2026-01-01T00:00:00Z' },
    }, 1);
    expect(readSavedRun(join(runDir, 'checkpoints', 'step-00000001')).runDir).toBe(runDir);

    const x = tf.tensor4d(randomValues(detector.inputSize ** 2 * 3, 5), [1, detector.inputSize, detector.inputSize, 3]);
    const expected = await outputsOf(tf, whole, x);
    const layout = headLayout(detector);
    for (const exit of [1, 2, 3]) {
      const saved = loadSavedRun(tf, runDir, { exit });
      expect(saved.runDir).toBe(runDir);
      const got = await outputsOf(tf, saved.model, x);
      const head = layout.heads[exit - 1];
      const want = [...head.classOutputs, ...head.boxOutputs].map((i) => expected[i]);
      expect(got).toHaveLength(want.length);
      got.forEach((values, i) => {
        expect(values.length).toBe(want[i].length);
        expect(maxAbsDifference(values, want[i])).toBeLessThanOrEqual(TOLERANCE);
      });
      // The heads differ from one exit to the next, so the agreement is not between equal maps.
      if (exit > 1) expect(maxAbsDifference(want[0], layout.heads[exit - 2].classOutputs.map((i) => expected[i])[0])).toBeGreaterThan(1e-4);
      // The cut model holds fewer weights than the whole one, all from the checkpoint.
      expect(saved.model.weights.length).toBeLessThan(whole.weights.length);
      saved.model.dispose();
    }
    x.dispose();
    whole.dispose();
  });
});
