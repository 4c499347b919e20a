// The input pipeline's geometry ([TPU] `input_utils.resize_and_crop_image` and
// `resize_and_crop_boxes`): an optional horizontal flip, a random scale jitter of the square target, a
// bilinear resize that keeps the aspect ratio and fits the (jittered) square, a random crop back to the
// network square when the resized image is larger, and zero padding at the bottom and right.
//
// A `Placement` is the whole draw for one image, computed from its size and a seeded `Random` before any
// pixel is touched; the pixels (image.ts) and the boxes (here) are then both moved by the same placement, so
// boxes follow the image exactly.
import type { Random } from '../util/random.js';
import { FLIP_PROBABILITY, SCALE_JITTER } from '../semantics/defaults.js';
import type { ImageAnnotations } from './types.js';

/** Training augmentation; `null` where augmentation is off (evaluation). */
export interface AugmentOptions {
  /** The scale jitter range; [1, 1] turns jitter off. */
  readonly scaleMin: number;
  readonly scaleMax: number;
  /** Probability of a horizontal flip; 0 turns flipping off. */
  readonly flipProbability: number;
}

/** The paper's training augmentation ([PAPER] §4.1, [TPU] `retinanet_parser._parse_train_data`). */
export const PAPER_AUGMENTATION: AugmentOptions = {
  scaleMin: SCALE_JITTER[0],
  scaleMax: SCALE_JITTER[1],
  flipProbability: FLIP_PROBABILITY,
};

/** Where one image lands in the network input. */
export interface Placement {
  /** The original image size. */
  readonly width: number;
  readonly height: number;
  /** Input pixels per original pixel (the nominal scale; the batch's `scales` entry). */
  readonly scale: number;
  /** The resized image size, round(width·scale) × round(height·scale), before the crop. */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  /** The crop's top-left corner in the resized (and, if `flip`, flipped) image; 0 when no crop is needed. */
  readonly cropX: number;
  readonly cropY: number;
  /** The visible part of the resized image: min(resized, size) on each side; the rest of the square is padding. */
  readonly visibleWidth: number;
  readonly visibleHeight: number;
  /** Mirror the image left–right (before the crop). */
  readonly flip: boolean;
}

/**
 * The placement of a width × height image in a size × size input. With `augment` null (evaluation) the long side
 * is resized to `size`, nothing is cropped or flipped and `random` is not used. With augmentation, the draws are,
 * in order: the flip, the jitter, the crop offset (x then y) — always all four, so a stream's use does not
 * depend on the image.
 */
export function placeImage(width: number, height: number, size: number, augment: AugmentOptions | null, random?: Random): Placement {
  let flip = false;
  let target = size;
  let offsetFractionX = 0;
  let offsetFractionY = 0;
  if (augment !== null) {
    if (!random) throw new Error('placeImage: augmentation needs a Random');
    flip = random.float() < augment.flipProbability;
    // [TPU] resize_and_crop_image: scaled_size = round(random_scale · output_size).
    target = Math.round(random.uniform(augment.scaleMin, augment.scaleMax) * size);
    offsetFractionX = random.float();
    offsetFractionY = random.float();
  }
  const scale = Math.min(target / width, target / height);
  const resizedWidth = Math.max(1, Math.round(width * scale));
  const resizedHeight = Math.max(1, Math.round(height * scale));
  // [TPU]: offset = trunc(max(scaled_size − output_size, 0) · U[0, 1)).
  const cropX = Math.trunc(Math.max(resizedWidth - size, 0) * offsetFractionX);
  const cropY = Math.trunc(Math.max(resizedHeight - size, 0) * offsetFractionY);
  return {
    width, height, scale, resizedWidth, resizedHeight, cropX, cropY, flip,
    visibleWidth: Math.min(resizedWidth - cropX, size),
    visibleHeight: Math.min(resizedHeight - cropY, size),
  };
}

/**
 * Moves boxes ([x1, y1, x2, y2] in original pixels) with the image: flip, scale by the resize (per axis, as the
 * rounded resized size gives), shift by the crop, clip to the visible part; boxes left with no width or no
 * height are removed ([TPU] `box_ops.get_non_empty_box_indices`).
 */
export function placeBoxes(annotations: ImageAnnotations, placement: Placement): ImageAnnotations {
  const { boxes, classes, crowd } = annotations;
  const n = classes.length;
  const sx = placement.resizedWidth / placement.width;
  const sy = placement.resizedHeight / placement.height;
  const out = new Float32Array(n * 4);
  const outClasses = new Int32Array(n);
  const outCrowd = new Uint8Array(n);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    let x1 = boxes[4 * i]!;
    let x2 = boxes[4 * i + 2]!;
    if (placement.flip) [x1, x2] = [placement.width - x2, placement.width - x1];
    const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
    const bx1 = clip(x1 * sx - placement.cropX, placement.visibleWidth);
    const bx2 = clip(x2 * sx - placement.cropX, placement.visibleWidth);
    const by1 = clip(boxes[4 * i + 1]! * sy - placement.cropY, placement.visibleHeight);
    const by2 = clip(boxes[4 * i + 3]! * sy - placement.cropY, placement.visibleHeight);
    if (!(bx2 > bx1 && by2 > by1)) continue;
    out.set([bx1, by1, bx2, by2], 4 * kept);
    outClasses[kept] = classes[i]!;
    outCrowd[kept] = crowd[i]!;
    kept++;
  }
  return { boxes: out.slice(0, 4 * kept), classes: outClasses.slice(0, kept), crowd: outCrowd.slice(0, kept) };
}
