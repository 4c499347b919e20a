// Convolution gradients written with ordinary tf ops that the wasm backend runs fast.
//
// The wasm backend has fast forward convolutions (XNNPACK) and a fast matmul, but no Conv2DBackpropFilter
// kernel at all (training fails), a slow Conv2DBackpropInput (8× its forward conv), and no depthwise
// backprop kernels. These functions express each gradient as matmuls or as forward convolutions:
//
// - filter gradient: itself a conv of the padded input (batch and channels swapped) by the output gradient
//   as a dilated filter, when the conv does not widen; otherwise im2col (the kh·kw shifted, strided windows
//   of the padded input, gathered by one depthwise conv of 0/1 filters) and one matmul with the output
//   gradient. Depthwise: the same conv idea with the batch folded into the channels.
// - input gradient (sub-pixel decomposition): an input pixel at padded position t = q·s + r (stride s,
//   phase r) only receives output gradients through the filter taps r, r + s, r + 2s, … So for each phase
//   the gradient is a stride-1 correlation of the output gradient with that phase's taps, flipped in space
//   and with in/out channels swapped; the s×s phase results interleave into the input (a depth-to-space).
//   For stride 1 this is the textbook "forward conv with the flipped filter"; for stride 2 it costs what the
//   forward conv costs, without the zero-filled upsampling a transposed conv would convolve over.
//
// All functions take NHWC tensors and the same attributes as the kernels they replace.
import type * as TF from '@tensorflow/tfjs';
import { interleavePhases, windows } from './windows.js';

type Tfjs = typeof TF;
type Tensor4D = TF.Tensor4D;
type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];
type Pad = 'same' | 'valid' | number | ExplicitPad;
/** A stride-1 forward conv of (a window of) dy with one phase's flipped taps, zero-padded by `pad`. */
type PhaseConv = (dyWindow: Tensor4D, taps: Tensor4D, pad: ExplicitPad) => Tensor4D;

export interface ConvGeometry {
  strides: [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Top and left padding and output size, exactly as tfjs's forward conv computes them. */
function convInfo(tf: Tfjs, inShape: number[], filterShape: number[], g: ConvGeometry, depthwise: boolean) {
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    g.strides, 1, g.pad as 'same', g.dimRoundingMode, depthwise,
  );
  return {
    top: info.padInfo.top, left: info.padInfo.left,
    outHeight: info.outHeight, outWidth: info.outWidth,
    strideH: info.strideHeight, strideW: info.strideWidth,
  };
}

/** x padded, or cropped, to exactly the extent a conv with this geometry reads; and the output size. */
function padForWindows(tf: Tfjs, x: Tensor4D, kh: number, kw: number, g: ConvGeometry, depthwise: boolean) {
  const [, h, w, c] = x.shape;
  const { top, left, outHeight, outWidth, strideH, strideW } = convInfo(tf, x.shape, [kh, kw, c, 1], g, depthwise);
  const bottom = (outHeight - 1) * strideH + kh - h - top;
  const right = (outWidth - 1) * strideW + kw - w - left;
  let padded: Tensor4D = x;
  if (top > 0 || left > 0 || bottom > 0 || right > 0) {
    padded = tf.pad(x, [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]]);
  }
  // Rows and columns past the last window (a 'valid' conv whose stride skips them) are cut off.
  if (bottom < 0 || right < 0) {
    padded = tf.slice(padded, [0, 0, 0, 0], [x.shape[0], (outHeight - 1) * strideH + kh, (outWidth - 1) * strideW + kw, c]);
  }
  return { padded, outHeight, outWidth, strideH, strideW };
}

/**
 * The kh·kw windows of x that a conv with this geometry reads, each [N, outH, outW, C], in the filter's
 * row-major tap order: concatenated along channels they are the im2col matrix, channel (i·kw + j)·C + c.
 */
function im2col(tf: Tfjs, x: Tensor4D, kh: number, kw: number, g: ConvGeometry, depthwise: boolean): Tensor4D[] {
  const { padded, outHeight, outWidth, strideH, strideW } = padForWindows(tf, x, kh, kw, g, depthwise);
  return windows(tf, padded, kh, kw, strideH, strideW, outHeight, outWidth);
}

/** 0/1 depthwise filters [kh, kw, C, kh·kw] that copy tap t of channel c to output channel c·kh·kw + t. */
const selectorCache = new Map<string, Float32Array>();
function tapSelector(kh: number, kw: number, c: number): Float32Array {
  const key = `${kh}x${kw}x${c}`;
  let values = selectorCache.get(key);
  if (!values) {
    const taps = kh * kw;
    values = new Float32Array(taps * c * taps);
    for (let t = 0; t < taps; t++) {
      for (let ch = 0; ch < c; ch++) values[(t * c + ch) * taps + t] = 1;
    }
    selectorCache.set(key, values);
  }
  return values;
}

/**
 * dL/dfilter of conv2d(x, filter) given dL/dy: dWᵀ = dyᵀ · im2col(x).
 *
 * The im2col matrix comes from one depthwise conv of x with 0/1 tap-selecting filters (exact: each output is
 * one input times 1 plus zeros), which XNNPACK runs faster than cutting the k² windows out with slices
 * (2.2× for the 7×7/2 stem, ~1.5× for small maps, about even for large ones). Its channels come out in
 * (c, tap) order, which the final transpose sorts into the filter's [kh, kw, in, out]. And wasm's matmul
 * runs ~10× slower with a transposed-operand flag than on an operand transposed beforehand, so dy (out
 * channels wide) is transposed once up front.
 */
export function conv2dFilterGradient(tf: Tfjs, x: Tensor4D, dy: Tensor4D, filterShape: number[], g: ConvGeometry): TF.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, inC, outC] = filterShape;
    const taps = kh * kw;
    const rows = dy.shape[0] * dy.shape[1] * dy.shape[2];
    const dyT = tf.transpose(dy.reshape([rows, outC]));
    if (taps > 1 && inC >= 16 && outC <= inC) {
      // dW[i, j, c, o] = Σ_{n,p,q} x_pad[n, p·s + i, q·s + j, c] · dy[n, p, q, o] is itself a conv: of the
      // padded input with batch and channels swapped, by dy as a (dilation s) filter, down to kh×kw. One
      // XNNPACK call, up to 2× faster than im2col + matmul when the conv does not widen (64→64: 16 vs 31 ms
      // at batch 4, 32×32); slower when it widens (the class predictor, 64→819) or the input is narrow
      // (the RGB stem), which keep the im2col route below.
      const { padded } = padForWindows(tf, x, kh, kw, g, false);
      const input = tf.transpose(padded, [3, 1, 2, 0]) as Tensor4D; // [in, h, w, batch]
      const filter = tf.transpose(dy, [1, 2, 0, 3]) as Tensor4D; // [outH, outW, batch, out]
      const { strides } = g;
      const perInChannel = tf.conv2d(input, filter, 1, 'valid', 'NHWC', strides); // [in, kh, kw, out]
      return tf.transpose(perInChannel, [1, 2, 0, 3]) as Tensor4D;
    }
    let cols: TF.Tensor;
    if (taps === 1) {
      cols = im2col(tf, x, kh, kw, g, false)[0];
    } else {
      const { padded, strideH, strideW } = padForWindows(tf, x, kh, kw, g, false);
      const selector = tf.tensor4d(tapSelector(kh, kw, inC), [kh, kw, inC, taps]);
      cols = tf.depthwiseConv2d(padded, selector, [strideH, strideW], 'valid');
    }
    const dWT = tf.matMul(dyT, cols.reshape([rows, inC * taps])); // [out, in·taps]
    return tf.transpose(dWT.reshape([outC, inC, taps]), [2, 1, 0]).reshape([kh, kw, inC, outC]) as Tensor4D;
  });
}

/** dL/dfilter of depthwiseConv2d(x, filter) given dL/dy: per tap, the channel-wise sum of window · dy. */
export function depthwiseFilterGradient(tf: Tfjs, x: Tensor4D, dy: Tensor4D, filterShape: number[], g: ConvGeometry): TF.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, c, multiplier] = filterShape;
    const rows = dy.shape[0] * dy.shape[1] * dy.shape[2];
    if (multiplier === 1) {
      // dW[i, j, c] = Σ_{n,p,q} x_pad[n, p·s + i, q·s + j, c] · dy[n, p, q, c] is itself a depthwise conv:
      // of the padded input, with the batch folded into the channels, by dy as a (dilation s) filter, down
      // to a kh×kw output; then a sum over the batch. One XNNPACK call: 3–4× faster on MobileNetV2's
      // layers than per-tap products and sums (a sum over a leading axis transposes first on wasm).
      const { padded, strideH, strideW } = padForWindows(tf, x, kh, kw, g, true);
      const [n, ph, pw] = padded.shape;
      const [, oh, ow] = dy.shape;
      const input = tf.transpose(padded, [1, 2, 0, 3]).reshape([1, ph, pw, n * c]) as Tensor4D;
      const filter = tf.transpose(dy, [1, 2, 0, 3]).reshape([oh, ow, n * c, 1]) as Tensor4D;
      const perImage = tf.depthwiseConv2d(input, filter, 1, 'valid', 'NHWC', [strideH, strideW]);
      return tf.sum(perImage.reshape([kh, kw, n, c]), 2).reshape([kh, kw, c, 1]) as Tensor4D;
    }
    const taps = im2col(tf, x, kh, kw, g, true);
    // dy's channel c·multiplier + m belongs to input channel c. One reduction per tap keeps the memory at
    // one window's size (a single [rows, taps, c, multiplier] product would be taps times larger).
    const dyRows = dy.reshape([rows, c, multiplier]);
    const perTap = taps.map((window) => tf.sum(tf.mul(window.reshape([rows, c, 1]), dyRows), 0));
    return tf.stack(perTap).reshape([kh, kw, c, multiplier]) as Tensor4D;
  });
}

/**
 * dL/dx of a (depthwise or regular) conv given dL/dy, by the sub-pixel decomposition described above.
 * `phaseConv` runs a stride-1 forward conv of (a window of) dy with one phase's flipped taps.
 */
function inputGradient(
  tf: Tfjs, dy: Tensor4D, filter: Tensor4D, inputShape: number[], g: ConvGeometry, depthwise: boolean,
  phaseConv: PhaseConv,
): Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = inputShape;
    const [kh, kw] = filter.shape;
    const { top, left, strideH: sh, strideW: sw } = convInfo(tf, inputShape, filter.shape, g, depthwise);
    const [, outH, outW] = dy.shape;
    // Input row y sits at padded position t = y + top = q·sh + r; rows y = 0..h-1 need q in [q0, q1].
    const rowsQ = quotientRange(top, h, sh);
    const colsQ = quotientRange(left, w, sw);
    const phases: Tensor4D[][] = [];
    for (let r = 0; r < sh; r++) {
      const row: Tensor4D[] = [];
      for (let s = 0; s < sw; s++) {
        row.push(phaseGradient(tf, dy, filter, r, s, sh, sw, rowsQ, colsQ, [outH, outW], [n, c], phaseConv));
      }
      phases.push(row);
    }
    // Interleave the phases into [N, Q·sh, Q'·sw, C], then crop to the input.
    const qh = rowsQ[1] - rowsQ[0] + 1;
    const qw = colsQ[1] - colsQ[0] + 1;
    const interleaved = interleavePhases(tf, phases);
    const offH = top - rowsQ[0] * sh;
    const offW = left - colsQ[0] * sw;
    if (offH === 0 && offW === 0 && qh * sh === h && qw * sw === w) return interleaved;
    return tf.slice(interleaved, [0, offH, offW, 0], [n, h, w, c]);
  });
}

/** The quotients q = floor(t / s) for padded positions t = pad .. pad + size - 1. */
function quotientRange(pad: number, size: number, stride: number): [number, number] {
  return [Math.floor(pad / stride), Math.floor((pad + size - 1) / stride)];
}

/**
 * One phase (r, s): out[q, q'] = Σ_{m, m'} dy[q - m, q' - m'] · W[r + m·sh, s + m'·sw] for q in rowsQ,
 * q' in colsQ, written as a 'valid' correlation of a zero-extended window of dy with the flipped taps.
 */
function phaseGradient(
  tf: Tfjs, dy: Tensor4D, filter: Tensor4D, r: number, s: number, sh: number, sw: number,
  rowsQ: [number, number], colsQ: [number, number], [outH, outW]: [number, number], [n, c]: [number, number],
  phaseConv: PhaseConv,
): Tensor4D {
  const [kh, kw] = filter.shape;
  const tapsH = r < kh ? Math.ceil((kh - r) / sh) : 0;
  const tapsW = s < kw ? Math.ceil((kw - s) / sw) : 0;
  const qh = rowsQ[1] - rowsQ[0] + 1;
  const qw = colsQ[1] - colsQ[0] + 1;
  const rows = window1d(rowsQ, tapsH, outH);
  const cols = window1d(colsQ, tapsW, outW);
  if (tapsH === 0 || tapsW === 0 || rows.empty || cols.empty) return tf.zeros([n, qh, qw, c]);
  const taps = flippedTaps(tf, filter, r, s, sh, sw);
  // The zeros around the window go in as the conv's own explicit padding: no padded copy of dy.
  const whole = rows.start === 0 && cols.start === 0 && rows.end === outH - 1 && cols.end === outW - 1;
  const window = whole
    ? dy
    : tf.slice(dy, [0, rows.start, cols.start, 0], [n, rows.end - rows.start + 1, cols.end - cols.start + 1, dy.shape[3]]);
  const pad: ExplicitPad = [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]];
  return phaseConv(window, taps, pad);
}

/**
 * The phase's taps W[r + m·sh, s + m'·sw] in reverse spatial order, as one matmul with a 0/1 selection
 * matrix: exact (each output is 1·w plus zeros), and on wasm ~10× faster than its Reverse or Gather kernels
 * on filters the size of the class predictor's.
 */
function flippedTaps(tf: Tfjs, filter: Tensor4D, r: number, s: number, sh: number, sw: number): Tensor4D {
  const [kh, kw, a, b] = filter.shape;
  const rows: number[] = [];
  for (let i = r; i < kh; i += sh) rows.push(i);
  const cols: number[] = [];
  for (let j = s; j < kw; j += sw) cols.push(j);
  rows.reverse();
  cols.reverse();
  const picked = rows.flatMap((i) => cols.map((j) => i * kw + j));
  if (picked.length === kh * kw && picked.every((tap, k) => tap === k)) return filter;
  const selection = new Float32Array(picked.length * kh * kw);
  picked.forEach((tap, k) => { selection[k * kh * kw + tap] = 1; });
  const taps = tf.matMul(tf.tensor2d(selection, [picked.length, kh * kw]), filter.reshape([kh * kw, a * b]));
  return taps.reshape([rows.length, cols.length, a, b]) as Tensor4D;
}

/** The dy indices q - m (m = 0..taps-1, q in [q0, q1]) clipped to [0, size), with the zeros to add around. */
function window1d([q0, q1]: [number, number], taps: number, size: number) {
  const first = q0 - (taps - 1);
  const start = Math.max(0, first);
  const end = Math.min(size - 1, q1);
  return { start, end, empty: start > end, padBefore: start - first, padAfter: q1 - end };
}

/** dL/dx of conv2d(x, filter) given dL/dy. */
export function conv2dInputGradient(tf: Tfjs, dy: Tensor4D, filter: Tensor4D, inputShape: number[], g: ConvGeometry): Tensor4D {
  return inputGradient(tf, dy, filter, inputShape, g, false, (window, taps, pad) =>
    // The flipped taps [kh', kw', in, out] map dy's `out` channels back to `in`: swap the channel axes.
    tf.conv2d(window, tf.transpose(taps, [0, 1, 3, 2]) as Tensor4D, 1, pad));
}

/** dL/dx of depthwiseConv2d(x, filter) given dL/dy. */
export function depthwiseInputGradient(tf: Tfjs, dy: Tensor4D, filter: Tensor4D, inputShape: number[], g: ConvGeometry): Tensor4D {
  const [, , c, multiplier] = filter.shape;
  return inputGradient(tf, dy, filter, inputShape, g, true, (window, taps, pad) => {
    if (multiplier === 1) return tf.depthwiseConv2d(window, taps, 1, pad);
    // dy channel c·multiplier + m came from input channel c through taps[..., c, m]: one depthwise conv
    // per m over that slice of dy, summed.
    const [wn, wh, ww] = window.shape;
    const perM = window.reshape([wn, wh, ww, c, multiplier]);
    const parts: Tensor4D[] = [];
    for (let m = 0; m < multiplier; m++) {
      const dyM = tf.slice(perM, [0, 0, 0, 0, m], [wn, wh, ww, c, 1]).reshape([wn, wh, ww, c]) as Tensor4D;
      parts.push(tf.depthwiseConv2d(dyM, tf.slice(taps, [0, 0, 0, m], [-1, -1, c, 1]), 1, pad));
    }
    return tf.addN(parts);
  });
}
