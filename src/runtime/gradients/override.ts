// Gradients are registered for every backend at once (tf.registerGradient has no backend argument). A
// replacement that is only better on one backend therefore wraps tfjs's own gradient and chooses at gradient
// time, so every other backend keeps the built-in one (and the cpu backend stays the parity reference).
import type * as TF from '@tensorflow/tfjs';

type Tfjs = typeof TF;
type GradFunc = NonNullable<ReturnType<Tfjs['getGradient']>>['gradFunc'];
type GradArgs = Parameters<GradFunc>;

export function overrideGradientOn(
  tf: Tfjs,
  kernelName: string,
  backend: string,
  gradient: (builtin: GradFunc, ...args: GradArgs) => ReturnType<GradFunc>,
): void {
  const builtin = tf.getGradient(kernelName);
  if (!builtin) return;
  tf.registerGradient({
    kernelName,
    inputsToSave: builtin.inputsToSave,
    gradFunc: (dy, saved, attrs) =>
      tf.getBackend() === backend ? gradient(builtin.gradFunc, dy, saved, attrs) : builtin.gradFunc(dy, saved, attrs),
  });
}
