// COCOeval's parameters for bbox evaluation, with pycocotools' defaults (cocoeval.py, Params.setDetParams) and
// the normalisation its `evaluate()` applies (image and category ids sorted and made unique, maxDets sorted).
import type { CocoGroundTruth } from '../coco/types.js';

/** One area range: GT (by its `area` field) and detections (by w·h) outside [min, max] are ignored. */
export interface AreaRange {
  readonly label: string;
  readonly min: number;
  readonly max: number;
}

export interface CocoEvalParams {
  /** Images to evaluate, sorted ascending and unique (COCOeval's `np.unique(p.imgIds)`). */
  readonly imgIds: readonly number[];
  /** Categories to evaluate: sorted and unique when `useCats`; otherwise in the given order (their pooling order). */
  readonly catIds: readonly number[];
  /** T IoU thresholds. */
  readonly iouThrs: Float64Array;
  /** R recall thresholds. */
  readonly recThrs: Float64Array;
  /** M limits on detections per image (per category when `useCats`), ascending. */
  readonly maxDets: readonly number[];
  /** A area ranges. */
  readonly areaRanges: readonly AreaRange[];
  /** false pools all categories together, as in proposal scoring. */
  readonly useCats: boolean;
}

/** What a caller may override; everything left out takes pycocotools' default. */
export interface CocoEvalParamsInput {
  imgIds?: readonly number[];
  catIds?: readonly number[];
  maxDets?: readonly number[];
  areaRanges?: readonly AreaRange[];
  useCats?: boolean;
}

/**
 * numpy's `linspace(start, stop, num)` to the last bit: `i·((stop − start)/(num − 1)) + start`, the last point
 * set to `stop`. The thresholds must be the same doubles as pycocotools' (summarize looks 0.5 and 0.75 up by
 * equality, and a match needs IoU ≥ threshold).
 */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

// [COCO] cocoeval.py Params.setDetParams: iouThrs .5:.05:.95 (T = 10), recThrs 0:.01:1 (R = 101).
export const IOU_THRESHOLDS = linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1);
export const RECALL_THRESHOLDS = linspace(0, 1, Math.round((1 - 0) / 0.01) + 1);
// [COCO] cocoeval.py Params.setDetParams: maxDets [1, 10, 100].
export const DEFAULT_MAX_DETS: readonly number[] = [1, 10, 100];
// [COCO] cocoeval.py Params.setDetParams: areaRng all [0², 1e5²], small [0², 32²], medium [32², 96²], large [96², 1e5²].
export const DEFAULT_AREA_RANGES: readonly AreaRange[] = [
  { label: 'all', min: 0 ** 2, max: 1e5 ** 2 },
  { label: 'small', min: 0 ** 2, max: 32 ** 2 },
  { label: 'medium', min: 32 ** 2, max: 96 ** 2 },
  { label: 'large', min: 96 ** 2, max: 1e5 ** 2 },
];

const sortedUnique = (ids: readonly number[]): number[] =>
  [...new Set(ids)].sort((a, b) => a - b);

/**
 * The parameters COCOeval would evaluate with for `gt` and `input`: defaults are every image and every
 * category of the ground truth. Throws a RangeError for values pycocotools cannot evaluate either.
 */
export function makeParams(gt: CocoGroundTruth, input: CocoEvalParamsInput = {}): CocoEvalParams {
  const useCats = input.useCats ?? true;
  const imgIds = sortedUnique(input.imgIds ?? Array.from(gt.images.ids));
  let catIds: number[];
  if (useCats) {
    catIds = sortedUnique(input.catIds ?? Array.from(gt.categories.ids));
  } else {
    // COCOeval leaves catIds as given when categories are pooled; a repeated id would count its GT twice.
    catIds = input.catIds ? [...input.catIds] : sortedUnique(Array.from(gt.categories.ids));
    if (new Set(catIds).size !== catIds.length) throw new RangeError('catIds: an id is repeated');
  }
  const maxDets = [...(input.maxDets ?? DEFAULT_MAX_DETS)].sort((a, b) => a - b);
  if (maxDets.length === 0) throw new RangeError('maxDets: at least one limit is needed');
  for (const m of maxDets) {
    if (!Number.isInteger(m) || m <= 0) throw new RangeError(`maxDets: ${m} is not a positive integer`);
  }
  const areaRanges = input.areaRanges ?? DEFAULT_AREA_RANGES;
  if (areaRanges.length === 0) throw new RangeError('areaRanges: at least one range is needed');
  for (const r of areaRanges) {
    if (!(r.min <= r.max)) throw new RangeError(`areaRanges: ${r.label} has min ${r.min} > max ${r.max}`);
  }
  return { imgIds, catIds, iouThrs: IOU_THRESHOLDS, recThrs: RECALL_THRESHOLDS, maxDets, areaRanges, useCats };
}
