// A warm start: a new model's backbone and heads set from a checkpoint of another detector (the paper's detectors
// start from a pretrained backbone), the pyramid between them left at its fresh initialisation. A weight is copied
// when the checkpoint has one of the same name and shape; names are the layer names of src/codegen/lower.ts, so a
// checkpoint of any detector with the same backbone serves, and heads carry over where widths and classes agree.
import type * as TF from '@tensorflow/tfjs';
import type { NamedArray } from './checkpoint.js';

/** The parts of a detector a warm start copies, by the prefix of their weights' names (src/codegen/lower.ts). */
export const WARM_START_PARTS = ['backbone/', 'head/'] as const;

export interface WarmStartResult {
  /** Weights set from the checkpoint, and those of the copied parts left fresh (absent, or another shape). */
  copied: number;
  fresh: number;
}

/** Sets `model`'s backbone and head weights from `saved` where name and shape match; the rest stays as built. */
export function warmStart(tf: typeof TF, model: TF.LayersModel, saved: readonly NamedArray[]): WarmStartResult {
  const byName = new Map(saved.map((s) => [s.name, s]));
  let copied = 0;
  let fresh = 0;
  for (const weight of model.weights) {
    if (!WARM_START_PARTS.some((part) => weight.originalName.startsWith(part))) continue;
    const source = byName.get(weight.originalName);
    if (!source || source.shape.join() !== (weight.shape as number[]).join()) {
      fresh++;
      continue;
    }
    tf.tidy(() => {
      weight.write(tf.tensor(source.values, source.shape));
    });
    copied++;
  }
  return { copied, fresh };
}
