// The model a recipe trains: the detector lowered and built by the codegen room, with its initial weights
// drawn from the recipe's seed (so two runs of the same recipe start from the same weights).
import type * as TF from '@tensorflow/tfjs';
import { buildModel } from '../codegen/builder.js';
import { lowerDetector } from '../codegen/lower.js';
import type { DetectorIR } from '../semantics/ir.js';
import { withSeededMathRandom } from './seeded-random.js';

/** With `exit`, the model that stops after that pyramid (lowerDetector's `exit`), for inference. */
export function buildDetectorModel(detector: DetectorIR, seed: number, exit?: number): TF.LayersModel {
  return withSeededMathRandom(seed, () => buildModel(lowerDetector(detector, { exit })));
}
