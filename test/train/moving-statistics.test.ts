// Batch norm's moving statistics after a short run (src/train/moving-statistics.ts): the weight the initial
// mean 0 / variance 1 keep, against hand-computed powers; the warning's threshold; and the proxy recipe, whose
// detector must be evaluable after its own warm-up (the bug this guards: with the reference's momentum 0.997 a
// proxy run of a few hundred steps predicted with statistics that were still ~half their initial values).
import { describe, expect, test } from 'vitest';
import {
  STALE_STATISTICS_WEIGHT, initialStatisticsWeight, staleStatisticsWarning, stepsToTrustStatistics,
} from '../../src/train/moving-statistics.js';
import { loadExample } from '../helpers/examples.js';

describe('initialStatisticsWeight', () => {
  test('momentum^steps: 0.997^300 = exp(300 · ln 0.997) = 0.40602, 0.9^100 = 2.6561e-5', () => {
    expect(initialStatisticsWeight(0.997, 300)).toBeCloseTo(0.40602, 5);
    expect(initialStatisticsWeight(0.9, 100)).toBeCloseTo(2.6561e-5, 9);
    expect(initialStatisticsWeight(0.997, 0)).toBe(1);
  });

  test('steps to trust: ⌈ln 0.05 / ln m⌉ — 998 for 0.997 (997.08), 29 for 0.9 (28.43); never for 1, at once for 0', () => {
    expect(STALE_STATISTICS_WEIGHT).toBe(0.05);
    expect(stepsToTrustStatistics(0.997)).toBe(998);
    expect(stepsToTrustStatistics(0.9)).toBe(29);
    expect(stepsToTrustStatistics(1)).toBe(Infinity);
    expect(stepsToTrustStatistics(0)).toBe(0);
    // At the boundary: 0.9^28 = 0.0523 is stale, 0.9^29 = 0.0471 is not.
    expect(staleStatisticsWarning(0.9, 28)).not.toBeNull();
    expect(staleStatisticsWarning(0.9, 29)).toBeNull();
  });

  test('the warning names the momentum, the share left and the fix', () => {
    expect(staleStatisticsWarning(0.997, 300)).toBe(
      'batch norm momentum 0.997: after 300 training steps the moving statistics still hold 41% of their initial values ' +
      '(mean 0, variance 1), so inference normalises with the wrong statistics until step 998; for short runs set ' +
      '`batchnorm momentum 0.9` in the detector (docs/training.md)');
    expect(staleStatisticsWarning(0.997, 90000)).toBeNull();
  });
});

test('the proxy recipe (examples/proxy.fpn#proxy) can be evaluated once its warm-up is over', () => {
  const recipe = loadExample('proxy').trains.find((t) => t.name === 'proxy')!;
  expect(stepsToTrustStatistics(recipe.detector.batchNorm.momentum)).toBeLessThanOrEqual(recipe.warmup.steps);
});
