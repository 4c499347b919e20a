// TensorFlow ops that tfjs-node does not expose, registered as kernels of its 'tensorflow' backend.
//
// On tfjs-node a training step of a small detector is dominated by per-op cost (each tfjs kernel is one
// TensorFlow eager op through the Node addon, tens of µs, whatever its size), and tfjs composes several
// layers' gradients from many small ops where TensorFlow has one fused op. The addon can run any TensorFlow
// op by name (`executeMultipleOutputs`), so these kernels call TensorFlow's own:
//
// - `FusedBatchNormV3` in training mode: y of a 4-D NHWC batch norm and its moving averages moved in one op,
//   plus two for the variance's Bessel correction (tfjs: moments, rsqrt, centring and scaling, ~12 ops with
//   their casts, and 6 for the averages), and `FusedBatchNormGradV3`, its whole gradient in one op (tfjs
//   autodiff or the closed form in batchnorm-training.ts: ~10 ops).
// - `ReluGrad`: dy · (x > 0) in one op (relu.ts without this: compare, cast, multiply).
// And two shortcuts: a `Reshape` to the shape a tensor already has, and a `Cast` to its own dtype, share its
// data (unlessNoOp).
//
// Kernels, not direct calls, so that tf.profile and tf.engine see them like any other op. The other
// backends do not register them; callers check `hasKernel` and keep their tfjs formulation there.
import type * as TF from '@tensorflow/tfjs';

type Tfjs = typeof TF;

/** Kernel names (prefixed: they are this project's, not tfjs's). */
export const BATCH_NORM_TRAINING = 'NasfpnFusedBatchNormTraining';
export const BATCH_NORM_TRAINING_GRAD = 'NasfpnFusedBatchNormTrainingGrad';
export const RELU_GRAD = 'NasfpnReluGrad';

const TENSORFLOW = 'tensorflow';

/** The part of tfjs-node's NodeJSKernelBackend these kernels use. */
interface NodeBackend {
  binding: Record<string, number>;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: TF.TensorInfo[], outputs: number): TF.Tensor[];
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: TF.TensorInfo[]): TF.Tensor;
}
interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}

interface KernelArgs {
  inputs: Record<string, TF.TensorInfo>;
  attrs?: Record<string, unknown>;
  backend: unknown;
}

const floatType = (b: NodeBackend, name: string): OpAttr => ({ name, type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT });

/** FusedBatchNormV3/GradV3 attributes for NHWC training ([TF] core/ops/nn_ops.cc `FusedBatchNormV3`). */
const batchNormAttrs = (b: NodeBackend, epsilon: number): OpAttr[] => [
  floatType(b, 'T'),
  floatType(b, 'U'),
  { name: 'epsilon', type: b.binding.TF_ATTR_FLOAT, value: epsilon },
  { name: 'data_format', type: b.binding.TF_ATTR_STRING, value: 'NHWC' },
  { name: 'is_training', type: b.binding.TF_ATTR_BOOL, value: true },
];

const kernels = (tf: Tfjs): { kernelName: string; kernelFunc: (args: KernelArgs) => TF.Tensor | TF.Tensor[] }[] => [
  {
    // Inputs x [N,H,W,C], scale, offset, movingMean, movingVariance [C]; attrs epsilon, momentum. Outputs
    // [y, movingMean', movingVariance', reserve1, reserve2, reserve3]: the moving averages after this batch,
    // moving·momentum + batch·(1 − momentum), with the biased batch variance (as tf.layers); the reserve spaces
    // are what the gradient op needs (on CPU: the batch mean and the biased batch variance).
    kernelName: BATCH_NORM_TRAINING,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const b = backend as NodeBackend;
      const { x, scale, offset, movingMean, movingVariance } = inputs;
      const factor = 1 - (attrs!.momentum as number);
      const [y, mean, unbiasedAverage, reserve1, reserve2, reserve3] = b.executeMultipleOutputs('FusedBatchNormV3', [
        ...batchNormAttrs(b, attrs!.epsilon as number),
        { name: 'exponential_avg_factor', type: b.binding.TF_ATTR_FLOAT, value: factor },
      ], [x, scale, offset, movingMean, movingVariance], 6);
      // TensorFlow averages the Bessel-corrected variance, (1 − f)·moving + f·v·N/(N − 1) (v biased, N values a
      // channel); taking f·v/(N − 1) back off leaves (1 − f)·moving + f·v.
      const count = x.shape[0] * x.shape[1] * x.shape[2];
      const correction = tf.scalar(count > 1 ? factor / (count - 1) : 0);
      const excess = b.executeSingleOutput('Mul', [floatType(b, 'T')], [reserve2, correction]);
      const variance = b.executeSingleOutput('Sub', [floatType(b, 'T')], [unbiasedAverage, excess]);
      tf.dispose([correction, excess, unbiasedAverage]);
      return [y, mean, variance, reserve1, reserve2, reserve3];
    },
  },
  {
    // Inputs dy, x, scale, reserve1, reserve2, reserve3 (from the forward kernel); attrs epsilon.
    // Outputs [dx, dscale, doffset] (the op's two further outputs are unused placeholders, freed here).
    kernelName: BATCH_NORM_TRAINING_GRAD,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const b = backend as NodeBackend;
      const { dy, x, scale, reserve1, reserve2, reserve3 } = inputs;
      const outputs = b.executeMultipleOutputs('FusedBatchNormGradV3', batchNormAttrs(b, attrs!.epsilon as number),
        [dy, x, scale, reserve1, reserve2, reserve3], 5);
      outputs[3].dispose();
      outputs[4].dispose();
      return outputs.slice(0, 3);
    },
  },
  {
    // Inputs dy, x: dy where x > 0, else 0 ([TF] core/ops/nn_ops.cc `ReluGrad`).
    kernelName: RELU_GRAD,
    kernelFunc: ({ inputs, backend }) => {
      const b = backend as NodeBackend;
      return b.executeSingleOutput('ReluGrad', [floatType(b, 'T')], [inputs.dy, inputs.x]);
    },
  },
];

/**
 * tfjs-node's Reshape always runs TensorFlow's Reshape op, with the shape uploaded as a new tensor, and its
 * Cast always runs TensorFlow's Cast. tfjs's gradients reshape to the shape a tensor already has at every
 * broadcasting binary op and every fused conv's bias (`reshape(sum(dy, axes), x.shape)`, with no axes to sum in
 * the common case), and cast to the dtype it already has in the gradients of Identity, Multiply and RealDiv:
 * ~200 such no-op calls a step of the proxy detector. These share the data instead, as tfjs-node's own Identity
 * kernel does; any other reshape or cast goes to the native kernel.
 */
function unlessNoOp(native: TF.KernelConfig, isNoOp: (x: TF.TensorInfo, attrs: Record<string, unknown>) => boolean) {
  return (args: KernelArgs): TF.TensorInfo => {
    const { x } = args.inputs;
    if (!isNoOp(x, args.attrs ?? {})) return native.kernelFunc(args as unknown as Parameters<TF.KernelFunc>[0]) as TF.TensorInfo;
    (args.backend as { incRef(dataId: unknown): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

const sameShape = (x: TF.TensorInfo, attrs: Record<string, unknown>): boolean => {
  const shape = attrs.shape as number[];
  const inferred = shape.filter((d) => d === -1).length === 1;
  return shape.length === x.shape.length && shape.every((d, i) => d === x.shape[i] || (d === -1 && inferred));
};

const sameDtype = (x: TF.TensorInfo, attrs: Record<string, unknown>): boolean => attrs.dtype === x.dtype;

const NO_OP_SHORTCUTS: [kernelName: string, isNoOp: (x: TF.TensorInfo, attrs: Record<string, unknown>) => boolean][] = [
  ['Reshape', sameShape],
  ['Cast', sameDtype],
];

let registered = false;

/** Registers the kernels for tfjs-node's 'tensorflow' backend (call once its package has loaded). */
export function registerTensorflowKernels(tf: Tfjs): void {
  if (registered) return;
  registered = true;
  for (const { kernelName, kernelFunc } of kernels(tf)) {
    tf.registerKernel({ kernelName, backendName: TENSORFLOW, kernelFunc: kernelFunc as unknown as TF.KernelFunc });
  }
  for (const [kernelName, isNoOp] of NO_OP_SHORTCUTS) {
    const native = tf.getKernel(kernelName, TENSORFLOW);
    if (!native) continue;
    tf.unregisterKernel(kernelName, TENSORFLOW);
    tf.registerKernel({ kernelName, backendName: TENSORFLOW, kernelFunc: unlessNoOp(native, isNoOp) as unknown as TF.KernelFunc });
  }
}

/** Whether the current backend has `kernelName` (one of the kernels above). */
export const hasKernel = (tf: Tfjs, kernelName: string): boolean => tf.getKernel(kernelName, tf.getBackend()) !== undefined;
