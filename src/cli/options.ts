// Option values several commands share (`--input`), checked the way the checker checks the same setting in
// a file, so that a bad value is a usage error here and never an exception deeper down.
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
