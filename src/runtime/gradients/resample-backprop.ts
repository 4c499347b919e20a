// Gradients of the two resampling ops of the pyramid ([TPU] nasfpn.py `resample_feature_map`), written with ordinary tf ops.
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
 * window tap, in order, the positions that hold the maximum and were not claimed by an earlier tap take dy.
 *
 * Putting the per-tap results back works on the input's stride phases: tap (i, j) lands on phase
 * (i mod sh, j mod sw), shifted by (i div sh, j div sw), so each phase is a sum of a few shifted taps at
 * 1/(sh·sw) of the input's size, and one interleave assembles the input. (Spreading every tap over the whole
 * input instead made the 3×3/2 stem pool's gradient ~3× slower.)
 */
export function maxPoolGradient(tf: Tfjs, dy: Tensor4D, x: Tensor4D, y: Tensor4D, g: PoolGeometry): Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computePool2DInfo(x.shape, g.filterSize, g.strides, 1, g.pad, g.dimRoundingMode);
    const [n, h, w, c] = x.shape;
    const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
    const kh = info.effectiveFilterHeight;
    const kw = info.effectiveFilterWidth;
    const { top, left } = info.padInfo;
    // Padded extent the windows cover, in whole phase rows and columns; padding never wins a max.
    const qh = Math.ceil(Math.max((oh - 1) * sh + kh, top + h) / sh);
    const qw = Math.ceil(Math.max((ow - 1) * sw + kw, left + w) / sw);
    const padded = tf.pad(x, [[0, 0], [top, qh * sh - h - top], [left, qw * sw - w - left], [0, 0]], -Infinity);
    const zeros = tf.zerosLike(dy);
    let claimed: TF.Tensor | null = null;
    const perTap = windows(tf, padded, kh, kw, sh, sw, oh, ow, -Infinity).map((window) => {
      let hit = tf.equal(window, y);
      if (claimed) hit = tf.logicalAnd(hit, tf.logicalNot(claimed));
      claimed = claimed ? tf.logicalOr(claimed, hit) : hit;
      return tf.where(hit, dy, zeros) as Tensor4D;
    });
    const phases = Array.from({ length: sh }, (_, r) => Array.from({ length: sw }, (_, s) => {
      const shifted: Tensor4D[] = [];
      for (let i = r; i < kh; i += sh) {
        for (let j = s; j < kw; j += sw) {
          const [di, dj] = [Math.floor(i / sh), Math.floor(j / sw)];
          const tap = perTap[i * kw + j];
          const fits = di === 0 && dj === 0 && oh === qh && ow === qw;
          shifted.push(fits ? tap : tf.pad(tap, [[0, 0], [di, qh - di - oh], [dj, qw - dj - ow], [0, 0]]));
        }
      }
      if (shifted.length === 0) return tf.zeros([n, qh, qw, c]) as Tensor4D;
      return shifted.length === 1 ? shifted[0] : tf.addN(shifted);
    }));
    return tf.slice(interleavePhases(tf, phases), [0, top, left, 0], [n, h, w, c]);
  });
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
