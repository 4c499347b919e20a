// A warm start: a new model's backbone and heads set from a checkpoint of another detector (the paper's detectors
// start from a pretrained backbone), the pyramid between them left at its fresh initialisation. A weight is copied
// when the checkpoint has one of the same name and shape; names are the layer names of src/codegen/lower.ts, so a
// checkpoint of any detector with the same backbone serves, and heads carry over where widths and classes agree.
import type { NamedArray } from './checkpoint.js';
import type { TrainingEngine } from './engine.js';

/** The parts of a detector a warm start copies, by the prefix of their weights' names (src/codegen/lower.ts). */
export const WARM_START_PARTS = ['backbone/', 'head/'] as const;

export interface WarmStartResult {
  /** Weights set from the checkpoint, and those of the copied parts left fresh (absent, or another shape). */
  copied: number;
  fresh: number;
}

/** `built` with its backbone and head weights taken from `saved` where name and shape match; the rest as built. */
export function warmStartWeights(built: readonly NamedArray[], saved: readonly NamedArray[]): WarmStartResult & { weights: NamedArray[] } {
  const byName = new Map(saved.map((s) => [s.name, s]));
  let copied = 0;
  let fresh = 0;
  const weights = built.map((weight) => {
    if (!WARM_START_PARTS.some((part) => weight.name.startsWith(part))) return weight;
    const source = byName.get(weight.name);
    if (!source || source.shape.join() !== weight.shape.join()) {
      fresh++;
      return weight;
    }
    copied++;
    return { ...weight, values: source.values };
  });
  return { weights, copied, fresh };
}

/** Warm-starts a freshly opened engine (either kind): its weights as warmStartWeights says, its slots unchanged. */
export async function warmStart(engine: TrainingEngine, saved: readonly NamedArray[]): Promise<WarmStartResult> {
  const { weights, copied, fresh } = warmStartWeights(await engine.readWeights(), saved);
  await engine.restore(weights, await engine.readSlots());
  return { copied, fresh };
}
