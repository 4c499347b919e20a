// In-process evaluation in detectron2's shape: `reset()`, `process(imageId, detections)` once per predicted
// image, `evaluate()`. Detections are collected into growing typed-array columns (no per-detection objects), so
// training and the search can score a model without writing a results file.
import type { CocoDetections, CocoGroundTruth } from '../coco/types.js';
import { evaluateCoco, type CocoEvalResult } from './cocoeval.js';
import { makeParams, type CocoEvalParams, type CocoEvalParamsInput } from './params.js';
import { perCategory, summarize, type CategoryRow, type CocoSummary } from './summary.js';

/** One image's detections: n boxes as COCO [x, y, w, h] in the original image's pixels. */
export interface ImageDetections {
  /** n × 4, [x, y, w, h]. */
  readonly boxes: ArrayLike<number>;
  readonly scores: ArrayLike<number>;
  /** COCO category ids (not contiguous class indices). */
  readonly categoryIds: ArrayLike<number>;
}

/** What an evaluation gives: COCOeval's accumulated arrays, the 12 numbers and the per-category table. */
export interface CocoEvaluation {
  readonly result: CocoEvalResult;
  readonly summary: CocoSummary;
  readonly perCategory: CategoryRow[];
}

/** COCOeval on columns, summarised: the plain-function form of `CocoEvaluator`. */
export function evaluateDetections(gt: CocoGroundTruth, dt: CocoDetections, params: CocoEvalParams = makeParams(gt)): CocoEvaluation {
  const result = evaluateCoco(gt, dt, params);
  const names = new Map<number, string>();
  gt.categories.ids.forEach((id, i) => names.set(id, gt.categories.names[i]));
  return { result, summary: summarize(result), perCategory: perCategory(result, names) };
}

const INITIAL_CAPACITY = 1024;

export class CocoEvaluator {
  private readonly params: CocoEvalParams;
  private readonly imageIds: Set<number>;
  private count = 0;
  private imageIdColumn = new Float64Array(INITIAL_CAPACITY);
  private categoryIdColumn = new Int32Array(INITIAL_CAPACITY);
  private boxColumn = new Float64Array(4 * INITIAL_CAPACITY);
  private scoreColumn = new Float64Array(INITIAL_CAPACITY);

  constructor(private readonly gt: CocoGroundTruth, params: CocoEvalParamsInput = {}) {
    this.params = makeParams(gt, params);
    this.imageIds = new Set(gt.images.ids);
  }

  /** Forgets every detection processed so far. */
  reset(): void {
    this.count = 0;
  }

  /** Adds one image's detections. An image the ground truth does not have is a RangeError (as loadRes's check). */
  process(imageId: number, detections: ImageDetections): void {
    if (!this.imageIds.has(imageId)) throw new RangeError(`image ${imageId} is not an image of ${this.gt.path}`);
    const n = detections.scores.length;
    if (detections.categoryIds.length !== n || detections.boxes.length !== 4 * n) {
      throw new RangeError(`image ${imageId}: ${n} scores, ${detections.categoryIds.length} category ids and ${detections.boxes.length / 4} boxes`);
    }
    this.reserve(this.count + n);
    for (let i = 0; i < n; i++) {
      const at = this.count + i;
      this.imageIdColumn[at] = imageId;
      this.categoryIdColumn[at] = detections.categoryIds[i];
      this.scoreColumn[at] = detections.scores[i];
      for (let c = 0; c < 4; c++) this.boxColumn[4 * at + c] = detections.boxes[4 * i + c];
    }
    this.count += n;
  }

  /** The detections processed so far, as the columns a results file would give. */
  detections(): CocoDetections {
    return {
      path: '(in-memory detections)',
      count: this.count,
      imageIds: this.imageIdColumn.subarray(0, this.count),
      categoryIds: this.categoryIdColumn.subarray(0, this.count),
      bboxes: this.boxColumn.subarray(0, 4 * this.count),
      scores: this.scoreColumn.subarray(0, this.count),
    };
  }

  /** COCOeval over everything processed since the last reset. */
  evaluate(): CocoEvaluation {
    return evaluateDetections(this.gt, this.detections(), this.params);
  }

  private reserve(capacity: number): void {
    if (capacity <= this.scoreColumn.length) return;
    const size = Math.max(capacity, 2 * this.scoreColumn.length);
    const grow = <T extends Float64Array | Int32Array>(old: T, make: (n: number) => T, width = 1): T => {
      const next = make(width * size);
      next.set(old.subarray(0, width * this.count));
      return next;
    };
    this.imageIdColumn = grow(this.imageIdColumn, (m) => new Float64Array(m));
    this.categoryIdColumn = grow(this.categoryIdColumn, (m) => new Int32Array(m));
    this.scoreColumn = grow(this.scoreColumn, (m) => new Float64Array(m));
    this.boxColumn = grow(this.boxColumn, (m) => new Float64Array(m), 4);
  }
}
