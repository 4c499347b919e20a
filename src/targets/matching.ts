// Training targets for every anchor: which GT box it learns (argmax matching) and the encoded box it regresses
// to ([TPU] `dataloader/anchor.py` AnchorLabeler, `utils/object_detection/argmax_matcher.py`):
//   - IoU of every anchor with every (non-crowd) GT box; an anchor takes the GT of highest IoU, the lowest GT
//     index on a tie (tf.argmax);
//   - IoU ≥ matchThreshold: positive, class target = the GT's class channel, box target = encoded GT box;
//     IoU < unmatchedThreshold: negative (−1); in between: ignored (−2, no class loss). With the default
//     0.5 / 0.5 there is no band;
//   - force match: every GT also claims the anchor of its highest IoU (the lowest anchor index on a tie), even
//     below the thresholds, and over that anchor's own argmax; when several GTs claim one anchor the lowest
//     GT index wins (tf.argmax over the one-hot claims);
//   - crowd boxes are skipped (`skip_crowd_during_training`); negatives and ignored anchors get box target 0.
//
// Departure: a GT whose best IoU is 0 (a box of no area, or outside every anchor) claims nothing. tf.argmax over
// an all-zero row would force-match anchor 0, which is an accident of the op, not a match.
//
// Speed: instead of the dense N × G IoU matrix, each GT visits only the anchors whose boxes can overlap it: per
// level and anchor shape, the grid rows and columns whose centres lie within half an anchor of the box; and
// shapes whose area alone rules out reaching the unmatched threshold only while they could hold the GT's best.
// Pure typed-array code, no tensors.
import type { ImageAnnotations } from '../data/types.js';
import { anchorShape, anchorsFor, type Anchors } from './anchors.js';
import { encodeBox } from './boxcoding.js';
import type { HeadLayout } from './layout.js';
import { MATCH_THRESHOLD, UNMATCHED_THRESHOLD } from '../semantics/defaults.js';

/** Class target of an anchor matched to no GT box: every class channel learns 0. */
export const NEGATIVE = -1;
/** Class target of an anchor in the ignore band: no class loss at all. */
export const IGNORED = -2;

export interface MatchOptions {
  /** IoU at or above which an anchor is positive (default MATCH_THRESHOLD). */
  matchThreshold?: number;
  /** IoU below which an anchor is negative; in between it is ignored (default UNMATCHED_THRESHOLD). */
  unmatchedThreshold?: number;
}

/** Targets of one image, in the flat anchor order. */
export interface ImageTargets {
  /** N: −1 negative, −2 ignored, else the class channel. */
  readonly classes: Int32Array;
  /** N × 4: (ty, tx, th, tw) for positive anchors, 0 elsewhere. */
  readonly boxes: Float32Array;
  /** Number of positive anchors. */
  readonly positives: number;
  /** N: index (into the image's annotations) of the GT each positive anchor learns, −1 elsewhere. */
  readonly matchedGt: Int32Array;
}

/** Targets of a batch: B images' targets back to back, ready for tf.tensor2d([B, N]) / tensor3d([B, N, 4]). */
export interface BatchTargets {
  readonly batch: number;
  readonly anchorCount: number;
  /** B × N class targets (int32). */
  readonly classes: Int32Array;
  /** B × N × 4 box targets. */
  readonly boxes: Float32Array;
  /** Positive anchors per image. */
  readonly positivesPerImage: Int32Array;
  /** Positive anchors over the whole batch: the losses' normaliser is this + 1 ([TPU] `modeling/losses.py` RetinanetClassLoss: num_positives + 1). */
  readonly positives: number;
}

/** Reusable per-anchor scratch for one layout. */
interface Scratch {
  bestIou: Float64Array;
  bestGt: Int32Array;
  /** Anchors whose bestIou became non-zero for the current image (so only they are reset). */
  touched: Int32Array;
  touchedCount: number;
}

const newScratch = (n: number): Scratch =>
  ({ bestIou: new Float64Array(n), bestGt: new Int32Array(n), touched: new Int32Array(n), touchedCount: 0 });

/** Targets of one image (see the file comment). Writes into `into` when given (views of a batch's arrays). */
export function encodeImageTargets(
  layout: HeadLayout, annotations: ImageAnnotations, options: MatchOptions = {},
  into?: { classes: Int32Array; boxes: Float32Array; matchedGt?: Int32Array },
): ImageTargets {
  const n = layout.anchorCount;
  const classes = into?.classes ?? new Int32Array(n);
  const boxes = into?.boxes ?? new Float32Array(4 * n);
  const matchedGt = into?.matchedGt ?? new Int32Array(n);
  const positives = encodeInto(layout, anchorsFor(layout), annotations, thresholds(options), newScratch(n), classes, boxes, matchedGt);
  return { classes, boxes, positives, matchedGt };
}

/** Targets of a batch of images, one `ImageAnnotations` per image (boxes in network-input pixels). */
export function encodeBatchTargets(
  layout: HeadLayout, annotations: readonly ImageAnnotations[], options: MatchOptions = {},
): BatchTargets {
  const n = layout.anchorCount;
  const batch = annotations.length;
  const classes = new Int32Array(batch * n);
  const boxes = new Float32Array(batch * n * 4);
  const matchedGt = new Int32Array(n);
  const positivesPerImage = new Int32Array(batch);
  const anchors = anchorsFor(layout);
  const scratch = newScratch(n);
  const limits = thresholds(options);
  let positives = 0;
  annotations.forEach((image, b) => {
    positivesPerImage[b] = encodeInto(
      layout, anchors, image, limits, scratch,
      classes.subarray(b * n, (b + 1) * n), boxes.subarray(4 * b * n, 4 * (b + 1) * n), matchedGt,
    );
    positives += positivesPerImage[b];
  });
  return { batch, anchorCount: n, classes, boxes, positivesPerImage, positives };
}

/** Relative slack on the area bound of the IoU: far above float32's rounding of anchor corners (~1e-7). */
const BOUND_MARGIN = 1e-5;

/** Anchor width and height per (level, shape), level-major: shapes[levelIndex · A + a]. */
function anchorShapes(layout: HeadLayout): { width: number; height: number }[] {
  return layout.levels.flatMap((level) =>
    Array.from({ length: layout.anchorsPerLocation }, (_, a) => anchorShape(layout, level.stride, a)));
}

function thresholds(options: MatchOptions): { match: number; unmatched: number } {
  const match = options.matchThreshold ?? MATCH_THRESHOLD;
  const unmatched = options.unmatchedThreshold ?? UNMATCHED_THRESHOLD;
  if (!(unmatched <= match)) {
    throw new RangeError(`unmatched threshold ${unmatched} must not exceed the match threshold ${match}`);
  }
  return { match, unmatched };
}

function encodeInto(
  layout: HeadLayout, anchors: Anchors, image: ImageAnnotations, limits: { match: number; unmatched: number },
  scratch: Scratch, classes: Int32Array, boxes: Float32Array, matchedGt: Int32Array,
): number {
  classes.fill(NEGATIVE);
  boxes.fill(0);
  matchedGt.fill(-1);
  const gtCount = image.classes.length;
  if (image.boxes.length !== 4 * gtCount || image.crowd.length !== gtCount) {
    throw new RangeError(`annotations: ${image.boxes.length / 4} boxes, ${gtCount} classes and ${image.crowd.length} crowd flags differ`);
  }

  // 1. Every anchor's best GT (strictly greater IoU replaces, so the lowest GT index keeps a tie), and every
  //    GT's best anchor (the lowest anchor index on a tie).
  const { bestIou, bestGt, touched } = scratch;
  scratch.touchedCount = 0;
  const forcedAnchor = new Int32Array(gtCount).fill(-1);
  const A = layout.anchorsPerLocation;
  const ab = anchors.boxes;
  const shapes = anchorShapes(layout);
  // The GT being matched: its index, corners and area, and the best anchor found for it so far.
  let currentGt = 0, gx1 = 0, gy1 = 0, gx2 = 0, gy2 = 0, gtArea = 0, gBest = 0, gBestAnchor = -1;

  /**
   * Visits the anchors of one level and shape that can overlap the current GT. `perAnchor` false only tracks
   * the GT's best anchor (for shapes whose IoU cannot reach the unmatched threshold, see below).
   */
  const visit = (levelIndex: number, a: number, perAnchor: boolean) => {
    const level = layout.levels[levelIndex];
    const s = level.stride;
    const { width, height } = shapes[levelIndex * A + a];
    // Centres c = s/2 + i·s overlap the box when c ∈ (g1 − half, g2 + half); one index of margin each side
    // absorbs rounding (the IoU below decides).
    const x0 = Math.max(0, Math.floor((gx1 - width / 2 - s / 2) / s));
    const x1 = Math.min(level.width - 1, Math.ceil((gx2 + width / 2 - s / 2) / s));
    const y0 = Math.max(0, Math.floor((gy1 - height / 2 - s / 2) / s));
    const y1 = Math.min(level.height - 1, Math.ceil((gy2 + height / 2 - s / 2) / s));
    for (let y = y0; y <= y1; y++) {
      let n = level.anchorOffset + (y * level.width + x0) * A + a;
      for (let x = x0; x <= x1; x++, n += A) {
        const ax1 = ab[4 * n];
        const ay1 = ab[4 * n + 1];
        const ax2 = ab[4 * n + 2];
        const ay2 = ab[4 * n + 3];
        const iw = Math.min(ax2, gx2) - Math.max(ax1, gx1);
        if (iw <= 0) continue;
        const ih = Math.min(ay2, gy2) - Math.max(ay1, gy1);
        if (ih <= 0) continue;
        const inter = iw * ih;
        const iou = inter / ((ax2 - ax1) * (ay2 - ay1) + gtArea - inter);
        if (perAnchor && iou > bestIou[n]) {
          if (bestIou[n] === 0) touched[scratch.touchedCount++] = n;
          bestIou[n] = iou;
          bestGt[n] = currentGt;
        }
        if (iou > gBest || (iou === gBest && n < gBestAnchor)) {
          gBest = iou;
          gBestAnchor = n;
        }
      }
    }
  };

  // IoU ≤ min(area)/max(area), so an anchor shape far smaller or larger than the GT box can never reach the
  // unmatched threshold: its anchors stay negative whatever their IoU, and they matter only when one of them
  // is the GT's best anchor (force match). Those shapes are visited afterwards, and only while their bound
  // beats the best IoU found so far. (A 512-px box would otherwise visit ~40,000 P3 anchors for nothing.)
  const skipped: number[] = []; // (shape index, area bound) pairs
  for (let g = 0; g < gtCount; g++) {
    if (image.crowd[g]) continue;
    gx1 = image.boxes[4 * g];
    gy1 = image.boxes[4 * g + 1];
    gx2 = image.boxes[4 * g + 2];
    gy2 = image.boxes[4 * g + 3];
    gtArea = (gx2 - gx1) * (gy2 - gy1);
    if (!(gtArea > 0)) continue;
    currentGt = g;
    gBest = 0;
    gBestAnchor = -1;
    skipped.length = 0;
    for (let i = 0; i < shapes.length; i++) {
      const area = shapes[i].width * shapes[i].height;
      // The margin covers the float32 rounding of the stored anchor corners the IoU is computed from.
      const bound = (Math.min(area, gtArea) / Math.max(area, gtArea)) * (1 + BOUND_MARGIN);
      if (bound >= limits.unmatched) visit(Math.floor(i / A), i % A, true);
      else skipped.push(i, bound);
    }
    for (let j = 0; j < skipped.length; j += 2) {
      if (skipped[j + 1] >= gBest) visit(Math.floor(skipped[j] / A), skipped[j] % A, false);
    }
    if (gBestAnchor >= 0) {
      forcedAnchor[g] = gBestAnchor;
      // A best anchor found among the skipped shapes was never recorded per anchor: record it for step 4.
      if (bestIou[gBestAnchor] === 0) {
        touched[scratch.touchedCount++] = gBestAnchor;
        bestIou[gBestAnchor] = Number.MIN_VALUE;
      }
    }
  }

  // 2. Thresholds, for the anchors that overlap some GT (all others stay negative).
  for (let t = 0; t < scratch.touchedCount; t++) {
    const n = touched[t];
    const iou = bestIou[n];
    if (iou >= limits.match) matchedGt[n] = bestGt[n];
    else if (iou >= limits.unmatched) classes[n] = IGNORED;
    bestIou[n] = 0; // reset the scratch for the next image
  }

  // 3. Force matches, highest GT index first so that the lowest index is written last and wins.
  for (let g = gtCount - 1; g >= 0; g--) {
    const n = forcedAnchor[g];
    if (n >= 0) matchedGt[n] = g;
  }

  // 4. Class and box targets of the positives.
  let positives = 0;
  for (let t = 0; t < scratch.touchedCount; t++) {
    const n = touched[t];
    const g = matchedGt[n];
    if (g < 0) continue;
    classes[n] = image.classes[g];
    encodeBox(image.boxes, g, anchors.centres, n, boxes, n);
    positives++;
  }
  return positives;
}
