// A training run's model for the commands that run it (`eval RUN`, `predict RUN`), and the one warning every
// command that trains or runs a model gives: batch norm's moving statistics are still mostly their initial
// values after too few steps for the detector's momentum (src/train/moving-statistics.ts says why).
// A run is read (`readRun`) before the backend starts, so that options checked against its detector (`--exit`)
// fail fast; its model is built from what was read (`openSavedRun`).
import type * as TF from '@tensorflow/tfjs';
import type { DetectorIR } from '../semantics/ir.js';
import type { LoadOptions, ReadRun, SavedRun } from '../train/saved-run.js';
import { terminalLine } from '../util/escape.js';
import { InputError } from './errors.js';

/** Writes the stale-statistics warning (stderr) when `steps` training steps are too few for `detector`'s momentum. */
export async function warnStaleStatistics(detector: DetectorIR, steps: number): Promise<void> {
  const { staleStatisticsWarning } = await import('../train/moving-statistics.js');
  const stale = staleStatisticsWarning(detector.batchNorm.momentum, steps);
  if (stale) process.stderr.write(`warning: ${terminalLine(stale)}\n`);
}

/** Runs `read` (a room's reading of a run), turning its errors into InputError: the run is the user's input. */
export function asInputError<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new InputError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * A run folder's newest intact checkpoint, or one checkpoint, read and checked (no TF.js needed); a folder that is
 * neither is bad input. Gives the stale-statistics warning.
 */
export async function readRun(run: string): Promise<ReadRun> {
  const { readSavedRun } = await import('../train/saved-run.js');
  const read = asInputError(() => readSavedRun(run));
  await warnStaleStatistics(read.recipe.detector, read.step);
  return read;
}

/** The model of a run read by `readRun` (with `exit`, cut after that pyramid). */
export async function openSavedRun(tf: typeof TF, read: ReadRun, options: LoadOptions = {}): Promise<SavedRun> {
  const { loadSavedRun } = await import('../train/saved-run.js');
  return asInputError(() => loadSavedRun(tf, read, options));
}
