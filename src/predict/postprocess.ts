// From head outputs to detections ([TPU] `ops/postprocess_ops.py` MultilevelDetectionGenerator
// and `_generate_detections_v1`):
//   1. sigmoid of every class logit, the background channel 0 left out;
//   2. per class: the top PRE_NMS_TOP_K anchors by score, greedy NMS at NMS_IOU_THRESHOLD among those scoring
//      above SCORE_THRESHOLD, at most MAX_DETECTIONS kept per class;
//   3. all classes merged, the MAX_DETECTIONS highest scores kept per image.
// Boxes are decoded against the anchors with the th/tw clip (src/targets/boxcoding.ts) and clipped to the image.
//
// Ties follow TensorFlow's NMS (non_max_suppression_op.cc): a candidate needs score > SCORE_THRESHOLD, equal
// scores go in anchor order, and a box is suppressed when its IoU with a kept one is > NMS_IOU_THRESHOLD.
// Departure: boxes are clipped to [0, width] × [0, height]; [TPU] `clip_boxes` clips to width − 1 and
// height − 1, part of the "+1 pixel" convention the toolkit leaves out everywhere.
//
// Pure typed arrays: the caller reads each output once (`await t.data()`, see `readHeadOutputs`).
import type * as TF from '@tensorflow/tfjs';
import type { CocoDetectionRecord } from '../coco/read.js';
import type { ClassMapSpec, DetectionBatch } from '../data/types.js';
import { anchorsFor } from '../targets/anchors.js';
import { decodeBox, iou } from '../targets/boxcoding.js';
import type { HeadLayout, HeadSet } from '../targets/layout.js';
import { assertNever } from '../util/assert-never.js';
import { MAX_DETECTIONS, NMS_IOU_THRESHOLD, PRE_NMS_TOP_K, SCORE_THRESHOLD } from '../semantics/defaults.js';

/** The background channel: unused in both `ClassMapSpec` layouts, never a detection ([TPU] drops it too). */
export const BACKGROUND_CHANNEL = 0;

export interface PostprocessOptions {
  scoreThreshold?: number;
  iouThreshold?: number;
  preNmsTopK?: number;
  /** Detections kept per class after NMS, and per image after merging the classes. */
  maxDetections?: number;
}

/** One head set's outputs as read back from the model: per level, B × H × W × A·K logits and B × H × W × A·4 codes. */
export interface HeadOutputs {
  readonly batch: number;
  readonly classLogits: readonly Float32Array[];
  readonly boxCodes: readonly Float32Array[];
}

/** Detections of one image, best first, boxes [x1, y1, x2, y2] in network-input pixels. */
export interface ImageDetections {
  readonly count: number;
  readonly boxes: Float32Array;
  readonly scores: Float32Array;
  /** The head's class channels (≥ 1). */
  readonly classes: Int32Array;
}

/**
 * Reads the outputs of one head set (the last one by default: the final repeat of anytime heads) from the model's
 * outputs, once each with `await t.data()`. Does not dispose them.
 */
export async function readHeadOutputs(
  layout: HeadLayout, outputs: readonly TF.Tensor[], head: HeadSet = layout.heads[layout.heads.length - 1],
): Promise<HeadOutputs> {
  const read = (i: number) => outputs[i].data() as Promise<Float32Array>;
  const [classLogits, boxCodes] = await Promise.all([
    Promise.all(head.classOutputs.map(read)), Promise.all(head.boxOutputs.map(read)),
  ]);
  const batch = outputs[head.classOutputs[0]].shape[0];
  if (batch === undefined || batch === null) throw new Error('head outputs: unknown batch size');
  return { batch, classLogits, boxCodes };
}

/**
 * Detections of every image in `outputs`. `clipSizes[b]` is image b's [width, height] in input pixels (the
 * resized image without its padding); the whole input when not given.
 */
export function postprocess(
  layout: HeadLayout, outputs: HeadOutputs, clipSizes?: readonly (readonly [number, number])[], options: PostprocessOptions = {},
): ImageDetections[] {
  checkOutputs(layout, outputs);
  return Array.from({ length: outputs.batch }, (_, b) =>
    postprocessImage(layout, outputs, b, clipSizes?.[b] ?? [layout.inputSize, layout.inputSize], options));
}

/**
 * Each image's extent in network-input pixels, [width, height]: its original size times its scale, within the
 * padded input. The clip sizes `postprocess` wants for a batch ([TPU] clips to the scaled image, not the padding).
 */
export function inputExtents(batch: DetectionBatch): [number, number][] {
  return batch.originalSizes.map(([w, h], b) => [Math.min(batch.size, w * batch.scales[b]), Math.min(batch.size, h * batch.scales[b])]);
}

function checkOutputs(layout: HeadLayout, outputs: HeadOutputs): void {
  layout.levels.forEach((level, i) => {
    const cls = outputs.classLogits[i]?.length;
    const box = outputs.boxCodes[i]?.length;
    if (cls !== outputs.batch * level.anchorCount * layout.classes || box !== outputs.batch * level.anchorCount * 4) {
      throw new RangeError(`head outputs of level P${level.level}: ${cls} logits and ${box} box codes do not fit ${outputs.batch} images of the layout`);
    }
  });
}

/** A class's candidates: anchor indices and scores, growable. */
class Candidates {
  anchors: number[] = [];
  scores: number[] = [];
}

function postprocessImage(
  layout: HeadLayout, outputs: HeadOutputs, b: number, clip: readonly [number, number], options: PostprocessOptions,
): ImageDetections {
  const scoreThreshold = options.scoreThreshold ?? SCORE_THRESHOLD;
  const iouThreshold = options.iouThreshold ?? NMS_IOU_THRESHOLD;
  const preNmsTopK = options.preNmsTopK ?? PRE_NMS_TOP_K;
  const maxDetections = options.maxDetections ?? MAX_DETECTIONS;
  const K = layout.classes;
  const anchors = anchorsFor(layout);

  // 1. Candidates per class: compare logits against the threshold's logit first (σ is monotone), so the
  //    sigmoid runs only on the few that may pass; the exact test is on the score itself.
  const logitThreshold = Math.log(scoreThreshold / (1 - scoreThreshold)) - 1e-6;
  const perClass = Array.from({ length: K }, () => new Candidates());
  layout.levels.forEach((level, i) => {
    const logits = outputs.classLogits[i];
    const base = b * level.anchorCount * K;
    for (let j = 0; j < level.anchorCount; j++) {
      const row = base + j * K;
      for (let k = BACKGROUND_CHANNEL + 1; k < K; k++) {
        const x = logits[row + k];
        if (!(x > logitThreshold)) continue;
        const score = 1 / (1 + Math.exp(-x));
        if (score > scoreThreshold) {
          perClass[k].anchors.push(level.anchorOffset + j);
          perClass[k].scores.push(score);
        }
      }
    }
  });

  // 2. Per class: top-k, decode, clip, NMS.
  const decoded = new Float32Array(4);
  const kept: { box: Float32Array; score: number; cls: number; order: number }[] = [];
  for (let k = BACKGROUND_CHANNEL + 1; k < K; k++) {
    const { anchors: cand, scores } = perClass[k];
    if (cand.length === 0) continue;
    const order = Array.from(cand.keys()).sort((p, q) => scores[q] - scores[p] || cand[p] - cand[q]).slice(0, preNmsTopK);
    // Decode lazily: NMS stops after maxDetections kept boxes, usually long before the 5000th candidate.
    const boxes = new Float32Array(order.length * 4);
    const decodeCandidate = (r: number) => {
      const n = cand[order[r]];
      const { level, local } = levelOf(layout, n);
      decodeBox(outputs.boxCodes[level], b * layout.levels[level].anchorCount + local, anchors.centres, n, decoded, 0);
      boxes[4 * r] = clamp(decoded[0], 0, clip[0]);
      boxes[4 * r + 1] = clamp(decoded[1], 0, clip[1]);
      boxes[4 * r + 2] = clamp(decoded[2], 0, clip[0]);
      boxes[4 * r + 3] = clamp(decoded[3], 0, clip[1]);
    };
    const selected = nonMaxSuppression(boxes, order.length, iouThreshold, maxDetections, decodeCandidate);
    selected.forEach((r, rank) => kept.push({ box: boxes.subarray(4 * r, 4 * r + 4), score: scores[order[r]], cls: k, order: rank }));
  }

  // 3. Merge the classes: best scores first (then class, then NMS order, as top_k over the concatenation).
  kept.sort((p, q) => q.score - p.score || p.cls - q.cls || p.order - q.order);
  const count = Math.min(kept.length, maxDetections);
  const result = { count, boxes: new Float32Array(4 * count), scores: new Float32Array(count), classes: new Int32Array(count) };
  for (let i = 0; i < count; i++) {
    result.boxes.set(kept[i].box, 4 * i);
    result.scores[i] = kept[i].score;
    result.classes[i] = kept[i].cls;
  }
  return result;
}

/**
 * Greedy NMS over `count` boxes ([x1, y1, x2, y2]) already sorted best first: keeps a box unless its IoU with an
 * already kept box exceeds `iouThreshold`; stops after `maxKept`. Returns the kept indices in order. `prepare(i)`,
 * when given, is called before box i is first read (to fill it in lazily).
 */
export function nonMaxSuppression(
  boxes: Float32Array, count: number, iouThreshold: number, maxKept: number, prepare?: (i: number) => void,
): number[] {
  const kept: number[] = [];
  for (let i = 0; i < count && kept.length < maxKept; i++) {
    prepare?.(i);
    let suppressed = false;
    for (const j of kept) {
      if (iou(boxes, i, boxes, j) > iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(i);
  }
  return kept;
}

function levelOf(layout: HeadLayout, n: number): { level: number; local: number } {
  const levels = layout.levels;
  for (let i = levels.length - 1; i >= 0; i--) {
    if (n >= levels[i].anchorOffset) return { level: i, local: n - levels[i].anchorOffset };
  }
  throw new RangeError(`anchor ${n} is outside the layout`);
}

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

/** The COCO category id of class channel `channel` under `classMap` (null for the background or an unknown channel). */
export function categoryOfChannel(classMap: ClassMapSpec, channel: number): number | null {
  if (channel <= BACKGROUND_CHANNEL) return null;
  switch (classMap.kind) {
    case 'coco91':
      return channel;
    case 'contiguous':
      return classMap.categoryIds[channel - 1] ?? null;
    default:
      return assertNever(classMap, 'class map');
  }
}

/**
 * COCO detection records of a batch: boxes divided by each image's scale (input pixels per original pixel)
 * into original-image pixels as [x, y, w, h], class channels mapped to category ids through `classMap`.
 * A channel the class map does not know is an internal error (the model and its class map disagree).
 */
export function toCocoRecords(
  detections: readonly ImageDetections[], imageIds: readonly number[], scales: ArrayLike<number>, classMap: ClassMapSpec,
): CocoDetectionRecord[] {
  const records: CocoDetectionRecord[] = [];
  detections.forEach((image, b) => {
    const scale = scales[b];
    for (let i = 0; i < image.count; i++) {
      const category = categoryOfChannel(classMap, image.classes[i]);
      if (category === null) throw new Error(`class channel ${image.classes[i]} has no category in the ${classMap.kind} class map`);
      const x1 = image.boxes[4 * i] / scale;
      const y1 = image.boxes[4 * i + 1] / scale;
      const x2 = image.boxes[4 * i + 2] / scale;
      const y2 = image.boxes[4 * i + 3] / scale;
      records.push({ image_id: imageIds[b], category_id: category, bbox: [x1, y1, x2 - x1, y2 - y1], score: image.scores[i] });
    }
  });
  return records;
}
