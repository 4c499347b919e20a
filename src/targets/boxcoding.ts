// Faster R-CNN box coding without scale factors ([TPU] utils/object_detection/faster_rcnn_box_coder.py, scale_factors None):
//   ty = (yc − yc_a)/h_a, tx = (xc − xc_a)/w_a, th = log(h/h_a), tw = log(w/w_a).
// Encoding adds SIZE_EPSILON to every size; decoding clips th and tw at BOX_DECODE_CLIP. No "+1 pixel"
// width convention anywhere (the toolkit's choice).
import { BOX_DECODE_CLIP } from '../semantics/defaults.js';

/** [TPU] utils/object_detection/faster_rcnn_box_coder.py `EPSILON`: added to all sizes before dividing and log. */
export const SIZE_EPSILON = 1e-8;

/**
 * Encodes the box [x1, y1, x2, y2] (at `boxes[4·b]`) against the anchor [yc, xc, h, w] (at `centres[4·a]`) into
 * `out[4·o ..]` as (ty, tx, th, tw).
 */
export function encodeBox(
  boxes: ArrayLike<number>, b: number, centres: ArrayLike<number>, a: number, out: Float32Array, o: number,
): void {
  const x1 = boxes[4 * b];
  const y1 = boxes[4 * b + 1];
  const x2 = boxes[4 * b + 2];
  const y2 = boxes[4 * b + 3];
  const h = y2 - y1;
  const w = x2 - x1;
  const yc = y1 + h / 2;
  const xc = x1 + w / 2;
  const ha = centres[4 * a + 2] + SIZE_EPSILON;
  const wa = centres[4 * a + 3] + SIZE_EPSILON;
  out[4 * o] = (yc - centres[4 * a]) / ha;
  out[4 * o + 1] = (xc - centres[4 * a + 1]) / wa;
  out[4 * o + 2] = Math.log((h + SIZE_EPSILON) / ha);
  out[4 * o + 3] = Math.log((w + SIZE_EPSILON) / wa);
}

/**
 * Decodes (ty, tx, th, tw) at `codes[4·c]` against the anchor [yc, xc, h, w] at `centres[4·a]` into the box
 * [x1, y1, x2, y2] at `out[4·o]`, with th and tw clipped at BOX_DECODE_CLIP.
 */
export function decodeBox(
  codes: ArrayLike<number>, c: number, centres: ArrayLike<number>, a: number, out: Float32Array, o: number,
): void {
  const ha = centres[4 * a + 2];
  const wa = centres[4 * a + 3];
  const yc = codes[4 * c] * ha + centres[4 * a];
  const xc = codes[4 * c + 1] * wa + centres[4 * a + 1];
  const h = Math.exp(Math.min(codes[4 * c + 2], BOX_DECODE_CLIP)) * ha;
  const w = Math.exp(Math.min(codes[4 * c + 3], BOX_DECODE_CLIP)) * wa;
  out[4 * o] = xc - w / 2;
  out[4 * o + 1] = yc - h / 2;
  out[4 * o + 2] = xc + w / 2;
  out[4 * o + 3] = yc + h / 2;
}

/** Intersection over union of two [x1, y1, x2, y2] boxes; 0 when they do not overlap (or both are empty). */
export function iou(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const iw = Math.min(a[4 * i + 2], b[4 * j + 2]) - Math.max(a[4 * i], b[4 * j]);
  if (iw <= 0) return 0;
  const ih = Math.min(a[4 * i + 3], b[4 * j + 3]) - Math.max(a[4 * i + 1], b[4 * j + 1]);
  if (ih <= 0) return 0;
  const inter = iw * ih;
  const areaA = (a[4 * i + 2] - a[4 * i]) * (a[4 * i + 3] - a[4 * i + 1]);
  const areaB = (b[4 * j + 2] - b[4 * j]) * (b[4 * j + 3] - b[4 * j + 1]);
  return inter / (areaA + areaB - inter);
}
