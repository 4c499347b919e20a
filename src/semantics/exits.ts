// The exits of a detector: the pyramids after which it has a head, so that inference may stop there (the
// paper's Section 3.2, "anytime detection"). With `anytime heads` every pyramid has one; without, only the
// last. Exit K runs the backbone, pyramids 1..K and the head after pyramid K (src/codegen/lower.ts builds it).
import type { DetectorIR } from './ir.js';

/** The exits of `detector`, shallowest first: 1..repeats with anytime heads, else the last pyramid alone. */
export function exitsOf(detector: DetectorIR): number[] {
  return detector.anytimeHeads ? Array.from({ length: detector.repeats }, (_, i) => i + 1) : [detector.repeats];
}

/** The deepest exit: the whole detector. */
export const lastExit = (detector: DetectorIR): number => detector.repeats;

/**
 * Why `exit` is not an exit of `detector` (null when it is): out of 1..repeats, or an earlier pyramid of a
 * detector without anytime heads. The message says how to get that exit.
 */
export function exitProblem(detector: DetectorIR, exit: number): string | null {
  const repeats = detector.repeats;
  if (!Number.isInteger(exit) || exit < 1 || exit > repeats) {
    return `${detector.name} stacks ${repeats} pyramid${repeats === 1 ? '' : 's'}: the exit must be a whole number from 1 to ${repeats}, not ${exit}`;
  }
  if (exit < repeats && !detector.anytimeHeads) {
    return `${detector.name} has no anytime heads, so its only exit is the last pyramid (${repeats}): ` +
      `no head is built or trained after pyramid ${exit}. To exit earlier, add the line \`anytime heads\` to detector ` +
      `${detector.name} (a head after every pyramid, all trained together; a run trained without them must be trained again)`;
  }
  return null;
}

/**
 * How the outputs (and the per-level batch norms) of the head after pyramid `repeat` are told apart: by that
 * pyramid (`stack2/`) for anytime heads; a single head has no prefix. The builder names them so
 * (src/codegen/lower.ts), and the head layout reads them so (src/targets/layout.ts).
 */
export const headPrefix = (detector: DetectorIR, repeat: number): string => (detector.anytimeHeads ? `stack${repeat}/` : '');
