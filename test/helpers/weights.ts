// Deterministic, distinct weights for model tests, so that two models agreeing is not an accident of their
// initialisers.
import type * as TF from '@tensorflow/tfjs';
import { randomValues } from './random.js';

/** Gives every weight of `model` a distinct deterministic value (small; moving variances kept positive). */
export function setDeterministicWeights(tf: typeof TF, model: TF.LayersModel): void {
  let seed = 1;
  for (const layer of model.layers) {
    const variables = layer.weights;
    const values = layer.getWeights().map((w, i) =>
      tf.tidy(() => {
        seed += 1;
        const raw = tf.tensor(randomValues(w.size, seed), w.shape);
        // Moving variances must stay positive; keep everything small so activations do not explode.
        return variables[i].originalName.includes('moving_variance') ? raw.abs().add(0.5) : raw.mul(0.1);
      }),
    );
    layer.setWeights(values);
    tf.dispose(values);
  }
}
