// Hand-made COCO cases (test/fixtures/coco/<case>/{gt.json, dt.json, params.json?, expected.json}) read with the
// project's reader and evaluated: every number equals pycocotools' (expected.json, written by
// scripts/coco-expected.py), and the headline numbers also equal the hand derivation in the case's note.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readCocoDetections, readCocoGroundTruth } from '../../src/coco/read.js';
import { evaluateDetections } from '../../src/eval/evaluator.js';
import { makeParams } from '../../src/eval/params.js';
import { SUMMARY_KEYS } from '../../src/eval/summary.js';

const FIXTURES = 'test/fixtures/coco';
const CASES = readdirSync(FIXTURES).filter((name) => existsSync(join(FIXTURES, name, 'gt.json')));

/** Derived by hand (see each case's note): (case, key) → value. */
const BY_HAND: Record<string, Partial<Record<(typeof SUMMARY_KEYS)[number], number>>> = {
  'one-class': { AP: (51 + (50 * 2) / 3) / 101, APm: -1, AR1: 0.5, AR100: 1 },
  'fp-before-tp': { AP: 0.35, AP50: 0.5, AR1: 0, AR100: 0.7 },
  'ties-within-image': { AP: 0.5, AR1: 0 },
  'ties-across-images': { AP: 2 / 3, AR1: 0.5 },
  crowd: { AP: 1, AR1: 0, AR100: 1, APm: -1 },
  'ignore-flag': { AP: 51 / 101, AR100: 0.5 },
  'empty-categories': { AP: 1, AR100: 1 },
  'category-without-detections': { AP: 0.5, AR100: 0.5 },
  'beyond-maxdets': { AP: -1, AP50: 51 / 3 / 101, AR1: 0, AR10: 0.5, AR100: 0.5 },
  'area-boundaries': { AP: 51 / 101, APs: 0, APm: 51 / 101, APl: 1, ARs: 0, ARl: 1 },
  'image-without-gt': { AP: 0.5, AR1: 1 },
};

test('every hand-made case has a hand derivation', () => {
  expect(CASES.sort()).toEqual(Object.keys(BY_HAND).sort());
});

describe.each(CASES)('%s', (name) => {
  const dir = join(FIXTURES, name);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  const paramsFile = join(dir, 'params.json');
  const paramsInput = existsSync(paramsFile) ? JSON.parse(readFileSync(paramsFile, 'utf8')) : {};

  test('equals pycocotools and the hand derivation', async () => {
    const gt = await readCocoGroundTruth(join(dir, 'gt.json'));
    const dt = await readCocoDetections(join(dir, 'dt.json'), gt);
    const { result, summary, perCategory } = evaluateDetections(gt, dt, makeParams(gt, { maxDets: paramsInput.maxDets }));
    for (const key of SUMMARY_KEYS) expect(summary[key], key).toBeCloseTo(expected.stats[key], 12);
    for (const [key, value] of Object.entries(BY_HAND[name])) expect(summary[key as keyof typeof summary], `${key} by hand`).toBeCloseTo(value, 12);
    expect(perCategory.map((c) => [c.id, c.AP, c.AP50])).toEqual(
      expected.perCategory.map((c: { id: number; AP: number; AP50: number }) => [c.id, expect.closeTo(c.AP, 12), expect.closeTo(c.AP50, 12)]));
    expect(result.counts).toEqual(expected.counts);
    expect(result.precision.reduce((s, x) => s + x, 0)).toBeCloseTo(expected.precisionSum, 9);
    expect(result.recall.reduce((s, x) => s + x, 0)).toBeCloseTo(expected.recallSum, 9);
  });
});
