// Option values several commands share (`--input`, `--exit`, `--budget-ms`, `--scale`, `--theme`), checked the way
// the checker checks the same setting in a file, so that a bad value is a usage error here and never an exception
// deeper down.
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

/**
 * The `--exit` option: undefined (the whole detector) or a whole number ≥ 1, checked against a detector by
 * `checkedExit` (./exits.ts, loaded with the command's rooms).
 */
export function parseExit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const exit = Number(value);
  if (!Number.isInteger(exit) || exit < 1) throw new UsageError(`--exit must be a whole number of pyramids, at least 1, not '${value}'`);
  return exit;
}

/** `--budget-ms`: undefined, or a positive number of milliseconds. */
export function parseBudget(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (!(Number.isFinite(ms) && ms > 0)) throw new UsageError(`--budget-ms must be a positive number of milliseconds, not '${value}'`);
  return ms;
}

/** A value that must be one of `allowed`; anything else is a usage error naming `flag`. */
export function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} must be ${allowed.join(', ')}; not '${value}'`);
  return value as T;
}

/** Largest `--scale` of a PNG (pixels per SVG unit): a 200-cell graph at 16 is already ~160,000 px wide. */
const MAX_PNG_SCALE = 16;

/** The `--scale` option of the commands that write PNG: a number in (0, MAX_PNG_SCALE]. */
export function parseScale(value: string): number {
  const scale = Number(value);
  if (!Number.isFinite(scale) || scale <= 0 || scale > MAX_PNG_SCALE) throw new UsageError(`--scale must be a number in (0, ${MAX_PNG_SCALE}], not '${value}'`);
  return scale;
}
