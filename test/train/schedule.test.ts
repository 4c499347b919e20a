// The learning-rate schedule against hand-computed values: linear warm-up, step decays in epochs and in
// steps, cosine; and the global-norm clip factor (tf.clip_by_global_norm).
import { describe, expect, test } from 'vitest';
import type { TrainIR } from '../../src/semantics/ir.js';
import { clipFactor } from '../../src/train/optimizer.js';
import { learningRateAt, totalSteps } from '../../src/train/schedule.js';

const base: Pick<TrainIR, 'learningRate' | 'warmup' | 'decay' | 'length'> = {
  learningRate: { base: 0.08, perBatch: 64, peak: 0.08 },
  warmup: { steps: 500, from: 0.0067 },
  decay: { kind: 'step', unit: 'epochs', at: [30, 40], factor: 0.1 },
  length: { unit: 'epochs', count: 50 },
};

describe('learningRateAt', () => {
  test('the paper schedule: warm-up from 0.0067 over 500 steps, ×0.1 at epochs 30 and 40 (1849 steps an epoch)', () => {
    const total = totalSteps(base, 1849);
    expect(total).toBe(92450);
    expect(learningRateAt(base, 0, 1849, total)).toBeCloseTo(0.0067, 12);
    // Halfway through the warm-up: 0.0067 + (0.08 − 0.0067) · 250/500 = 0.04335.
    expect(learningRateAt(base, 250, 1849, total)).toBeCloseTo(0.04335, 12);
    expect(learningRateAt(base, 500, 1849, total)).toBe(0.08);
    expect(learningRateAt(base, 30 * 1849 - 1, 1849, total)).toBe(0.08);
    expect(learningRateAt(base, 30 * 1849, 1849, total)).toBeCloseTo(0.008, 12);
    expect(learningRateAt(base, 40 * 1849, 1849, total)).toBeCloseTo(0.0008, 12);
  });

  test('decay boundaries in steps, and no decay', () => {
    const steps = { ...base, warmup: { steps: 0, from: 0 }, decay: { kind: 'step' as const, unit: 'steps' as const, at: [100], factor: 0.5 } };
    expect(learningRateAt(steps, 99, 10, 200)).toBe(0.08);
    expect(learningRateAt(steps, 100, 10, 200)).toBe(0.04);
    expect(learningRateAt({ ...steps, decay: { kind: 'none' } }, 150, 10, 200)).toBe(0.08);
  });

  test('cosine: the peak after the warm-up, half of it midway through the rest, 0 at the end', () => {
    const cosine = { ...base, warmup: { steps: 100, from: 0.01 }, decay: { kind: 'cosine' as const } };
    expect(learningRateAt(cosine, 100, 10, 1100)).toBeCloseTo(0.08, 12);
    expect(learningRateAt(cosine, 600, 10, 1100)).toBeCloseTo(0.04, 12);
    expect(learningRateAt(cosine, 1100, 10, 1100)).toBeCloseTo(0, 12);
  });

  test('a run in steps is that many steps, whatever the epoch length', () => {
    expect(totalSteps({ length: { unit: 'steps', count: 7 } }, 1000)).toBe(7);
  });
});

describe('clipFactor', () => {
  test('scales gradients of norm above the limit down to it, and leaves others alone', () => {
    expect(clipFactor(20, 10)).toBe(0.5);
    expect(clipFactor(5, 10)).toBe(1);
    expect(clipFactor(1e9, null)).toBe(1);
  });
});
