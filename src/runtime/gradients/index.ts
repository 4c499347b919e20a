// Replacement backward kernels for the wasm backend, so that models train on it, and fast.
//
// Why kernels and not tf.registerGradient: a conv reaches its backward pass by two routes. tf.conv2d's
// registered gradient calls the Conv2DBackpropInput/Filter ops, but tf.fused.conv2d (what tf.layers uses
// for a conv with bias) carries its own customGrad that calls the same ops directly, bypassing any
// registered gradient. Both routes end in the backprop *kernels*, so replacing those per backend covers
// both. It also chooses by backend for free: only wasm gets the replacements; tfjs-node (TensorFlow's
// kernels) and WebGPU keep their native ones, and the cpu backend keeps its built-in ones, which makes it
// the reference the parity test compares against.
//
// What the wasm backend of tfjs 4.22 lacks or runs slowly, found by running every layer kind's gradient
// on it (test/runtime/parity.test.ts):
// - Conv2DBackpropFilter: not registered at all ("training fails"). Replaced by im2col + one matmul.
// - Conv2DBackpropInput: registered, but ~8× slower than the forward conv. Replaced by forward convs.
// - DepthwiseConv2dNativeBackpropFilter / …Input (the separable convs of the Lite models): not registered.
import type * as TF from '@tensorflow/tfjs';
import {
  conv2dFilterGradient, conv2dInputGradient, depthwiseFilterGradient, depthwiseInputGradient, type ConvGeometry,
} from './conv-backprop.js';

type Tfjs = typeof TF;
type Tensor4D = TF.Tensor4D;

interface KernelArgs {
  inputs: Record<string, TF.TensorInfo>;
  attrs?: Record<string, unknown>;
  backend: unknown;
}

/** The kernels registered here, with what each replaced (null where the backend had none). */
export const REPLACED_KERNELS = [
  'Conv2DBackpropFilter', 'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput',
] as const;

const registeredFor = new Set<string>();

/**
 * Registers the replacements for the given backend (only 'wasm' needs them). Call after the backend's own
 * module has registered its kernels: a replaced native kernel is kept as the fallback for attributes the
 * replacement does not handle (NCHW data, dilations).
 */
export function registerReplacementKernels(tf: Tfjs, backendName = 'wasm'): void {
  if (registeredFor.has(backendName)) return;
  registeredFor.add(backendName);

  const replace = (kernelName: string, compute: (args: KernelArgs, native: TF.KernelConfig | undefined) => TF.TensorInfo) => {
    const native = tf.getKernel(kernelName, backendName);
    if (native) tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({ kernelName, backendName, kernelFunc: ((args: KernelArgs) => compute(args, native)) as unknown as TF.KernelFunc });
  };
  // Inside a kernel the tape is off (engine kernelDepth > 0), so these tf ops are not recorded; the tidy in
  // each gradient function frees the intermediates and the returned tensor becomes the kernel's output.
  const asTensor = (info: TF.TensorInfo): Tensor4D =>
    (info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info)) as Tensor4D;
  const geometry = (attrs: Record<string, unknown>): ConvGeometry => ({
    strides: pair(attrs.strides as number | [number, number]),
    pad: attrs.pad as ConvGeometry['pad'],
    dimRoundingMode: attrs.dimRoundingMode as ConvGeometry['dimRoundingMode'],
  });
  const channelsLast = (attrs: Record<string, unknown>) => attrs.dataFormat === undefined || attrs.dataFormat === 'NHWC';
  const undilated = (attrs: Record<string, unknown>) => attrs.dilations === undefined || pair(attrs.dilations as number).every((d) => d === 1);
  const fallback = (kernelName: string, native: TF.KernelConfig | undefined, args: KernelArgs, why: string) => {
    if (!native) throw new Error(`${kernelName} on ${backendName}: ${why} is not supported`);
    return native.kernelFunc(args as unknown as Parameters<TF.KernelFunc>[0]) as TF.TensorInfo;
  };

  replace('Conv2DBackpropFilter', (args, native) => {
    const attrs = args.attrs ?? {};
    if (!channelsLast(attrs)) return fallback('Conv2DBackpropFilter', native, args, 'NCHW data');
    return conv2dFilterGradient(tf, asTensor(args.inputs.x), asTensor(args.inputs.dy), attrs.filterShape as number[], geometry(attrs));
  });
  replace('Conv2DBackpropInput', (args, native) => {
    const attrs = args.attrs ?? {};
    if (!channelsLast(attrs)) return fallback('Conv2DBackpropInput', native, args, 'NCHW data');
    return conv2dInputGradient(tf, asTensor(args.inputs.dy), asTensor(args.inputs.filter), attrs.inputShape as number[], geometry(attrs));
  });
  replace('DepthwiseConv2dNativeBackpropFilter', (args, native) => {
    const attrs = args.attrs ?? {};
    if (!undilated(attrs)) return fallback('DepthwiseConv2dNativeBackpropFilter', native, args, 'dilation');
    return depthwiseFilterGradient(tf, asTensor(args.inputs.x), asTensor(args.inputs.dy), attrs.filterShape as number[], geometry(attrs));
  });
  replace('DepthwiseConv2dNativeBackpropInput', (args, native) => {
    const attrs = args.attrs ?? {};
    if (!undilated(attrs)) return fallback('DepthwiseConv2dNativeBackpropInput', native, args, 'dilation');
    return depthwiseInputGradient(tf, asTensor(args.inputs.dy), asTensor(args.inputs.filter), attrs.inputShape as number[], geometry(attrs));
  });
}

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);
