// The paper's rules for pyramid networks, as predicates. The checker enforces them on written pyramids and
// the architecture search samples with them, so a sampled pyramid is one the checker accepts by construction.
// Sources: [PAPER] Ghiasi, Lin, Le, "NAS-FPN" (arXiv:1904.07392) §3.1; [TPU] github.com/tensorflow/tpu
// models/official/detection/modeling/architecture/nasfpn.py (`Nasfpn.__call__`) and resnet.py.
import type { Level } from './ir.js';
import { levelRange } from './levels.js';

export { computeDanglingSums, type DanglingCellShape, type DanglingResult } from './dangling.js';

/** [PAPER] §3.1: intermediate cells may not choose stride 8, to save computation (P4 = stride 16 is the finest). */
export const FINEST_INTERMEDIATE_LEVEL: Level = 4;

/** May a cell at `level` be an intermediate (non-output) cell? `allowStride8` is the pyramid's `allow stride8`. */
export const mayBeIntermediate = (level: Level, allowStride8: boolean): boolean =>
  allowStride8 || level >= FINEST_INTERMEDIATE_LEVEL;

/**
 * [PAPER] §3.1: a cell merges two different nodes (the second is sampled without replacement) from the list
 * built so far: the pyramid's inputs, then one node per earlier cell. `nodeCount` is that list's length.
 */
export const areValidCellInputs = (first: number, second: number, nodeCount: number): boolean =>
  Number.isInteger(first) && Number.isInteger(second) && first !== second &&
  first >= 0 && second >= 0 && first < nodeCount && second < nodeCount;

/**
 * [PAPER] §3.1 / [TPU] `Nasfpn.__call__`: the output cells produce every level the pyramid takes in, each
 * exactly once, so the network can be stacked. The levels, finest first.
 */
export const requiredOutputLevels = (minLevel: Level, maxLevel: Level): Level[] => levelRange(minLevel, maxLevel);

/** [TPU] resnet.py `Resnet.__call__` (and the MobileNetV2 extractor): every backbone exposes C2..C5. */
export const BACKBONE_ENDPOINT_LEVELS: readonly Level[] = [2, 3, 4, 5];

/** The deepest endpoint (C5, stride 32): levels above it are made from it, and a `kind fpn` top-down path starts there. */
export const TOP_BACKBONE_LEVEL: Level = BACKBONE_ENDPOINT_LEVELS[BACKBONE_ENDPOINT_LEVELS.length - 1];

/** The finest level a pyramid may take from the backbone: [TPU] retinanet_config.py min_level 3 (C2 is not used). */
export const FINEST_PYRAMID_INPUT_LEVEL: Level = 3;

/**
 * Can a backbone feed a pyramid with inputs P`minLevel`..P`maxLevel`? Each level is either a backbone endpoint
 * (projected to the pyramid width) or lies above the top endpoint and is pooled from the level below it
 * ([TPU] `Nasfpn.__call__`: P6 = max_pool(P5), P7 = max_pool(P6)). So the finest input must be an endpoint:
 * C3, C4 or C5. Returns what is wrong, or null.
 */
export function backboneFeedProblem(minLevel: Level, maxLevel: Level): string | null {
  if (minLevel < FINEST_PYRAMID_INPUT_LEVEL) {
    return `the backbones feed the pyramid from C${FINEST_PYRAMID_INPUT_LEVEL}..C${TOP_BACKBONE_LEVEL}; P${minLevel} is finer than C${FINEST_PYRAMID_INPUT_LEVEL}`;
  }
  if (minLevel > TOP_BACKBONE_LEVEL) {
    return `the backbone's coarsest feature is C${TOP_BACKBONE_LEVEL}, so P${minLevel}..P${maxLevel} has no backbone level to start from (levels above P${TOP_BACKBONE_LEVEL} are pooled from the level below)`;
  }
  return null;
}
