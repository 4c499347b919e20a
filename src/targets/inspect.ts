// What one image's anchors learn, for people: the glue between the data room (an image as evaluation
// preprocesses it) and this room's matching, behind `nasfpn data targets` and `nasfpn data show --detector`.
// The image is placed in the detector's input square exactly as training places it with augmentation off
// (resize the long side to the input size, no crop, no flip, padding bottom and right); its boxes move with it,
// and the targets come from the same `encodeImageTargets` training calls. Plain data, no tensors.
import { placeBoxes, placeImage, type Placement } from '../data/augment.js';
import type { ImageAnnotations } from '../data/types.js';
import type { DetectorIR } from '../semantics/ir.js';
import { anchorsFor, type Anchors } from './anchors.js';
import { iou } from './boxcoding.js';
import { headLayout, locateAnchor, type HeadLayout, type LevelLayout } from './layout.js';
import { MATCH_THRESHOLD } from '../semantics/defaults.js';
import { encodeImageTargets, IGNORED, NEGATIVE, type ImageTargets, type MatchOptions } from './matching.js';

/** An image as the dataset holds it: its size and its ground truth in original pixels. */
export interface OriginalImage {
  readonly width: number;
  readonly height: number;
  readonly annotations: ImageAnnotations;
}

/** One image's anchors and their targets. */
export interface ImageAssignment {
  readonly layout: HeadLayout;
  readonly anchors: Anchors;
  /** Where the image lands in the input square (evaluation placement). */
  readonly placement: Placement;
  /** The ground truth in input pixels, in the dataset's order (box g here is box g of the image). */
  readonly gt: ImageAnnotations;
  readonly targets: ImageTargets;
  /** The IoU at which the targets made an anchor positive (below it, a positive was force-matched). */
  readonly matchThreshold: number;
}

/** One anchor, described: where it is, what it learns. Boxes are [x1, y1, x2, y2] in input pixels. */
export interface AnchorRecord {
  /** The flat anchor index (level → y → x → scale → ratio). */
  readonly index: number;
  readonly level: number;
  readonly y: number;
  readonly x: number;
  readonly scale: number;
  readonly ratio: number;
  readonly box: [number, number, number, number];
  /** −1 negative, −2 ignored, else the class channel. */
  readonly classTarget: number;
  /** (ty, tx, th, tw); zeros unless positive. */
  readonly boxTarget: [number, number, number, number];
  /** The GT box a positive anchor learns; −1 otherwise. */
  readonly gt: number;
  /** Positive: the IoU with the GT it learns. Otherwise: the highest IoU with any non-crowd GT (0 if none). */
  readonly iou: number;
  /** A positive whose IoU is below the match threshold: it is positive only because its GT claimed it. */
  readonly forced: boolean;
}

/** Per level: how many anchors, and how many of them are positive and ignored. */
export interface LevelCounts {
  readonly level: number;
  readonly stride: number;
  readonly height: number;
  readonly width: number;
  readonly anchors: number;
  readonly positives: number;
  readonly ignored: number;
}

/**
 * The anchors of `detector` and the targets of `image` placed in its input square as evaluation places it.
 * Throws a RangeError when the input size does not fit the detector's levels.
 */
export function assignImage(detector: DetectorIR, image: OriginalImage, options: MatchOptions = {}): ImageAssignment {
  const layout = headLayout(detector);
  const placement = placeImage(image.width, image.height, layout.inputSize, null);
  const gt = placeBoxes(image.annotations, placement);
  // Without a crop, a box keeps some area at any positive scale (the dataset loader already dropped empty
  // ones), so no box is removed and GT indices stay the dataset's.
  if (gt.classes.length !== image.annotations.classes.length) {
    throw new Error(`placing the image dropped ${image.annotations.classes.length - gt.classes.length} of its boxes`);
  }
  return {
    layout, anchors: anchorsFor(layout), placement, gt, targets: encodeImageTargets(layout, gt, options),
    matchThreshold: options.matchThreshold ?? MATCH_THRESHOLD,
  };
}

/** Anchor `n` of an assignment, described. */
export function describeAnchor(assignment: ImageAssignment, n: number): AnchorRecord {
  const { layout, anchors, gt, targets, matchThreshold } = assignment;
  const { level, y, x, a } = locateAnchor(layout, n);
  const ratios = layout.ratios.length;
  const g = targets.matchedGt[n];
  let overlap = 0;
  if (g >= 0) {
    overlap = iou(anchors.boxes, n, gt.boxes, g);
  } else {
    for (let j = 0; j < gt.classes.length; j++) if (!gt.crowd[j]) overlap = Math.max(overlap, iou(anchors.boxes, n, gt.boxes, j));
  }
  const quad = (array: Float32Array): [number, number, number, number] =>
    [array[4 * n], array[4 * n + 1], array[4 * n + 2], array[4 * n + 3]];
  return {
    index: n, level: level.level, y, x, scale: Math.floor(a / ratios), ratio: a % ratios,
    box: quad(anchors.boxes), classTarget: targets.classes[n], boxTarget: quad(targets.boxes),
    gt: g, iou: overlap, forced: g >= 0 && overlap < matchThreshold,
  };
}

/** Every positive anchor of an assignment, in anchor order. */
export function positiveAnchors(assignment: ImageAssignment): AnchorRecord[] {
  const records: AnchorRecord[] = [];
  const { matchedGt } = assignment.targets;
  for (let n = 0; n < matchedGt.length; n++) if (matchedGt[n] >= 0) records.push(describeAnchor(assignment, n));
  return records;
}

/** Anchors, positives and ignored anchors per level. */
export function levelCounts(assignment: ImageAssignment): LevelCounts[] {
  const { classes } = assignment.targets;
  return assignment.layout.levels.map((level: LevelLayout) => {
    let positives = 0;
    let ignored = 0;
    for (let n = level.anchorOffset; n < level.anchorOffset + level.anchorCount; n++) {
      if (classes[n] === IGNORED) ignored++;
      else if (classes[n] !== NEGATIVE) positives++;
    }
    return {
      level: level.level, stride: level.stride, height: level.height, width: level.width,
      anchors: level.anchorCount, positives, ignored,
    };
  });
}

/** A box in input pixels back in original-image pixels (evaluation placement: a scale per axis, no crop or flip). */
export function toOriginalPixels(placement: Placement, box: readonly [number, number, number, number]): [number, number, number, number] {
  const sx = placement.resizedWidth / placement.width;
  const sy = placement.resizedHeight / placement.height;
  return [box[0] / sx, box[1] / sy, box[2] / sx, box[3] / sy];
}
