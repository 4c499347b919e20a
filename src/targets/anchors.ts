// Anchor boxes, exactly as [TPU] `dataloader/anchor.py` Anchor._generate_boxes makes them:
//   - level l, scale index i: base size s = anchorSize · 2^l · 2^(i/scales) (32, 40.3, 50.8 px at P3);
//   - aspect ratio r = width/height: w = s·√r, h = s/√r;
//   - centres at stride/2 + n·stride in y and x, in pixels of the padded input;
//   - order level → y → x → scale → ratio (the head layout's flat anchor order, layout.ts).
import { anchorKey, type HeadLayout } from './layout.js';

/** The anchors of a head layout, N of them, in the flat anchor order. */
export interface Anchors {
  readonly count: number;
  /** N × 4, [x1, y1, x2, y2] in input pixels (the project's in-memory box convention). */
  readonly boxes: Float32Array;
  /** N × 4, [yc, xc, h, w]: what box coding needs (the box coder's (ty, tx, th, tw) order). */
  readonly centres: Float32Array;
}

/** Width and height of anchor shape a = scaleIndex · ratios + ratioIndex at `stride`. */
export function anchorShape(layout: HeadLayout, stride: number, a: number): { width: number; height: number } {
  const ratioCount = layout.ratios.length;
  const scaleIndex = Math.floor(a / ratioCount);
  const ratio = layout.ratios[a % ratioCount];
  const base = layout.anchorSize * stride * 2 ** (scaleIndex / layout.scales);
  return { width: base * Math.sqrt(ratio), height: base / Math.sqrt(ratio) };
}

const cache = new Map<string, Anchors>();

/** The anchors of `layout`, computed once per distinct anchor setting and input size (cached; do not mutate). */
export function anchorsFor(layout: HeadLayout): Anchors {
  const key = anchorKey(layout);
  let anchors = cache.get(key);
  if (!anchors) {
    anchors = generateAnchors(layout);
    cache.set(key, anchors);
  }
  return anchors;
}

function generateAnchors(layout: HeadLayout): Anchors {
  const count = layout.anchorCount;
  const A = layout.anchorsPerLocation;
  const boxes = new Float32Array(count * 4);
  const centres = new Float32Array(count * 4);
  for (const level of layout.levels) {
    const shapes = Array.from({ length: A }, (_, a) => anchorShape(layout, level.stride, a));
    let n = level.anchorOffset;
    for (let y = 0; y < level.height; y++) {
      const yc = level.stride / 2 + y * level.stride;
      for (let x = 0; x < level.width; x++) {
        const xc = level.stride / 2 + x * level.stride;
        for (const { width, height } of shapes) {
          boxes[4 * n] = xc - width / 2;
          boxes[4 * n + 1] = yc - height / 2;
          boxes[4 * n + 2] = xc + width / 2;
          boxes[4 * n + 3] = yc + height / 2;
          centres[4 * n] = yc;
          centres[4 * n + 1] = xc;
          centres[4 * n + 2] = height;
          centres[4 * n + 3] = width;
          n++;
        }
      }
    }
  }
  return { count, boxes, centres };
}
