// Post-processing (reference §9.3): NMS on hand-computed boxes, the whole pipeline on the 4 × 4 grid of 32 × 32
// anchors (helpers.ts), decoding with the size clip, COCO records, and the round trip targets → "perfect"
// outputs → detections that recovers the GT boxes and classes.
import { describe, expect, test } from 'vitest';
import {
  categoryOfChannel, inputExtents, nonMaxSuppression, postprocess, toCocoRecords, type HeadOutputs,
} from '../../src/predict/postprocess.js';
import { decodeBox } from '../../src/targets/boxcoding.js';
import { BOX_DECODE_CLIP } from '../../src/semantics/defaults.js';
import { headLayout, type HeadLayout } from '../../src/targets/layout.js';
import { encodeBatchTargets, type BatchTargets } from '../../src/targets/matching.js';
import { detector } from '../helpers/ir.js';
import { annotations, gridDetector } from '../targets/helpers.js';

const boxes = (rows: number[][]) => Float32Array.from(rows.flat());

describe('nonMaxSuppression', () => {
  test('suppresses IoU > 0.5 with a kept box; exactly 0.5 survives', () => {
    const sorted = boxes([
      [0, 0, 10, 10],
      [1, 0, 11, 10], // IoU with 0: 90/110 = 0.82 → suppressed
      [5, 0, 15, 10], // 50/150 = 0.33 → kept
      [0, 0, 10, 20], // with 0: 100/200 = 0.5 exactly → kept; with 2: 50/250
    ]);
    expect(nonMaxSuppression(sorted, 4, 0.5, 100)).toEqual([0, 2, 3]);
  });

  test('only kept boxes suppress: a box overlapping a suppressed one survives', () => {
    const sorted = boxes([
      [0, 0, 10, 10],
      [2, 0, 12, 10], // 80/120 = 0.67 with 0 → suppressed
      [5, 0, 15, 10], // 0.33 with 0; 70/130 = 0.54 with the suppressed 1 → kept
    ]);
    expect(nonMaxSuppression(sorted, 3, 0.5, 100)).toEqual([0, 2]);
  });

  test('stops at maxKept; disjoint boxes are all kept', () => {
    const sorted = boxes([[0, 0, 1, 1], [2, 2, 3, 3], [4, 4, 5, 5]]);
    expect(nonMaxSuppression(sorted, 3, 0.5, 2)).toEqual([0, 1]);
    expect(nonMaxSuppression(sorted, 3, 0.5, 100)).toEqual([0, 1, 2]);
  });
});

test('decoding inverts the coding and clips th, tw at log(1000/16)', () => {
  const anchor = Float32Array.from([4, 4, 32, 32]); // yc, xc, h, w
  const out = new Float32Array(4);
  decodeBox([0.5, -0.25, 10, Math.log(2)], 0, anchor, 0, out, 0);
  const h = 32 * Math.exp(BOX_DECODE_CLIP); // 2000, not 32·e^10
  expect(h).toBeCloseTo(2000, 6);
  // yc = 4 + 0.5·32 = 20, xc = 4 − 0.25·32 = −4, w = 64.
  expect(Array.from(out)).toEqual([-36, 20 - h / 2, 28, 20 + h / 2].map((v) => Math.fround(v)));
});

/** Head outputs for the grid layout: logits −10 except `scores` [anchor, channel, logit]; box codes 0. */
function gridOutputs(logitsAt: [number, number, number][]): HeadOutputs {
  const logits = new Float32Array(16 * 3).fill(-10);
  for (const [n, k, x] of logitsAt) logits[3 * n + k] = x;
  return { batch: 1, classLogits: [logits], boxCodes: [new Float32Array(64)] };
}

describe('postprocess on the 4 × 4 grid', () => {
  const grid = headLayout(gridDetector());
  const detections = [
    [5, 1, 2], // σ(2) = 0.881, box [−4, −4, 28, 28] → clipped [0, 0, 28, 28]
    [6, 1, 1], // σ(1) = 0.731, [4, 0, 32, 28]: IoU 672/896 = 0.75 with anchor 5's → suppressed
    [6, 2, 0], // class 2: its own NMS → kept, 0.5
    [15, 2, -2.9], // σ(−2.9) = 0.0522 > 0.05, [12, 12, 32, 32]: IoU 320/864 with anchor 6's → kept
    [0, 1, -3], // σ(−3) = 0.0474 < 0.05 → dropped
    [0, 0, 5], // channel 0 is the background → never a detection
  ] as [number, number, number][];

  test('sigmoid, per-class NMS, threshold, background dropped, best first, clipped to the input', () => {
    const [image] = postprocess(grid, gridOutputs(detections));
    expect(image.count).toBe(3);
    expect(Array.from(image.classes)).toEqual([1, 2, 2]);
    [1 / (1 + Math.exp(-2)), 0.5, 1 / (1 + Math.exp(2.9))].forEach((score, i) => expect(image.scores[i]).toBeCloseTo(score, 6));
    expect(Array.from(image.boxes)).toEqual([0, 0, 28, 28, 4, 0, 32, 28, 12, 12, 32, 32]);
  });

  test('the per-image cap, the per-class top-k and the clip size', () => {
    expect(postprocess(grid, gridOutputs(detections), undefined, { maxDetections: 2 })[0].count).toBe(2);
    // Top 1 per class before NMS: anchor 5 for class 1, anchor 6 for class 2.
    const [top1] = postprocess(grid, gridOutputs(detections), undefined, { preNmsTopK: 1 });
    expect(Array.from(top1.classes)).toEqual([1, 2]);
    // An image 20 wide and 30 high in the 32 × 32 input (the rest is padding).
    const [clipped] = postprocess(grid, gridOutputs(detections), [[20, 30]]);
    expect(Array.from(clipped.boxes.subarray(0, 4))).toEqual([0, 0, 20, 28]);
  });

  test('clip sizes of a batch: the scaled original image inside the padded input', () => {
    const batch = {
      batch: 2, size: 640, images: new Float32Array(0), targets: [], imageIds: [1, 2],
      scales: Float32Array.from([0.5, 1.25]), originalSizes: [[1280, 960], [500, 400]] as [number, number][],
    };
    expect(inputExtents(batch)).toEqual([[640, 480], [625, 500]]);
  });

  test('outputs that do not fit the layout are refused', () => {
    expect(() => postprocess(grid, { batch: 2, classLogits: [new Float32Array(48)], boxCodes: [new Float32Array(64)] })).toThrow(/do not fit/);
  });
});

describe('COCO records', () => {
  const image = { count: 2, boxes: Float32Array.from([0, 0, 28, 28, 4, 2, 32, 30]), scores: Float32Array.from([0.9, 0.5]), classes: Int32Array.from([1, 2]) };

  test('boxes back to original pixels as [x, y, w, h], channels to category ids', () => {
    const records = toCocoRecords([image], [397133], [0.5], { kind: 'contiguous', categoryIds: [7, 42] });
    expect(records).toEqual([
      { image_id: 397133, category_id: 7, bbox: [0, 0, 56, 56], score: Math.fround(0.9) },
      { image_id: 397133, category_id: 42, bbox: [8, 4, 56, 56], score: 0.5 },
    ]);
    expect(toCocoRecords([image], [1], [1], { kind: 'coco91' }).map((r) => r.category_id)).toEqual([1, 2]);
  });

  test('channels without a category: background and out of range', () => {
    expect(categoryOfChannel({ kind: 'coco91' }, 0)).toBeNull();
    expect(categoryOfChannel({ kind: 'contiguous', categoryIds: [7] }, 2)).toBeNull();
    expect(() => toCocoRecords([image], [1], [1], { kind: 'contiguous', categoryIds: [7] })).toThrow(/channel 2 has no category/);
  });
});

/** The outputs a perfect model would give: logit +10 at each positive's class, −10 elsewhere; box codes = targets. */
function perfectOutputs(layout: HeadLayout, targets: BatchTargets): HeadOutputs {
  const K = layout.classes;
  const N = layout.anchorCount;
  const classLogits = layout.levels.map((l) => new Float32Array(targets.batch * l.anchorCount * K).fill(-10));
  const boxCodes = layout.levels.map((l) => new Float32Array(targets.batch * l.anchorCount * 4));
  for (let b = 0; b < targets.batch; b++) {
    layout.levels.forEach((level, i) => {
      for (let j = 0; j < level.anchorCount; j++) {
        const n = b * N + level.anchorOffset + j;
        const local = b * level.anchorCount + j;
        const cls = targets.classes[n];
        if (cls >= 0) classLogits[i][local * K + cls] = 10;
        boxCodes[i].set(targets.boxes.subarray(4 * n, 4 * n + 4), 4 * local);
      }
    });
  }
  return { batch: targets.batch, classLogits, boxCodes };
}

test('round trip: targets of GT boxes → perfect outputs → the GT boxes and classes back, in original pixels', () => {
  const layout = headLayout(detector(), 256); // 5 levels, 9 anchors a location, K = 91
  const gts = [
    annotations([[20, 30, 60, 50, 1], [100, 100, 220, 180, 18], [150, 20, 158, 40, 90], [10, 150, 80, 250, 1]]),
    annotations([[0, 0, 256, 256, 62], [30, 30, 45, 45, 3, 1]]), // the crowd box is no target, so no detection
  ];
  const targets = encodeBatchTargets(layout, gts);
  const detections = postprocess(layout, perfectOutputs(layout, targets));
  expect(detections.map((d) => d.count)).toEqual([4, 1]);
  detections.forEach((image, b) => {
    const wanted = [...gts[b].classes.keys()].filter((g) => !gts[b].crowd[g]);
    // Best first with equal scores: compare as sets, matched by class and box.
    const found = Array.from({ length: image.count }, (_, i) => [image.classes[i], ...image.boxes.subarray(4 * i, 4 * i + 4)]);
    const expected = wanted.map((g) => [gts[b].classes[g], ...gts[b].boxes.subarray(4 * g, 4 * g + 4)]);
    const key = (r: number[]) => r.map((v) => v.toFixed(2)).join(',');
    expect(found.map(key).sort()).toEqual(expected.map(key).sort());
  });
  // The same detections as COCO records of images scaled by 0.4 (256 input px for 640 original px).
  const records = toCocoRecords(detections, [11, 12], [0.4, 0.4], { kind: 'coco91' });
  const horse = records.find((r) => r.category_id === 18)!;
  horse.bbox.forEach((v, i) => expect(v).toBeCloseTo([250, 250, 300, 200][i], 3));
  expect(records.filter((r) => r.image_id === 12).map((r) => r.category_id)).toEqual([62]);
});
