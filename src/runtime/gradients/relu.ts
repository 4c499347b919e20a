// The ReLU gradient on tfjs-node without the Step op.
//
// tfjs-core's ReLU gradient is dy · step(x). tfjs-node has no native Step: it composes it from several
// TensorFlow ops (NaN test, comparison, fills, selects); in a profiled proxy-detector training step its 70
// Step calls took 30 ms, where the comparison below takes 7 ms (~490 fewer kernel calls a step; the wall-clock
// gain, ~3 %, is within the noise of a shared machine). dy · (x > 0) is the same gradient (it differs only
// for NaN inputs, where Step passes the NaN on). It is one op, TensorFlow's ReluGrad, where the 'tensorflow'
// backend has the kernel for it (tensorflow-ops.ts; always, once tfjs-node has loaded), else compare, cast
// and multiply. Every other backend keeps tfjs's own (wasm has a native Step; the cpu backend stays the
// parity reference).
import type * as TF from '@tensorflow/tfjs';
import { overrideGradientOn } from './override.js';
import { hasKernel, RELU_GRAD } from './tensorflow-ops.js';

type Tfjs = typeof TF;

export function registerReluGradient(tf: Tfjs): void {
  overrideGradientOn(tf, 'Relu', 'tensorflow', (_builtin, dy, saved) => {
    const [x] = saved;
    if (hasKernel(tf, RELU_GRAD)) return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: dy as TF.Tensor, x }) as TF.Tensor };
    return { x: () => tf.mul(dy as TF.Tensor, tf.cast(tf.greater(x, 0), 'float32')) };
  });
}
