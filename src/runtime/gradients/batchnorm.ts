// The batch-norm gradient without its full-size Tile.
//
// tfjs-core's FusedBatchNorm gradient tiles 1/√(σ² + ε) out to the whole input shape before multiplying
// it into dy, where broadcasting gives the same numbers. On wasm that Tile is ~10 % of a training step of
// the proxy detector (77 BN layers in training mode). Other backends keep tfjs's own.
import type * as TF from '@tensorflow/tfjs';
import { overrideGradientOn } from './override.js';

type Tfjs = typeof TF;

export function registerBatchNormGradient(tf: Tfjs): void {
  overrideGradientOn(tf, 'FusedBatchNorm', 'wasm', (builtin, dy, saved, attrs) => {
    const grads = builtin(dy, saved, attrs);
    const [x, , variance, scale] = saved;
    const epsilon = (attrs as { varianceEpsilon: number }).varianceEpsilon;
    return {
      ...grads,
      x: () => {
        const perChannel = tf.rsqrt(tf.add(variance, epsilon));
        const factor = scale === undefined ? perChannel : tf.mul(perChannel, scale);
        return tf.mul(dy as TF.Tensor, factor).reshape(x.shape);
      },
    };
  });
}
