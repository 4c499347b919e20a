// The RetinaNet head's output layout: the one place that says which number in the model's outputs belongs to
// which anchor and class. Anchors (anchors.ts), targets (matching.ts), losses (src/train/losses.ts) and
// post-processing (src/predict/postprocess.ts) all index through it, so they cannot disagree.
//
// As [TPU] `heads.py` RetinanetHead and `anchor.py` Anchor.unpack_labels lay it out:
//   - per level a class output [B, H, W, A·K] with channel a·K + k, and a box output [B, H, W, A·4] with channel
//     a·4 + c, c in (ty, tx, th, tw);
//   - a = scaleIndex · ratios + ratioIndex;
//   - the flat anchor order is level → y → x → a, so reshaping a level's class output to [B, H·W·A, K] and
//     concatenating the levels gives [B, N, K] with anchor n at row n (and [B, N, 4] for boxes).
//
// The model's outputs come per head set (one set, or one per pyramid repeat with anytime heads): the class
// outputs of every level, then the box outputs of every level (src/codegen/lower.ts `applyHeads`).
// Plain data, no tensors.
import { strideOf, type DetectorIR, type Level } from '../semantics/ir.js';
import { exitProblem, exitsOf, headPrefix } from '../semantics/exits.js';
import { levelName } from '../semantics/levels.js';

/** One pyramid level of the head. */
export interface LevelLayout {
  readonly level: Level;
  readonly stride: number;
  /** Grid rows and columns at the input size (input size / stride). */
  readonly height: number;
  readonly width: number;
  /** Index of this level's first anchor in the flat anchor order. */
  readonly anchorOffset: number;
  /** height · width · anchorsPerLocation. */
  readonly anchorCount: number;
}

/** One set of head outputs: indices into the model's outputs (`model.outputs`, `model.predict(...)`). */
export interface HeadSet {
  /** The pyramid this head follows (1..repeats): the exit it makes (src/semantics/exits.ts). */
  readonly exit: number;
  /** '' for a single head, `stack{r}/` for the head after pyramid repeat r (anytime heads). */
  readonly prefix: string;
  /** Output index of the class logits per level, in level order. */
  readonly classOutputs: readonly number[];
  /** Output index of the box regressions per level, in level order. */
  readonly boxOutputs: readonly number[];
  /** The spec's output names (`class/P3`, `stack2/box/P7`), in the same order. */
  readonly classNames: readonly string[];
  readonly boxNames: readonly string[];
}

export interface HeadLayout {
  /** Square input side in pixels (padded network input). */
  readonly inputSize: number;
  readonly levels: readonly LevelLayout[];
  /** Anchor settings (from the IR's head.anchors): scales per octave, aspect ratios w/h, size in strides. */
  readonly scales: number;
  readonly ratios: readonly number[];
  readonly anchorSize: number;
  /** A = scales · ratios.length. */
  readonly anchorsPerLocation: number;
  /** K, the class channels (including the unused background channel 0). */
  readonly classes: number;
  /** N, anchors over all levels. */
  readonly anchorCount: number;
  /** The model's head sets in output order; training adds the losses of all, inference reads the last. */
  readonly heads: readonly HeadSet[];
}

/**
 * The head layout of `detector` at its input size (or `inputSize`, a positive multiple of 2^maxLevel, as
 * `lowerDetector` accepts). With `exit`, the layout of the model that stops there (`lowerDetector`'s `exit`):
 * the one head set after pyramid `exit`, its outputs first.
 */
export function headLayout(detector: DetectorIR, inputSize: number = detector.inputSize, exit?: number): HeadLayout {
  const multiple = strideOf(detector.maxLevel);
  if (!Number.isInteger(inputSize) || inputSize <= 0 || inputSize % multiple !== 0) {
    throw new RangeError(`input size ${inputSize} is not a positive multiple of 2^${detector.maxLevel} = ${multiple}`);
  }
  const { scales, ratios, size } = detector.head.anchors;
  const anchorsPerLocation = scales * ratios.length;
  const levels: LevelLayout[] = [];
  let offset = 0;
  for (let level = detector.minLevel; level <= detector.maxLevel; level++) {
    const stride = strideOf(level);
    const side = inputSize / stride;
    const anchorCount = side * side * anchorsPerLocation;
    levels.push({ level, stride, height: side, width: side, anchorOffset: offset, anchorCount });
    offset += anchorCount;
  }

  if (exit !== undefined) {
    const problem = exitProblem(detector, exit);
    if (problem) throw new RangeError(problem);
  }
  const levelCount = levels.length;
  const heads: HeadSet[] = [];
  const headsAfter = exit === undefined ? exitsOf(detector) : [exit];
  for (const [h, repeat] of headsAfter.entries()) {
    const prefix = headPrefix(detector, repeat);
    const first = h * 2 * levelCount;
    heads.push({
      exit: repeat,
      prefix,
      classOutputs: levels.map((_, i) => first + i),
      boxOutputs: levels.map((_, i) => first + levelCount + i),
      classNames: levels.map((l) => `${prefix}class/${levelName(l.level)}`),
      boxNames: levels.map((l) => `${prefix}box/${levelName(l.level)}`),
    });
  }
  return {
    inputSize, levels, scales, ratios: [...ratios], anchorSize: size, anchorsPerLocation,
    classes: detector.head.classes, anchorCount: offset, heads,
  };
}

/** The level that anchor `n` (flat index) belongs to, with its grid position and anchor-shape index. */
export function locateAnchor(layout: HeadLayout, n: number): { level: LevelLayout; y: number; x: number; a: number } {
  for (const level of layout.levels) {
    const local = n - level.anchorOffset;
    if (local >= 0 && local < level.anchorCount) {
      const a = local % layout.anchorsPerLocation;
      const cell = (local - a) / layout.anchorsPerLocation;
      return { level, y: Math.floor(cell / level.width), x: cell % level.width, a };
    }
  }
  throw new RangeError(`anchor ${n} is outside the layout's ${layout.anchorCount} anchors`);
}

/** A short key naming everything the anchors depend on (for caches). */
export function anchorKey(layout: HeadLayout): string {
  const levels = layout.levels.map((l) => l.level).join(',');
  return `${layout.inputSize}|${levels}|${layout.scales}|${layout.ratios.join(',')}|${layout.anchorSize}`;
}
