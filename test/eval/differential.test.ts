// Seeded random data against pycocotools' stored outputs (test/fixtures/coco/random-*/expected.json, written by
// scripts/coco-expected.py from the same synthetic spec): every number equal to 1e-9.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { evaluateCoco } from '../../src/eval/cocoeval.js';
import { makeParams } from '../../src/eval/params.js';
import { perCategory, summarize } from '../../src/eval/summary.js';
import { syntheticCoco } from '../../src/eval/synthetic.js';

const FIXTURES = 'test/fixtures/coco';
const TOLERANCE = 1e-9;

describe.each(['random-300', 'random-pooled'])('%s against pycocotools', (name) => {
  const dir = join(FIXTURES, name);
  const spec = JSON.parse(readFileSync(join(dir, 'synthetic.json'), 'utf8'));
  const params = (() => { try { return JSON.parse(readFileSync(join(dir, 'params.json'), 'utf8')); } catch { return {}; } })();
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  const { gt, dt } = syntheticCoco(spec);
  const result = evaluateCoco(gt, dt, makeParams(gt, { useCats: params.useCats === undefined ? undefined : params.useCats !== 0 }));

  test('the 12 numbers', () => {
    const stats = summarize(result);
    for (const [key, value] of Object.entries(expected.stats)) expect(Math.abs(stats[key as keyof typeof stats] - (value as number)), key).toBeLessThanOrEqual(TOLERANCE);
  });

  test('per-category AP and AP50, and the whole precision and recall arrays (by their sums)', () => {
    const rows = perCategory(result, new Map());
    expect(rows.map((r) => r.id)).toEqual(expected.perCategory.map((r: { id: number }) => r.id));
    rows.forEach((row, i) => {
      expect(Math.abs(row.AP - expected.perCategory[i].AP)).toBeLessThanOrEqual(TOLERANCE);
      expect(Math.abs(row.AP50 - expected.perCategory[i].AP50)).toBeLessThanOrEqual(TOLERANCE);
    });
    expect(result.counts).toEqual(expected.counts);
    const sum = (a: Float64Array) => a.reduce((s, x) => s + x, 0);
    expect(Math.abs(sum(result.precision) - expected.precisionSum)).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(sum(result.recall) - expected.recallSum)).toBeLessThanOrEqual(1e-6);
  });
});
