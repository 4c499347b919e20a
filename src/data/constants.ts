// The input pipeline's constants, each with its source. (A shared `src/semantics/defaults.ts` was planned for
// such constants; until it exists, the data room keeps its own here.)

/** [TPU] `input_utils.normalize_image`: the ImageNet mean of images scaled to [0, 1], RGB order. */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
/** [TPU] `input_utils.normalize_image`: the ImageNet standard deviation, RGB order. */
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/** [TPU] `retinanet_config.py` `aug_scale_min` / `aug_scale_max`: the random scale jitter range (reference §9.2). */
export const SCALE_JITTER_MIN = 0.8;
export const SCALE_JITTER_MAX = 1.2;

/** [TPU] `retinanet_parser._parse_train_data` (`input_utils.random_horizontal_flip`): the flip probability. */
export const HORIZONTAL_FLIP_PROBABILITY = 0.5;

/** [TPU] `detection_config.py` `input_size`: the paper's square input side at 640 (reference §9.2). */
export const DEFAULT_INPUT_SIZE = 640;

/** [TPU] `anchor.py` / `detection_config.py` `anchor_size`, `num_scales`: anchors of side 4·2^l·2^(i/3) (reference §7). */
export const ANCHOR_SIZE = 4;
export const ANCHOR_SCALES_PER_OCTAVE = 3;
/** The pyramid levels the RetinaNet heads predict from (reference §7: P3–P7). */
export const MIN_LEVEL = 3;
export const MAX_LEVEL = 7;
