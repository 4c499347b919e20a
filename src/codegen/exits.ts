// The parameters and FLOPs of every exit of a detector (src/semantics/exits.ts): each exit's own model, as
// `lowerDetector(…, { exit })` builds it, counted. Exit K holds the backbone, pyramids 1..K and the head after
// pyramid K; the heads' convolutions are shared by every exit, so they count once in each.
import { countModel, type ModelCounts } from './count.js';
import { lowerDetector } from './lower.js';
import { exitsOf } from '../semantics/exits.js';
import type { DetectorIR } from '../semantics/ir.js';

export interface ExitCounts extends ModelCounts {
  exit: number;
}

/** The counts of each exit of `detector` at its input size, shallowest first. */
export const countExits = (detector: DetectorIR): ExitCounts[] =>
  exitsOf(detector).map((exit) => ({ exit, ...countModel(lowerDetector(detector, { exit })) }));

/** The parts of a detector an exit runs: its pyramids (1..K) and the heads, each by the pyramid it follows. */
export interface PartsRun {
  pyramids: ReadonlySet<number>;
  heads: ReadonlySet<number>;
}

/**
 * What exit `exit` runs, read off the model `lowerDetector` builds for it (so that a drawing greys exactly what
 * the truncation leaves out): the pyramids whose layers it holds, the heads whose outputs it has.
 */
export function partsRun(detector: DetectorIR, exit: number): PartsRun {
  const spec = lowerDetector(detector, { exit });
  const pyramids = spec.groups.flatMap((g) => /^stack(\d+)$/.exec(g)?.slice(1).map(Number) ?? []);
  const heads = spec.outputs.map((o) => Number(/^stack(\d+)\//.exec(o.name)?.[1] ?? detector.repeats));
  return { pyramids: new Set(pyramids), heads: new Set(heads) };
}
