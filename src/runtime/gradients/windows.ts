// Window and phase helpers shared by the conv and pooling gradients.
//
// Written for the wasm backend's performance profile, measured on a [4, 32, 32, 64] tensor: slices, pads,
// concats, 4-D transposes and matmuls are fast; a strided slice costs ~10× a plain slice, and any op on a
// 5-D or 6-D tensor (reshape into 6-D then transpose, stack into 5-D) falls on a generic path ~10–40×
// slower. So everything here stays in at most four dimensions and uses no strided slices.
import type * as TF from '@tensorflow/tfjs';

type Tfjs = typeof TF;
type Tensor4D = TF.Tensor4D;

/**
 * The sh×sw phases of x: phases[r][s][n, q, q', c] = x[n, q·sh + r, q'·sw + s, c] for q < rows, q' < cols
 * (x is zero-extended, or extended with `fill`, where that runs past its edge).
 */
export function splitPhases(tf: Tfjs, x: Tensor4D, sh: number, sw: number, rows: number, cols: number, fill = 0): Tensor4D[][] {
  const [n, h, w, c] = x.shape;
  let fitted = x;
  if (rows * sh > h || cols * sw > w) {
    fitted = tf.pad(x, [[0, 0], [0, Math.max(0, rows * sh - h)], [0, Math.max(0, cols * sw - w)], [0, 0]], fill);
  }
  if (rows * sh < fitted.shape[1] || cols * sw < fitted.shape[2]) {
    fitted = tf.slice(fitted, [0, 0, 0, 0], [n, rows * sh, cols * sw, c]);
  }
  if (sh === 1 && sw === 1) return [[fitted]];
  // [n·rows, sh, cols, sw·c]: phase (r, s) is the slice [:, r, :, s·c : (s+1)·c].
  const grouped = fitted.reshape([n * rows, sh, cols, sw * c]);
  return Array.from({ length: sh }, (_, r) =>
    Array.from({ length: sw }, (_, s) =>
      tf.slice(grouped, [0, r, 0, s * c], [n * rows, 1, cols, c]).reshape([n, rows, cols, c]) as Tensor4D));
}

/**
 * The kh·kw windows a conv or pool with these strides reads from the (already padded) x, in row-major tap
 * order: windows[i·kw + j][n, o, o', c] = x[n, o·sh + i, o'·sw + j, c] for o < outH, o' < outW.
 */
export function windows(
  tf: Tfjs, x: Tensor4D, kh: number, kw: number, sh: number, sw: number, outH: number, outW: number, fill = 0,
): Tensor4D[] {
  const [n, , , c] = x.shape;
  // Tap (i, j) is phase (i mod sh, j mod sw) shifted by (i div sh, j div sw).
  const phases = splitPhases(tf, x, sh, sw, outH + Math.ceil(kh / sh) - 1, outW + Math.ceil(kw / sw) - 1, fill);
  const taps: Tensor4D[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const phase = phases[i % sh][j % sw];
      const [di, dj] = [Math.floor(i / sh), Math.floor(j / sw)];
      const whole = di === 0 && dj === 0 && phase.shape[1] === outH && phase.shape[2] === outW;
      taps.push(whole ? phase : tf.slice(phase, [0, di, dj, 0], [n, outH, outW, c]));
    }
  }
  return taps;
}

/** The inverse of splitPhases: phases[r][s] of shape [n, q, q', c] → [n, q·sh, q'·sw, c]. */
export function interleavePhases(tf: Tfjs, phases: Tensor4D[][]): Tensor4D {
  const sh = phases.length;
  const sw = phases[0].length;
  const [n, q, qw, c] = phases[0][0].shape;
  if (sh === 1 && sw === 1) return phases[0][0];
  // Columns: [n, q, q', sw·c] reads as [n, q, q'·sw, c]. Rows: [n, q, sh·W, c] reads as [n, q·sh, W, c].
  const rows = phases.map((row) => (sw === 1 ? row[0] : tf.concat(row, 3).reshape([n, q, qw * sw, c]) as Tensor4D));
  return (sh === 1 ? rows[0] : tf.concat(rows, 2).reshape([n, q * sh, qw * sw, c])) as Tensor4D;
}
