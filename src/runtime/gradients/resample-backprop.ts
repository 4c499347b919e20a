// Gradients of the two resampling ops of the pyramid (reference.md §2), written with ordinary tf ops.
//
// Both replace kernels that give wrong gradients in tfjs 4.22 (found by test/runtime/layers.parity.test.ts):
// - wasm's MaxPoolGrad misroutes the gradient for some shapes (e.g. a 2×2/2 'same' pool of a 1×2×2×1 or
//   2×4×4×4 input: up to 100 % relative error), while its forward max pool is right;
// - the cpu backend's ResizeNearestNeighborGrad offsets dy by the *input's* batch stride, so every image
//   after the first in a batch gets the gradient of the wrong pixels.
import type * as TF from '@tensorflow/tfjs';
import { interleavePhases, windows } from './windows.js';

type Tfjs = typeof TF;
type Tensor4D = TF.Tensor4D;

export interface PoolGeometry {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'same' | 'valid' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * dL/dx of maxPool(x) given dL/dy and y: each output's gradient goes to the first maximum of its window in
 * row-major order, as TensorFlow and tfjs's cpu backend route it (ties are common after a ReLU). For every
 * window tap, in order, the positions that hold the maximum and were not claimed by an earlier tap take dy;
 * the per-tap results are then put back at their offsets in the (padded) input.
 */
export function maxPoolGradient(tf: Tfjs, dy: Tensor4D, x: Tensor4D, y: Tensor4D, g: PoolGeometry): Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computePool2DInfo(x.shape, g.filterSize, g.strides, 1, g.pad, g.dimRoundingMode);
    const [n, h, w, c] = x.shape;
    const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
    const kh = info.effectiveFilterHeight;
    const kw = info.effectiveFilterWidth;
    const { top, left } = info.padInfo;
    // Padded extent the windows cover; padding never wins a max.
    const ph = Math.max((oh - 1) * sh + kh, top + h);
    const pw = Math.max((ow - 1) * sw + kw, left + w);
    const padded = tf.pad(x, [[0, 0], [top, ph - h - top], [left, pw - w - left], [0, 0]], -Infinity);
    let claimed: TF.Tensor | null = null;
    const perTap = windows(tf, padded, kh, kw, sh, sw, oh, ow, -Infinity).map((window) => {
      let hit = tf.equal(window, y);
      if (claimed) hit = tf.logicalAnd(hit, tf.logicalNot(claimed));
      claimed = claimed ? tf.logicalOr(claimed, hit) : hit;
      return tf.where(hit, dy, tf.zerosLike(dy)) as Tensor4D;
    });
    let dxPadded: Tensor4D;
    if (kh === sh && kw === sw) {
      // Windows tile the input without overlap: tap (i, j) is phase (i, j).
      dxPadded = interleavePhases(tf, Array.from({ length: kh }, (_, i) => perTap.slice(i * kw, (i + 1) * kw)));
    } else {
      // Overlapping (or gapped) windows: spread each tap to stride spacing, shift it to its offset, add.
      const placed = perTap.map((tap, k) => {
        const [i, j] = [Math.floor(k / kw), k % kw];
        const spread = spreadByStride(tf, tap, sh, sw);
        const [, sph, spw] = spread.shape;
        return tf.pad(spread, [[0, 0], [i, ph - i - sph], [j, pw - j - spw], [0, 0]]);
      });
      dxPadded = tf.addN(placed);
    }
    return tf.slice(dxPadded, [0, top, left, 0], [n, h, w, c]);
  });
}

/** [n, h, w, c] → [n, (h−1)·sh + 1, (w−1)·sw + 1, c] with each value at stride spacing, zeros between. */
function spreadByStride(tf: Tfjs, t: Tensor4D, sh: number, sw: number): Tensor4D {
  if (sh === 1 && sw === 1) return t;
  const zeros = tf.zerosLike(t);
  const spread = interleavePhases(tf, Array.from({ length: sh }, (_, r) =>
    Array.from({ length: sw }, (_, s) => (r === 0 && s === 0 ? t : zeros))));
  const [n, h, w, c] = t.shape;
  return tf.slice(spread, [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]);
}

/**
 * dL/dx of a nearest-neighbour resize by integer factors (no corner alignment): every input pixel was
 * copied into an fh×fw block of the output, so its gradient is the block's sum. Null when the resize is not
 * an integer upsampling.
 */
export function nearestUpsampleGradient(tf: Tfjs, dy: Tensor4D, inputShape: number[], alignCorners: boolean): Tensor4D | null {
  const [n, h, w, c] = inputShape;
  const [, oh, ow] = dy.shape;
  if (alignCorners || oh % h !== 0 || ow % w !== 0) return null;
  const fh = oh / h;
  const fw = ow / w;
  return tf.tidy(() => tf.sum(dy.reshape([n, h, fh, w, fw, c]), [2, 4]) as Tensor4D);
}
