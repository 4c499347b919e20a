// What the commands share about a detector's anytime exits: an `--exit` checked against the detector (build,
// stats, draw, eval, predict), and for a run the forward time of each exit on this machine and backend (measured
// once, then read from the run folder) and the exit a time budget allows (eval, predict). Loaded inside the
// commands' actions, with the rooms they use.
import type * as TF from '@tensorflow/tfjs';
import type { ExitTimes } from '../predict/exit-times.js';
import { exitProblem, exitsOf, lastExit } from '../semantics/exits.js';
import type { DetectorIR } from '../semantics/ir.js';
import type { SavedRecipe } from '../train/saved-run.js';
import { UsageError } from './errors.js';
import { displayPath } from './report.js';

type Tfjs = typeof TF;

/**
 * `exit` if it is an exit of `detector` (src/semantics/exits.ts). An exit the detector lacks is a usage error:
 * the file and the run are fine, the command line asks for a head that was never built — the message says
 * why, and how to add anytime heads.
 */
export function checkedExit(detector: DetectorIR, exit: number): number {
  const problem = exitProblem(detector, exit);
  if (problem) throw new UsageError(`--exit ${exit}: ${problem}`);
  return exit;
}

/** The `--exit` given (checked), else the last exit: the one model a run's prediction uses. */
export const exitOrLast = (detector: DetectorIR, exit: number | undefined): number => checkedExit(detector, exit ?? lastExit(detector));

/**
 * The forward time of every exit of the run's detector on `backend` here: from the run folder's cache when
 * it holds them (unless `fresh`), else measured (each exit's own model, one at a time) and cached.
 */
export async function exitTimes(tf: Tfjs, run: SavedRecipe, backend: string, fresh: boolean): Promise<{ times: ExitTimes; cached: boolean }> {
  const [{ cacheExitTimes, cachedExitTimes, measureExits, timingKeyHere, TIMED_PASSES }, { buildDetectorModel }] = await Promise.all([
    import('../predict/exit-times.js'), import('../train/model.js'),
  ]);
  const detector = run.recipe.detector;
  const key = timingKeyHere(backend, detector.inputSize);
  const exits = exitsOf(detector);
  const cached = !fresh && run.runDir !== null ? cachedExitTimes(run.runDir, key, exits) : null;
  if (cached) return { times: cached, cached: true };
  process.stderr.write(`timing ${exits.length === 1 ? 'the exit' : `${exits.length} exits`} of ${detector.name} on ${backend} (median of ${TIMED_PASSES} passes of one ${detector.inputSize}×${detector.inputSize} image)…\n`);
  const times = await measureExits(tf, detector, key, exits, (exit) => buildDetectorModel(detector, run.recipe.seed, exit));
  if (run.runDir !== null) cacheExitTimes(run.runDir, times);
  return { times, cached: false };
}

/** The exit `--budget-ms` allows (the deepest whose time fits), said on stderr with the times it chose from. */
export async function exitForBudget(tf: Tfjs, run: SavedRecipe, backend: string, budgetMs: number): Promise<number> {
  const { exitWithin } = await import('../predict/exit-times.js');
  const { times, cached } = await exitTimes(tf, run, backend, false);
  const { time, fits } = exitWithin(times.exits, budgetMs);
  const source = cached ? `measured ${times.measuredAt} on ${backend}, cached in ${displayPath(run.runDir!)}` : `measured now on ${backend}`;
  const all = times.exits.map((t) => `exit ${t.exit} ${t.ms} ms`).join(', ');
  process.stderr.write(fits
    ? `--budget-ms ${budgetMs}: exit ${time.exit} of ${run.recipe.detector.repeats} (${all}; one image's forward pass, ${source})\n`
    : `warning: --budget-ms ${budgetMs}: no exit fits (${all}; ${source}); using the fastest, exit ${time.exit}\n`);
  return time.exit;
}
