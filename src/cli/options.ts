// Option values several commands share (`--input`, `--exit`), checked the way the checker checks the same setting in
// a file, so that a bad value is a usage error here and never an exception deeper down.
import { exitProblem } from '../semantics/exits.js';
import type { DetectorIR } from '../semantics/ir.js';
import { levelName } from '../semantics/levels.js';
import { MAX_INPUT_SIZE } from '../semantics/limits.js';
import { UsageError } from './errors.js';

/** The `--input` option: undefined (each detector's own size) or a positive integer. */
export function parseInputSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const size = Number(value);
  if (!Number.isInteger(size) || size <= 0) throw new UsageError(`--input must be a positive integer number of pixels, not '${value}'`);
  if (size > MAX_INPUT_SIZE) throw new UsageError(`--input ${size} is more than this toolkit builds: at most ${MAX_INPUT_SIZE} pixels`);
  return size;
}

/** `detector` at the `--input` size (unchanged without one); a size it cannot take is a usage error. */
export function withInputSize(detector: DetectorIR, inputSize: number | undefined): DetectorIR {
  if (inputSize === undefined) return detector;
  const multiple = 2 ** detector.maxLevel;
  if (inputSize % multiple !== 0) {
    throw new UsageError(`${detector.name}: --input ${inputSize} is not a multiple of ${multiple}, the stride of ${levelName(detector.maxLevel)}`);
  }
  return { ...detector, inputSize };
}

/** The `--exit` option: undefined (the whole detector) or a whole number ≥ 1, checked against a detector by `checkedExit`. */
export function parseExit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const exit = Number(value);
  if (!Number.isInteger(exit) || exit < 1) throw new UsageError(`--exit must be a whole number of pyramids, at least 1, not '${value}'`);
  return exit;
}

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
