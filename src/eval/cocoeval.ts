// pycocotools' COCOeval for bounding boxes, phase for phase (cocoeval.py: evaluate → evaluateImg, accumulate;
// summarize lives in summary.ts), on typed-array columns instead of per-annotation dicts.
//
// What is kept exactly, because it changes the numbers:
// - GT `ignore` is COCOeval's: `_prepare` overwrites the file's `ignore` with `iscrowd`, so only crowd GT and GT
//   outside the area range are ignored (the file's `ignore` field has no effect, as in pycocotools).
// - Detections of one (image, category) are sorted by score with a stable sort (numpy mergesort: ties keep
//   their input order) and cut to the largest maxDets; IoUs are computed once per (image, category).
// - GT are sorted so that ignored ones come last (stably), per area range.
// - Matching is greedy in score order; a match needs IoU ≥ min(threshold, 1 − 1e−10); crowd GT match by
//   intersection over the detection's area and are never consumed; once a detection holds a regular GT it stops
//   at the first ignored one.
// - A detection "matched" in accumulate means its matched GT id is non-zero (numpy truthiness of dtMatches), so a
//   GT with id 0 counts as no match there, as in pycocotools.
// - Unmatched detections outside the area range (by w·h, loadRes's area) are ignored.
// - accumulate sorts all detections of a category stably by score (image order, then rank within the image
//   break ties), makes precision monotone from the right and samples it at the 101 recall thresholds with
//   searchsorted(side='left'); −1 stays where a category/area has no non-ignored GT.
import type { CocoDetections, CocoGroundTruth } from '../coco/types.js';
import type { CocoEvalParams } from './params.js';

// [COCO] cocoeval.py evaluateImg: `iou = min([t, 1-1e-10])`, so a threshold of 1 still matches IoU ≈ 1.
const MAX_IOU_THRESHOLD = 1 - 1e-10;
// [COCO] cocoeval.py accumulate: `pr = tp / (fp+tp+np.spacing(1))`; np.spacing(1) is 2^-52.
const NP_SPACING_1 = 2 ** -52;

/** What one detection is at one (area range, IoU threshold) after matching. */
const FALSE_POSITIVE = 0;
const TRUE_POSITIVE = 1;
const IGNORED = 2;

/**
 * Accumulated results, laid out in C order as numpy's arrays are.
 *   precision  - [T×R×K×A×M] precision for every evaluation setting
 *   recall     - [T×K×A×M]   max recall for every evaluation setting
 *   scores     - [T×R×K×A×M] score of the detection where each recall threshold is reached
 * precision and recall are −1 for settings with no (non-ignored) GT.
 */
export interface CocoEvalResult {
  readonly params: CocoEvalParams;
  /** [T, R, K, A, M]; K is 1 when categories are pooled (useCats false). */
  readonly counts: readonly [number, number, number, number, number];
  readonly precision: Float64Array;
  readonly recall: Float64Array;
  readonly scores: Float64Array;
  /** [K×A] non-ignored GT per category and area range (COCOeval's npig). */
  readonly gtCounts: Int32Array;
}

/**
 * The outcome of `evaluate` for every kept detection (per image and category, the top maxDets[-1] by score),
 * stored category by category, images in `imgIds` order, then by rank: what accumulate needs of evalImgs.
 */
export interface MatchedDetections {
  /** Rows of category k are [categoryStart[k], categoryStart[k + 1]). */
  readonly categoryStart: Int32Array;
  readonly scores: Float64Array;
  /** Rank of the detection among its (image, category)'s detections, 0 = highest score. */
  readonly ranks: Int32Array;
  /** [N×A×T] FALSE_POSITIVE, TRUE_POSITIVE or IGNORED. */
  readonly outcomes: Uint8Array;
  /** [K×A] non-ignored GT. */
  readonly gtCounts: Int32Array;
}

/** Rows of a column table grouped by key with a counting sort (stable: rows keep file order within a key). */
interface Grouped {
  /** Rows with key k are rows[start[k] .. start[k + 1]). */
  readonly start: Int32Array;
  readonly rows: Int32Array;
}

function groupByKey(keys: Int32Array, keyCount: number): Grouped {
  const start = new Int32Array(keyCount + 1);
  let kept = 0;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] >= 0) {
      start[keys[i] + 1]++;
      kept++;
    }
  }
  for (let k = 0; k < keyCount; k++) start[k + 1] += start[k];
  const fill = start.slice(0, keyCount);
  const rows = new Int32Array(kept);
  for (let i = 0; i < keys.length; i++) if (keys[i] >= 0) rows[fill[keys[i]]++] = i;
  return { start, rows };
}

/**
 * How annotations are grouped into COCOeval's cells. With useCats a cell is one (category, image) and rows keep
 * file order; pooled, a cell is one image and rows go category by category in `catIds` order (COCOeval
 * concatenates `_gts[imgId, cId] for cId in catIds`). Returns per row its sort key, −1 for rows not evaluated.
 */
function cellKeys(
  count: number, imageIds: Float64Array, categoryIds: Int32Array,
  imageIndex: IdIndex, categoryIndex: IdIndex, params: CocoEvalParams,
): Int32Array {
  const I = params.imgIds.length;
  const C = params.catIds.length;
  const keys = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const image = imageIndex.get(imageIds[i]);
    const category = categoryIndex.get(categoryIds[i]);
    keys[i] = image < 0 || category < 0 ? -1
      : params.useCats ? category * I + image : image * C + category;
  }
  return keys;
}

/** Position of an id in a list of ids (−1 when absent): a dense table for small non-negative integer ids, else a Map. */
class IdIndex {
  // Ids up to this get a table (4 bytes each); COCO's image ids go to ~600,000.
  private static readonly DENSE_LIMIT = 1 << 24;
  // Exactly one of the two is set.
  private readonly table: Int32Array | null = null;
  private readonly map: Map<number, number> | null = null;

  constructor(ids: readonly number[]) {
    const max = ids.reduce((m, id) => Math.max(m, id), -1);
    if (ids.every((id) => Number.isInteger(id) && id >= 0) && max < IdIndex.DENSE_LIMIT) {
      const table = new Int32Array(max + 1).fill(-1);
      ids.forEach((id, i) => (table[id] = i));
      this.table = table;
    } else {
      this.map = new Map(ids.map((id, i) => [id, i]));
    }
  }

  get(id: number): number {
    if (this.table) return id >= 0 && id < this.table.length && Number.isInteger(id) ? this.table[id]! : -1;
    return this.map!.get(id) ?? -1;
  }
}

/** loadRes's check: every detection's image must be in the ground truth. Throws a RangeError naming the first. */
export function checkDetectionImages(gt: CocoGroundTruth, dt: CocoDetections): void {
  const known = new Set<number>(gt.images.ids);
  for (let i = 0; i < dt.count; i++) {
    if (!known.has(dt.imageIds[i])) {
      throw new RangeError(`detection ${i} has image_id ${dt.imageIds[i]}, which is not an image of the ground truth`);
    }
  }
}

/** Grows a scratch array to at least `n` entries (contents are not kept). */
function atLeast<T extends Float64Array | Int32Array | Uint8Array>(array: T, n: number, make: (n: number) => T): T {
  return array.length >= n ? array : make(Math.max(n, 2 * array.length));
}

/**
 * Sorts positions 0..count−1 of a cell's detections by score, highest first, ties by position (a stable sort,
 * as numpy's mergesort): insertion sort for the few detections most cells have, the engine's sort otherwise.
 */
function sortByScore(order: Int32Array, count: number, scores: Float64Array, rows: Int32Array, first: number): void {
  for (let i = 0; i < count; i++) order[i] = i;
  if (count <= 16) {
    for (let i = 1; i < count; i++) {
      const position = order[i];
      const score = scores[rows[first + position]];
      let j = i - 1;
      while (j >= 0 && scores[rows[first + order[j]]] < score) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = position;
    }
  } else {
    order.subarray(0, count).sort((a, b) => scores[rows[first + b]] - scores[rows[first + a]] || a - b);
  }
}

/** COCOeval.evaluate: match detections to GT in every (image, category) and area range at every threshold. */
export function evaluateImages(gt: CocoGroundTruth, dt: CocoDetections, params: CocoEvalParams): MatchedDetections {
  const I = params.imgIds.length;
  const C = params.catIds.length;
  const K = params.useCats ? C : 1;
  const A = params.areaRanges.length;
  const T = params.iouThrs.length;
  const maxDet = params.maxDets[params.maxDets.length - 1];
  const imageIndex = new IdIndex(params.imgIds);
  const categoryIndex = new IdIndex(params.catIds);
  const areaMin = Float64Array.from(params.areaRanges, (r) => r.min);
  const areaMax = Float64Array.from(params.areaRanges, (r) => r.max);

  const ann = gt.annotations;
  // A cell's rows span `stride` keys: one with useCats, the C categories of the image when pooled.
  const stride = params.useCats ? 1 : C;
  const cellCount = params.useCats ? K * I : I;
  const gtGroups = groupByKey(cellKeys(ann.count, ann.imageIds, ann.categoryIds, imageIndex, categoryIndex, params), I * C);
  const dtGroups = groupByKey(cellKeys(dt.count, dt.imageIds, dt.categoryIds, imageIndex, categoryIndex, params), I * C);

  // Upper bound on kept detections: per cell min(D, maxDet).
  let kept = 0;
  for (let cell = 0; cell < cellCount; cell++) {
    kept += Math.min(dtGroups.start[(cell + 1) * stride] - dtGroups.start[cell * stride], maxDet);
  }
  const scores = new Float64Array(kept);
  const ranks = new Int32Array(kept);
  const outcomes = new Uint8Array(kept * A * T);
  const gtCounts = new Int32Array(K * A);
  const categoryStart = new Int32Array(K + 1);

  const iouThresholds = params.iouThrs.map((t) => Math.min(t, MAX_IOU_THRESHOLD));
  let order = new Int32Array(64); // detection positions within the cell, by score
  let ious = new Float64Array(64); // [D×G], GT in cell order
  let gtOrder = new Int32Array(64); // GT positions, regular first, then ignored
  let gtIgnored = new Uint8Array(64);
  let gtMatched = new Uint8Array(64);
  let n = 0;
  for (let cell = 0; cell < cellCount; cell++) {
    const k = params.useCats ? Math.floor(cell / I) : 0;
    if (cell % I === 0) categoryStart[k] = n; // cells go category by category (one category when pooled)
    const g0 = gtGroups.start[cell * stride];
    const G = gtGroups.start[(cell + 1) * stride] - g0;
    const d0 = dtGroups.start[cell * stride];
    const allD = dtGroups.start[(cell + 1) * stride] - d0;
    if (G === 0 && allD === 0) continue; // evaluateImg returns None

    // Detections by score, highest first; ties keep their position in the cell (mergesort is stable).
    order = atLeast(order, allD, (m) => new Int32Array(m));
    const dtRows = dtGroups.rows;
    const dtScores = dt.scores;
    sortByScore(order, allD, dtScores, dtRows, d0);
    const D = Math.min(allD, maxDet);

    // IoU of every kept detection with every GT (maskApi.c bbIou), once for all area ranges and thresholds.
    ious = atLeast(ious, D * G, (m) => new Float64Array(m));
    const gtRows = gtGroups.rows;
    for (let d = 0; d < D; d++) {
      const row = dtRows[d0 + order[d]];
      const dx = dt.bboxes[4 * row], dy = dt.bboxes[4 * row + 1], dw = dt.bboxes[4 * row + 2], dh = dt.bboxes[4 * row + 3];
      const dArea = dw * dh;
      for (let g = 0; g < G; g++) {
        const grow = gtRows[g0 + g];
        const gx = ann.bboxes[4 * grow], gy = ann.bboxes[4 * grow + 1], gw = ann.bboxes[4 * grow + 2], gh = ann.bboxes[4 * grow + 3];
        let iou = 0;
        const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
        if (w > 0) {
          const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
          if (h > 0) {
            const inter = w * h;
            const union = ann.iscrowd[grow] ? dArea : dArea + gw * gh - inter;
            iou = inter / union;
          }
        }
        ious[d * G + g] = iou;
      }
    }

    // Scores and ranks of the kept detections, then their outcome per area range and threshold.
    for (let d = 0; d < D; d++) {
      scores[n + d] = dtScores[dtRows[d0 + order[d]]];
      ranks[n + d] = d;
    }
    if (G === 0) {
      // No GT: every detection is a false positive, or ignored when outside the area range, at every threshold.
      for (let d = 0; d < D; d++) {
        const row = dtRows[d0 + order[d]];
        const area = dt.bboxes[4 * row + 2] * dt.bboxes[4 * row + 3];
        for (let a = 0; a < A; a++) {
          const outcome = area < areaMin[a] || area > areaMax[a] ? IGNORED : FALSE_POSITIVE;
          const from = ((n + d) * A + a) * T;
          for (let t = 0; t < T; t++) outcomes[from + t] = outcome;
        }
      }
      n += D;
      continue;
    }
    gtOrder = atLeast(gtOrder, G, (m) => new Int32Array(m));
    gtIgnored = atLeast(gtIgnored, G, (m) => new Uint8Array(m));
    gtMatched = atLeast(gtMatched, G, (m) => new Uint8Array(m));
    for (let a = 0; a < A; a++) {
      const min = areaMin[a];
      const max = areaMax[a];
      let regular = 0;
      for (let g = 0; g < G; g++) {
        const row = gtRows[g0 + g];
        const area = ann.areas[row];
        gtIgnored[g] = ann.iscrowd[row] || area < min || area > max ? 1 : 0;
        if (!gtIgnored[g]) regular++;
      }
      gtCounts[k * A + a] += regular;
      // Regular GT first, then ignored ones, each in cell order (a stable argsort of the ignore flags).
      let front = 0;
      let back = regular;
      for (let g = 0; g < G; g++) gtOrder[gtIgnored[g] ? back++ : front++] = g;

      for (let t = 0; t < T; t++) {
        for (let g = 0; g < G; g++) gtMatched[g] = 0;
        for (let d = 0; d < D; d++) {
          let best = iouThresholds[t];
          let match = -1;
          for (let j = 0; j < G; j++) {
            const g = gtOrder[j];
            const crowd = ann.iscrowd[gtRows[g0 + g]] !== 0;
            if (gtMatched[g] && !crowd) continue; // a regular GT is taken by one detection only
            if (match > -1 && !gtIgnored[match] && gtIgnored[g]) break; // holds a regular GT; the rest are ignored
            const iou = ious[d * G + g];
            if (iou < best) continue;
            best = iou;
            match = g;
          }
          let outcome: number;
          if (match === -1) {
            const row = dtRows[d0 + order[d]];
            const area = dt.bboxes[4 * row + 2] * dt.bboxes[4 * row + 3];
            outcome = area < min || area > max ? IGNORED : FALSE_POSITIVE;
          } else {
            gtMatched[match] = 1;
            if (gtIgnored[match]) {
              outcome = IGNORED;
            } else if (ann.ids[gtRows[g0 + match]] !== 0) {
              outcome = TRUE_POSITIVE;
            } else {
              // dtMatches holds the GT id, 0 here: accumulate sees no match (and the area rule applies).
              const row = dtRows[d0 + order[d]];
              const area = dt.bboxes[4 * row + 2] * dt.bboxes[4 * row + 3];
              outcome = area < min || area > max ? IGNORED : FALSE_POSITIVE;
            }
          }
          outcomes[((n + d) * A + a) * T + t] = outcome;
        }
      }
    }
    n += D;
  }
  categoryStart[K] = n;
  return { categoryStart, scores: scores.subarray(0, n), ranks: ranks.subarray(0, n), outcomes, gtCounts };
}

/**
 * Rows start..start+count−1 ordered by score, highest first, ties in row order (a stable sort, as numpy's
 * mergesort of −score), into `sorted`. The engine's native numeric sort orders the distinct scores; a counting
 * sort then places the rows by their score's rank, in row order. Much faster than a comparator sort.
 */
function stableSortByScore(
  scores: Float64Array, start: number, count: number,
  sorted: Int32Array, distinct: Float64Array, bucketOf: Int32Array, bucketStart: Int32Array,
): void {
  const values = distinct.subarray(0, count);
  values.set(scores.subarray(start, start + count));
  values.sort(); // ascending
  let unique = 0;
  for (let i = 0; i < count; i++) if (unique === 0 || values[i] !== values[unique - 1]) values[unique++] = values[i];
  bucketStart.fill(0, 0, unique + 1);
  for (let i = 0; i < count; i++) {
    // Binary search for the score among the distinct values; bucket 0 is the highest score.
    const score = scores[start + i];
    let lo = 0;
    let hi = unique - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[mid] < score) lo = mid + 1;
      else hi = mid;
    }
    const bucket = unique - 1 - lo;
    bucketOf[i] = bucket;
    bucketStart[bucket + 1]++;
  }
  for (let b = 0; b < unique; b++) bucketStart[b + 1] += bucketStart[b];
  for (let i = 0; i < count; i++) sorted[bucketStart[bucketOf[i]]++] = start + i;
}

/**
 * COCOeval.accumulate: precision at the recall thresholds and the final recall, per threshold, category, area,
 * maxDets.
 *
 * pycocotools builds rc and pr for every sorted detection, makes pr monotone from the right and reads it at
 * searchsorted(rc, recThrs, 'left'). The same numbers come from the true positives alone: rc only rises at a
 * true positive, so the first index with rc ≥ r > 0 is a true positive; and between true positives pr only falls
 * (fp grows, tp stays) or stays (ignored detections), so the envelope at a true positive is the maximum of pr
 * over the true positives from there on. At r = 0 the index is 0 and the envelope is the maximum of all pr (0
 * when there is no true positive). Every pr and rc is the same expression as pycocotools', so the same double.
 */
export function accumulate(matched: MatchedDetections, params: CocoEvalParams): CocoEvalResult {
  const T = params.iouThrs.length;
  const R = params.recThrs.length;
  const K = params.useCats ? params.catIds.length : 1;
  const A = params.areaRanges.length;
  const M = params.maxDets.length;
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const scores = new Float64Array(T * R * K * A * M).fill(-1);
  const { categoryStart, ranks, outcomes, gtCounts } = matched;
  const detScores = matched.scores;
  const recThrs = params.recThrs;

  const AT = A * T;
  let sorted = new Int32Array(0); // a category's detections by score
  let distinct = new Float64Array(0); // scratch for the sort
  let bucketOf = new Int32Array(0);
  let bucketStart = new Int32Array(0);
  // The category's detections in score order: rank, score, and their A×T outcomes, contiguous.
  let sortedRanks = new Int32Array(0);
  let sortedScores = new Float64Array(0);
  let sortedOutcomes = new Uint8Array(0);
  // Per threshold t, the true positives in score order: [T × count] position, recall, precision.
  let tpPosition = new Int32Array(0);
  let tpRecall = new Float64Array(0);
  let tpPrecision = new Float64Array(0);
  const tpCount = new Int32Array(T);
  const fpCount = new Int32Array(T);
  for (let k = 0; k < K; k++) {
    const start = categoryStart[k];
    const count = categoryStart[k + 1] - start;
    // One stable sort per category: rows are in (image, rank) order, so ties keep the order of
    // np.concatenate over images that COCOeval's mergesort keeps. Each maxDets takes a subsequence of it.
    sorted = atLeast(sorted, count, (m) => new Int32Array(m));
    distinct = atLeast(distinct, count, (m) => new Float64Array(m));
    bucketOf = atLeast(bucketOf, count, (m) => new Int32Array(m));
    bucketStart = atLeast(bucketStart, count + 1, (m) => new Int32Array(m));
    stableSortByScore(detScores, start, count, sorted, distinct, bucketOf, bucketStart);
    sortedRanks = atLeast(sortedRanks, count, (m) => new Int32Array(m));
    sortedScores = atLeast(sortedScores, count, (m) => new Float64Array(m));
    sortedOutcomes = atLeast(sortedOutcomes, count * AT, (m) => new Uint8Array(m));
    for (let i = 0; i < count; i++) {
      const row = sorted[i];
      sortedRanks[i] = ranks[row];
      sortedScores[i] = detScores[row];
      for (let j = 0; j < AT; j++) sortedOutcomes[i * AT + j] = outcomes[row * AT + j];
    }
    tpPosition = atLeast(tpPosition, T * count, (m) => new Int32Array(m));
    tpRecall = atLeast(tpRecall, T * count, (m) => new Float64Array(m));
    tpPrecision = atLeast(tpPrecision, T * count, (m) => new Float64Array(m));
    for (let m = 0; m < M; m++) {
      const maxDet = params.maxDets[m];
      // nd: detections within maxDets; the first of them (searchsorted's index 0).
      let nd = 0;
      let firstKept = -1;
      for (let i = 0; i < count; i++) {
        if (sortedRanks[i] >= maxDet) continue;
        if (nd === 0) firstKept = i;
        nd++;
      }
      for (let a = 0; a < A; a++) {
        const npig = gtCounts[k * A + a];
        if (npig === 0) continue; // precision and recall stay −1
        // One pass over the sorted detections for all thresholds.
        tpCount.fill(0);
        fpCount.fill(0);
        for (let i = 0; i < count; i++) {
          if (sortedRanks[i] >= maxDet) continue;
          const from = i * AT + a * T;
          for (let t = 0; t < T; t++) {
            const outcome = sortedOutcomes[from + t];
            if (outcome === TRUE_POSITIVE) {
              const tp = ++tpCount[t];
              const at = t * count + tp - 1;
              tpPosition[at] = i;
              tpRecall[at] = tp / npig;
              tpPrecision[at] = tp / (fpCount[t] + tp + NP_SPACING_1);
            } else if (outcome === FALSE_POSITIVE) {
              fpCount[t]++;
            }
          }
        }
        for (let t = 0; t < T; t++) {
          const first = t * count;
          const tps = tpCount[t];
          recall[((t * K + k) * A + a) * M + m] = nd ? tps / npig : 0;
          // Precision made monotone from the right, at the true positives (see above).
          for (let j = first + tps - 2; j >= first; j--) if (tpPrecision[j + 1] > tpPrecision[j]) tpPrecision[j] = tpPrecision[j + 1];
          let j = 0;
          for (let r = 0; r < R; r++) {
            const at = (((t * R + r) * K + k) * A + a) * M + m;
            if (recThrs[r] <= 0) {
              // searchsorted gives index 0: the envelope there is the best precision of all.
              precision[at] = nd && tps ? tpPrecision[first] : 0;
              scores[at] = nd ? sortedScores[firstKept] : 0;
              continue;
            }
            while (j < tps && tpRecall[first + j] < recThrs[r]) j++;
            // Past the last recall reached, precision (and score) stay 0.
            precision[at] = j < tps ? tpPrecision[first + j] : 0;
            scores[at] = j < tps ? sortedScores[tpPosition[first + j]] : 0;
          }
        }
      }
    }
  }
  return { params, counts: [T, R, K, A, M], precision, recall, scores, gtCounts };
}

/**
 * COCOeval(gt, dt, 'bbox') → evaluate() → accumulate(), from columns. Detections whose image or category is not
 * evaluated are left out (as COCOeval's getAnnIds does); a detection on an image that is not in the ground
 * truth is an error (loadRes's assertion), thrown as a RangeError naming it.
 */
export function evaluateCoco(gt: CocoGroundTruth, dt: CocoDetections, params: CocoEvalParams): CocoEvalResult {
  checkDetectionImages(gt, dt);
  return accumulate(evaluateImages(gt, dt, params), params);
}
