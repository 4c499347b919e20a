// The learning rate at each step of a recipe: linear warm-up, then the peak with step decays or a cosine.
// A pure function of the step (and the run's length), so a resumed run needs only its step to continue the
// schedule exactly: the "LR position" a checkpoint stores is the step.
//
// [TPU] learning_rates.py: StepLearningRateWithLinearWarmup (warm-up from warmup_learning_rate to the peak
// over warmup_steps, then the peak times the factor of every boundary passed) and CosineLearningRateWithLinear
// Warmup (after the warm-up, peak · ½(1 + cos(π · (step − warmup) / (total − warmup)))).
import type { TrainIR } from '../semantics/ir.js';
import { assertNever } from '../util/assert-never.js';

/** The steps of a run: the recipe's steps, or its epochs times the data's steps per epoch. */
export function totalSteps(recipe: Pick<TrainIR, 'length'>, stepsPerEpoch: number): number {
  switch (recipe.length.unit) {
    case 'steps':
      return recipe.length.count;
    case 'epochs':
      return recipe.length.count * stepsPerEpoch;
    default:
      return assertNever(recipe.length.unit, 'run length unit');
  }
}

/** The learning rate of the update made at `step` (0-based). */
export function learningRateAt(
  recipe: Pick<TrainIR, 'learningRate' | 'warmup' | 'decay'>, step: number, stepsPerEpoch: number, total: number,
): number {
  const { peak } = recipe.learningRate;
  const { steps: warmupSteps, from } = recipe.warmup;
  if (step < warmupSteps) return from + (peak - from) * (step / warmupSteps);
  const decay = recipe.decay;
  switch (decay.kind) {
    case 'none':
      return peak;
    case 'step': {
      const boundaries = decay.unit === 'epochs' ? decay.at.map((e) => Math.round(e * stepsPerEpoch)) : decay.at;
      const passed = boundaries.filter((b) => step >= b).length;
      return peak * decay.factor ** passed;
    }
    case 'cosine': {
      const span = Math.max(1, total - warmupSteps);
      return peak * 0.5 * (1 + Math.cos((Math.PI * Math.min(step - warmupSteps, span)) / span));
    }
    default:
      return assertNever(decay, 'decay');
  }
}
