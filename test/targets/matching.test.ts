// Argmax matching with force match and box encoding (reference §7), on hand-computed cases over the 4 × 4 grid
// of 32 × 32 anchors (helpers.ts: anchor n = 4y + x spans [8x − 12, 8y − 12, 8x + 20, 8y + 20]), and the fast
// path against a plain dense implementation on the paper detector's 76,725 anchors.
import { describe, expect, test } from 'vitest';
import { anchorsFor } from '../../src/targets/anchors.js';
import { SIZE_EPSILON } from '../../src/targets/boxcoding.js';
import { headLayout } from '../../src/targets/layout.js';
import { encodeBatchTargets, encodeImageTargets, IGNORED, NEGATIVE, type ImageTargets } from '../../src/targets/matching.js';
import type { ImageAnnotations } from '../../src/data/types.js';
import { Random } from '../../src/util/random.js';
import { detector } from '../helpers/ir.js';
import { annotations, gridDetector } from './helpers.js';

const grid = headLayout(gridDetector());

/** Class targets as a 4 × 4 picture, row by row. */
const picture = (t: ImageTargets) => Array.from({ length: 4 }, (_, y) => Array.from(t.classes.subarray(4 * y, 4 * y + 4)));
const boxTarget = (t: ImageTargets, n: number) => Array.from(t.boxes.subarray(4 * n, 4 * n + 4));
const logRatio = (a: number, b: number) => Math.log((a + SIZE_EPSILON) / (b + SIZE_EPSILON));

function expectBox(t: ImageTargets, n: number, expected: number[]): void {
  boxTarget(t, n).forEach((v, c) => expect(v).toBeCloseTo(expected[c], 6));
}

describe('matching on the 4 × 4 grid', () => {
  test('a GT equal to anchor 5: IoU 1 there, 0.6 for its four neighbours (positive), 0.39 diagonally (negative)', () => {
    const t = encodeImageTargets(grid, annotations([[-4, -4, 28, 28, 1]]));
    expect(picture(t)).toEqual([
      [-1, 1, -1, -1],
      [1, 1, 1, -1],
      [-1, 1, -1, -1],
      [-1, -1, -1, -1],
    ]);
    expect(t.positives).toBe(5);
    // GT centre (12, 12), 32 × 32; anchor centres (8y + 4, 8x + 4), 32 × 32.
    expectBox(t, 5, [0, 0, 0, 0]);
    expectBox(t, 1, [0.25, 0, 0, 0]);
    expectBox(t, 4, [0, 0.25, 0, 0]);
    expectBox(t, 6, [0, -0.25, 0, 0]);
    expectBox(t, 9, [-0.25, 0, 0, 0]);
    expect(Array.from(t.boxes.subarray(0, 4))).toEqual([0, 0, 0, 0]); // negatives regress nothing
    expect(t.matchedGt[5]).toBe(0);
    expect(t.matchedGt[0]).toBe(-1);
  });

  test('IoU exactly 0.5 is positive (anchors 1 and 5: 512 / 1024); 1/3 is negative', () => {
    const t = encodeImageTargets(grid, annotations([[-4, -4, 28, 12, 2]]));
    expect(picture(t)).toEqual([
      [-1, 2, -1, -1],
      [-1, 2, -1, -1],
      [-1, -1, -1, -1],
      [-1, -1, -1, -1],
    ]);
    // GT centre (4, 12), 16 high, 32 wide.
    expectBox(t, 1, [0, 0, logRatio(16, 32), 0]);
    expectBox(t, 5, [-0.25, 0, logRatio(16, 32), 0]);
  });

  test('force match below 0.5: an 8 × 8 GT claims its one best anchor (IoU 64/1024)', () => {
    const t = encodeImageTargets(grid, annotations([[30, 30, 38, 38, 1]]));
    expect(t.positives).toBe(1);
    expect(t.classes[15]).toBe(1);
    expect(t.classes.filter((c) => c !== NEGATIVE)).toHaveLength(1);
    // GT centre (34, 34) against anchor 15's (28, 28); size 8 against 32.
    expectBox(t, 15, [6 / 32, 6 / 32, logRatio(8, 32), logRatio(8, 32)]);
  });

  test('force match on a tie between anchors: nine anchors contain a 4 × 4 GT, the lowest index wins', () => {
    const t = encodeImageTargets(grid, annotations([[10, 10, 14, 14, 2]]));
    expect(picture(t)).toEqual([
      [2, -1, -1, -1],
      [-1, -1, -1, -1],
      [-1, -1, -1, -1],
      [-1, -1, -1, -1],
    ]);
    expectBox(t, 0, [0.25, 0.25, logRatio(4, 32), logRatio(4, 32)]);
  });

  test('two GTs claim one anchor: the lower GT index wins, even over the anchor\'s own argmax', () => {
    // GT 0 (20 × 20, IoU 0.39 with anchor 5, its best); GT 1 = anchor 5 (IoU 1). Argmax gives anchor 5 to GT 1,
    // but both force-claim it and GT 0 has the lower index ([TPU] ArgMaxMatcher, force_match_for_each_row).
    const t = encodeImageTargets(grid, annotations([[2, 2, 22, 22, 1], [-4, -4, 28, 28, 2]]));
    expect(picture(t)).toEqual([
      [-1, 2, -1, -1],
      [2, 1, 2, -1],
      [-1, 2, -1, -1],
      [-1, -1, -1, -1],
    ]);
    expect(t.matchedGt[5]).toBe(0);
    expectBox(t, 5, [0, 0, logRatio(20, 32), logRatio(20, 32)]);
    expect(t.positives).toBe(5);
  });

  test('two identical GTs: every shared anchor goes to the lower index', () => {
    const t = encodeImageTargets(grid, annotations([[-4, -4, 28, 28, 2], [-4, -4, 28, 28, 1]]));
    expect([...t.classes].filter((c) => c >= 0)).toEqual([2, 2, 2, 2, 2]);
  });

  test('crowd boxes are skipped; the GT indices of the others are kept', () => {
    const t = encodeImageTargets(grid, annotations([[-4, -4, 28, 28, 1, 1], [30, 30, 38, 38, 2]]));
    expect(t.positives).toBe(1);
    expect(t.classes[15]).toBe(2);
    expect(t.matchedGt[15]).toBe(1);
    expect([...t.classes].filter((c) => c === NEGATIVE)).toHaveLength(15);
  });

  test('an ignore band (match 0.7, unmatched 0.5): the 0.6 neighbours are ignored, 0.39 stays negative', () => {
    const t = encodeImageTargets(grid, annotations([[-4, -4, 28, 28, 1]]), { matchThreshold: 0.7, unmatchedThreshold: 0.5 });
    expect(picture(t)).toEqual([
      [-1, IGNORED, -1, -1],
      [IGNORED, 1, IGNORED, -1],
      [-1, IGNORED, -1, -1],
      [-1, -1, -1, -1],
    ]);
    expect(t.positives).toBe(1);
    expect(boxTarget(t, 1)).toEqual([0, 0, 0, 0]);
  });

  test('thresholds out of order are refused', () => {
    expect(() => encodeImageTargets(grid, annotations([]), { matchThreshold: 0.4, unmatchedThreshold: 0.5 })).toThrow(/must not exceed/);
  });

  test('an empty image: every anchor negative, no box targets', () => {
    const t = encodeImageTargets(grid, annotations([]));
    expect([...t.classes]).toEqual(new Array(16).fill(NEGATIVE));
    expect([...t.boxes].every((v) => v === 0)).toBe(true);
    expect(t.positives).toBe(0);
  });

  test('a box of no area matches nothing (not even by force)', () => {
    const t = encodeImageTargets(grid, annotations([[10, 10, 10, 20, 1]]));
    expect(t.positives).toBe(0);
  });

  test('a batch: images back to back, positives summed, the same targets as one at a time', () => {
    const images = [annotations([[-4, -4, 28, 28, 1]]), annotations([]), annotations([[30, 30, 38, 38, 2]])];
    const batch = encodeBatchTargets(grid, images);
    expect(batch.batch).toBe(3);
    expect(batch.anchorCount).toBe(16);
    expect([...batch.positivesPerImage]).toEqual([5, 0, 1]);
    expect(batch.positives).toBe(6);
    images.forEach((image, b) => {
      const one = encodeImageTargets(grid, image);
      expect(batch.classes.subarray(16 * b, 16 * (b + 1))).toEqual(one.classes);
      expect(batch.boxes.subarray(64 * b, 64 * (b + 1))).toEqual(one.boxes);
    });
  });
});

/** The plain definition: the dense IoU matrix, argmax per anchor, argmax per GT, force matches, encoding. */
function denseTargets(layout: ReturnType<typeof headLayout>, image: ImageAnnotations): { classes: Int32Array; boxes: Float64Array } {
  const { boxes: ab, centres } = anchorsFor(layout);
  const n = layout.anchorCount;
  const gts = [...image.classes.keys()].filter((g) => !image.crowd[g]);
  const iou = (a: number, g: number) => {
    const b = image.boxes;
    const iw = Math.min(ab[4 * a + 2], b[4 * g + 2]) - Math.max(ab[4 * a], b[4 * g]);
    const ih = Math.min(ab[4 * a + 3], b[4 * g + 3]) - Math.max(ab[4 * a + 1], b[4 * g + 1]);
    if (iw <= 0 || ih <= 0) return 0;
    const areaA = (ab[4 * a + 2] - ab[4 * a]) * (ab[4 * a + 3] - ab[4 * a + 1]);
    const areaG = (b[4 * g + 2] - b[4 * g]) * (b[4 * g + 3] - b[4 * g + 1]);
    return (iw * ih) / (areaA + areaG - iw * ih);
  };
  const match = new Int32Array(n).fill(-1);
  const gBest = gts.map(() => ({ iou: 0, anchor: -1 }));
  for (let a = 0; a < n; a++) {
    let best = 0;
    gts.forEach((g, i) => {
      const v = iou(a, g);
      if (v > best) { best = v; match[a] = g; }
      if (v > gBest[i].iou) gBest[i] = { iou: v, anchor: a };
    });
    if (best < 0.5) match[a] = -1;
  }
  for (let i = gts.length - 1; i >= 0; i--) if (gBest[i].anchor >= 0) match[gBest[i].anchor] = gts[i];
  const classes = new Int32Array(n).fill(-1);
  const boxes = new Float64Array(4 * n);
  for (let a = 0; a < n; a++) {
    const g = match[a];
    if (g < 0) continue;
    classes[a] = image.classes[g];
    const [x1, y1, x2, y2] = image.boxes.subarray(4 * g, 4 * g + 4);
    const [yca, xca, ha, wa] = centres.subarray(4 * a, 4 * a + 4);
    boxes.set([((y1 + y2) / 2 - yca) / (ha + 1e-8), ((x1 + x2) / 2 - xca) / (wa + 1e-8), Math.log((y2 - y1 + 1e-8) / (ha + 1e-8)), Math.log((x2 - x1 + 1e-8) / (wa + 1e-8))], 4 * a);
  }
  return { classes, boxes };
}

test('the fast matcher agrees with the dense definition on the paper detector at 384² (random boxes, crowd)', () => {
  const layout = headLayout(detector(), 384);
  const random = Random.seeded(14);
  for (let image = 0; image < 2; image++) {
    const rows = Array.from({ length: 12 }, () => {
      const w = 2 * 2 ** random.uniform(0, 7.5); // 2 … 362 px, log-uniform
      const h = w * 2 ** random.uniform(-1.5, 1.5);
      const x = random.uniform(-w / 4, 384 - (3 * w) / 4);
      const y = random.uniform(-h / 4, 384 - (3 * h) / 4);
      return [x, y, x + w, y + h, 1 + random.int(90), random.bernoulli(0.1) ? 1 : 0];
    });
    const image_ = annotations(rows);
    const fast = encodeImageTargets(layout, image_);
    const dense = denseTargets(layout, image_);
    expect(fast.classes).toEqual(dense.classes);
    let worst = 0;
    for (let i = 0; i < dense.boxes.length; i++) worst = Math.max(worst, Math.abs(fast.boxes[i] - dense.boxes[i]));
    expect(worst).toBeLessThan(1e-5);
    expect(fast.positives).toBeGreaterThan(12 * 0.5);
  }
});
