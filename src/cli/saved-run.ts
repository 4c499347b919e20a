// A training run's model for the commands that run it (`eval RUN`, `predict RUN`), and the one warning every
// command that trains or runs a model gives: batch norm's moving statistics are still mostly their initial
// values after too few steps for the detector's momentum (src/train/moving-statistics.ts says why).
import type * as TF from '@tensorflow/tfjs';
import type { DetectorIR } from '../semantics/ir.js';
import type { SavedRun } from '../train/saved-run.js';
import { InputError } from './errors.js';

/** Writes the stale-statistics warning (stderr) when `steps` training steps are too few for `detector`'s momentum. */
export async function warnStaleStatistics(detector: DetectorIR, steps: number): Promise<void> {
  const { staleStatisticsWarning } = await import('../train/moving-statistics.js');
  const stale = staleStatisticsWarning(detector.batchNorm.momentum, steps);
  if (stale) process.stderr.write(`warning: ${stale}\n`);
}

/** The model of a run folder (its newest checkpoint) or of one checkpoint; a folder that is neither is bad input. */
export async function openSavedRun(tf: typeof TF, run: string): Promise<SavedRun> {
  const { loadSavedRun } = await import('../train/saved-run.js');
  let saved: SavedRun;
  try {
    saved = loadSavedRun(tf, run);
  } catch (error) {
    throw new InputError(error instanceof Error ? error.message : String(error));
  }
  await warnStaleStatistics(saved.recipe.detector, saved.step);
  return saved;
}
