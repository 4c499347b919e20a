// Replacement backward kernels, per backend, so that the models train on every backend, correctly and fast.
//
// Why kernels and not tf.registerGradient: a conv reaches its backward pass by two routes. tf.conv2d's
// registered gradient calls the Conv2DBackpropInput/Filter ops, but tf.fused.conv2d (what tf.layers uses
// for a conv with bias) carries its own customGrad that calls the same ops directly, bypassing any
// registered gradient. Both routes end in the backprop *kernels*, so replacing those per backend covers
// both, and chooses by backend for free: tfjs-node (TensorFlow's kernels) and WebGPU keep their native ones.
//
// What tfjs 4.22 lacks, runs slowly or gets wrong, found by running every layer kind's gradient on each
// backend against the cpu backend (test/runtime/layers.parity.test.ts) and against exact formulas
// (test/runtime/gradients.parity.test.ts):
// - wasm Conv2DBackpropFilter: not registered at all (training fails). Replaced by im2col + one matmul.
// - wasm Conv2DBackpropInput: registered, but ~8× slower than the forward conv. Replaced by forward convs.
// - wasm DepthwiseConv2dNativeBackpropFilter / …Input (separable convs, MobileNetV2): not registered.
// - wasm MaxPoolGrad: wrong for some shapes. Replaced by a first-maximum routing with ordinary ops.
// - cpu ResizeNearestNeighborGrad: wrong for batches of more than one image (the cpu backend is otherwise
//   the reference, so it keeps all of its other built-in kernels).
// - the FusedBatchNorm gradient (a registered gradient, not a kernel): a needless full-size Tile, slow on
//   wasm; see batchnorm.ts. And the ReLU gradient's Step, composed from several ops on tfjs-node; relu.ts.
import type * as TF from '@tensorflow/tfjs';
import {
  conv2dFilterGradient, conv2dInputGradient, depthwiseFilterGradient, depthwiseInputGradient, type ConvGeometry,
} from './conv-backprop.js';
import { registerBatchNormGradient } from './batchnorm.js';
import { registerReluGradient } from './relu.js';
import { maxPoolGradient, nearestUpsampleGradient, type PoolGeometry } from './resample-backprop.js';

type Tfjs = typeof TF;
type Tensor4D = TF.Tensor4D;
type Attrs = Record<string, unknown>;

interface KernelArgs {
  inputs: Record<string, TF.TensorInfo>;
  attrs?: Attrs;
  backend: unknown;
}

/**
 * A replacement computes the kernel's output with tf ops, or returns null to hand the call to the backend's
 * own kernel, `native` (attributes it does not handle: NCHW data, dilations).
 */
type Replacement = (tf: Tfjs, inputs: Record<string, Tensor4D>, attrs: Attrs, native: TF.KernelConfig | undefined) => TF.Tensor | null;

const channelsLast = (attrs: Attrs) => attrs.dataFormat === undefined || attrs.dataFormat === 'NHWC';
const undilated = (attrs: Attrs) => attrs.dilations === undefined || pair(attrs.dilations as number).every((d) => d === 1);
const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);
const convGeometry = (attrs: Attrs): ConvGeometry => ({
  strides: pair(attrs.strides as number | [number, number]),
  pad: attrs.pad as ConvGeometry['pad'],
  dimRoundingMode: attrs.dimRoundingMode as ConvGeometry['dimRoundingMode'],
});

/** The replacements, by backend and kernel. */
export const REPLACEMENTS: Record<string, Record<string, Replacement>> = {
  wasm: {
    Conv2DBackpropFilter: (tf, { x, dy }, attrs) =>
      channelsLast(attrs) ? conv2dFilterGradient(tf, x, dy, attrs.filterShape as number[], convGeometry(attrs)) : null,
    Conv2DBackpropInput: (tf, { dy, filter }, attrs) =>
      channelsLast(attrs) ? conv2dInputGradient(tf, dy, filter, attrs.inputShape as number[], convGeometry(attrs)) : null,
    DepthwiseConv2dNativeBackpropFilter: (tf, { x, dy }, attrs) =>
      undilated(attrs) ? depthwiseFilterGradient(tf, x, dy, attrs.filterShape as number[], convGeometry(attrs)) : null,
    DepthwiseConv2dNativeBackpropInput: (tf, { dy, filter }, attrs) =>
      undilated(attrs) ? depthwiseInputGradient(tf, dy, filter, attrs.inputShape as number[], convGeometry(attrs)) : null,
    MaxPoolGrad: (tf, { dy, input, output }, attrs) => maxPoolGradient(tf, dy, input, output, attrs as unknown as PoolGeometry),
  },
  cpu: {
    ResizeNearestNeighborGrad: (tf, { images, dy }, attrs, native) =>
      nearestUpsampleGradient(tf, dy, images.shape, attrs.alignCorners === true) ?? perImage(tf, native!, images, dy, attrs),
  },
};

/**
 * Non-integer resizes on cpu: the built-in kernel is right for a single image, so run it image by image.
 * Only reached by resizes the models do not use (they upsample by 2^k).
 */
function perImage(tf: Tfjs, native: TF.KernelConfig, images: Tensor4D, dy: Tensor4D, attrs: Attrs): TF.Tensor {
  return tf.tidy(() => {
    const parts = tf.unstack(images).map((image, b) => {
      const info = native.kernelFunc({
        inputs: { images: image.expandDims(0), dy: tf.slice(dy, [b, 0, 0, 0], [1, -1, -1, -1]) },
        attrs: attrs as TF.NamedAttrMap, backend: tf.findBackend('cpu')!,
      }) as TF.TensorInfo;
      return tf.engine().makeTensorFromTensorInfo(info);
    });
    return tf.concat(parts, 0);
  });
}

const registeredFor = new Set<string>();

/**
 * Registers the replacements for one backend. Call after the backend's own module has registered its
 * kernels: a replaced native kernel is kept for the cases the replacement hands back.
 */
export function registerReplacementKernels(tf: Tfjs, backendName: string): void {
  if (registeredFor.has(backendName)) return;
  registeredFor.add(backendName);
  for (const [kernelName, replacement] of Object.entries(REPLACEMENTS[backendName] ?? {})) {
    const native = tf.getKernel(kernelName, backendName);
    if (native) tf.unregisterKernel(kernelName, backendName);
    // Inside a kernel the tape is off (the engine's kernelDepth > 0), so these tf ops are not recorded; the
    // tidy in each replacement frees its intermediates, and the tensor it returns becomes the kernel's output.
    const kernelFunc = (args: KernelArgs) => {
      const inputs: Record<string, Tensor4D> = {};
      for (const [name, info] of Object.entries(args.inputs)) {
        inputs[name] = (info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info)) as Tensor4D;
      }
      const result = replacement(tf, inputs, args.attrs ?? {}, native);
      if (result) return result;
      if (!native) throw new Error(`${kernelName} on ${backendName}: these attributes are not supported`);
      return native.kernelFunc(args as unknown as Parameters<TF.KernelFunc>[0]);
    };
    tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as unknown as TF.KernelFunc });
  }
}

let gradientsRegistered = false;

/** Registers the replacement gradients (each keeps tfjs's own on the backends it does not help). */
export function registerReplacementGradients(tf: Tfjs): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  registerBatchNormGradient(tf);
  registerReluGradient(tf);
}
