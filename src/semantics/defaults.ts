// The numbers of NAS-FPN RetinaNet, each named once with the public source it comes from. The checker fills
// a detector's unset fields from the first group; training, prediction and data read the rest from here, so a
// number is written in exactly one place. Sources:
//   [TPU]   github.com/tensorflow/tpu, models/official/detection (configs/detection_config.py,
//           configs/retinanet_config.py, configs/base_config.py, dataloader/anchor.py, ops/box_utils.py, ops/postprocess_ops.py, ...)
//   [PAPER] Ghiasi, Lin, Le: "NAS-FPN", CVPR 2019, arXiv:1904.07392
//   [MNV2]  Sandler et al.: "MobileNetV2", arXiv:1801.04381
// Tensor-free: any room may import it.
import type { Level } from './ir.js';

// ---------------------------------------------------------------------------------------------------
// Detector defaults (what `detector { … }` means when a setting is left out)

/** [TPU] detection_config.py: architecture min_level (P3, stride 8). */
export const DEFAULT_MIN_LEVEL: Level = 3;
/** [TPU] detection_config.py: architecture max_level (P7, stride 128). */
export const DEFAULT_MAX_LEVEL: Level = 7;
/** [TPU] detection_config.py: retinanet_parser output_size [640, 640]. */
export const DEFAULT_INPUT_SIZE = 640;
/** [TPU] retinanet_config.py: retinanet_head num_convs. */
export const DEFAULT_HEAD_CONVS = 4;
/** [TPU] detection_config.py: architecture num_classes (COCO ids 1..90 plus background 0). */
export const DEFAULT_CLASSES = 91;
/** [TPU] detection_config.py: anchor num_scales (octave scales 2^0, 2^(1/3), 2^(2/3)). */
export const DEFAULT_ANCHOR_SCALES = 3;
/** [TPU] detection_config.py: anchor aspect_ratios (width / height). */
export const DEFAULT_ANCHOR_RATIOS: readonly number[] = [1, 2, 0.5];
/** [TPU] detection_config.py: anchor anchor_size (base anchor = 4 × stride). */
export const DEFAULT_ANCHOR_SIZE = 4;
/** [TPU] heads.py RetinanetHead class_net: bias = −log((1 − π) / π) with π = 0.01. */
export const CLASS_PRIOR = 0.01;
/** [TPU] retinanet_config.py: retinanet_loss focal_loss_alpha. */
export const FOCAL_ALPHA = 0.25;
/** [TPU] retinanet_config.py: retinanet_loss focal_loss_gamma (the paper's β = 1.5). */
export const FOCAL_GAMMA = 1.5;
/** [TPU] base_config.py: batch_norm_activation batch_norm_momentum. */
export const BATCH_NORM_MOMENTUM = 0.997;
/** [TPU] base_config.py: batch_norm_activation batch_norm_epsilon. */
export const BATCH_NORM_EPSILON = 1e-4;
/** [PAPER] §4.3 DropBlock: block size 3. */
export const DROPBLOCK_SIZE = 3;
/** [PAPER] §4.3 DropBlock: keep probability 0.9. */
export const DROPBLOCK_KEEP_PROB = 0.9;
/** [MNV2] §3.4: width multiplier 1.0. */
export const MOBILENET_V2_DEFAULT_WIDTH = 1;

// ---------------------------------------------------------------------------------------------------
// Anchor matching and box coding

/** [TPU] anchor.py AnchorLabeler: match_threshold (IoU ≥ this is a positive). */
export const MATCH_THRESHOLD = 0.5;
/** [TPU] anchor.py AnchorLabeler: unmatched_threshold (IoU < this is a negative; equal thresholds: no ignore band). */
export const UNMATCHED_THRESHOLD = 0.5;
/** [TPU] anchor.py AnchorLabeler → argmax_matcher.py ArgMaxMatcher: force_match_for_each_row. */
export const FORCE_MATCH_FOR_EACH_ROW = true;
/** [TPU] utils/box_utils.py BBOX_XFORM_CLIP: th, tw clipped to log(1000 / 16) before exp (boxes grow ≤ 62.5× their anchor). */
export const BOX_DECODE_CLIP = Math.log(1000 / 16);

// ---------------------------------------------------------------------------------------------------
// Losses and regularisation

/** [TPU] retinanet_config.py: retinanet_loss huber_loss_delta. */
export const HUBER_DELTA = 0.1;
/** [TPU] retinanet_config.py: retinanet_loss box_loss_weight. */
export const BOX_LOSS_WEIGHT = 50;
/** [TPU] base_config.py: train l2_weight_decay (on conv kernels only). */
export const WEIGHT_DECAY = 1e-4;

// ---------------------------------------------------------------------------------------------------
// Schedule (the paper's: 50 epochs, step decays at 30 and 40; warm-up from the [TPU] default)

/** [TPU] base_config.py: train optimizer momentum. */
export const SGD_MOMENTUM = 0.9;
/** [PAPER] §4.1 / [TPU] retinanet_config.py: init_learning_rate 0.08 … */
export const BASE_LEARNING_RATE = 0.08;
/** … at train batch_size 64 (scaled linearly for other batch sizes). */
export const BASE_BATCH_SIZE = 64;
/** [TPU] base_config.py: learning_rate warmup_steps. */
export const WARMUP_STEPS = 500;
/** [TPU] base_config.py: learning_rate warmup_learning_rate (linear from here to the base rate). */
export const WARMUP_LEARNING_RATE = 0.0067;
/** [PAPER] §4.1: the learning rate is multiplied by 0.1 at these epochs. */
export const DECAY_EPOCHS: readonly number[] = [30, 40];
/** [PAPER] §4.1: the step decay factor. */
export const DECAY_FACTOR = 0.1;
/** [PAPER] §4.1: training length in epochs. */
export const TRAIN_EPOCHS = 50;

// The toolkit's own defaults for a `train` recipe (no reference value).

/** Checkpoint every this many steps … */
export const CHECKPOINT_EVERY = 1000;
/** … keeping the newest this many. */
export const CHECKPOINT_KEEP = 3;
/** Log the loss parts every this many steps. */
export const LOG_EVERY = 20;

// ---------------------------------------------------------------------------------------------------
// Input pipeline

/** [PAPER] §4.1 / [TPU] retinanet_parser.py: aug_scale_min, aug_scale_max (scale jitter of the output size). */
export const SCALE_JITTER: readonly [min: number, max: number] = [0.8, 1.2];
/** [TPU] retinanet_parser.py: aug_rand_hflip, probability of a horizontal flip. */
export const FLIP_PROBABILITY = 0.5;
/** [TPU] input_utils.py normalize_image: offset (ImageNet RGB mean, on [0, 1] pixels). */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
/** [TPU] input_utils.py normalize_image: scale (ImageNet RGB std). */
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

// ---------------------------------------------------------------------------------------------------
// Post-processing

/** [TPU] detection_config.py: postprocess pre_nms_num_boxes (top scores per class before NMS). */
export const PRE_NMS_TOP_K = 5000;
/** [TPU] detection_config.py: postprocess nms_iou_threshold. */
export const NMS_IOU_THRESHOLD = 0.5;
/** [TPU] detection_config.py: postprocess score_threshold. */
export const SCORE_THRESHOLD = 0.05;
/** [TPU] detection_config.py: postprocess max_total_size (detections per image). */
export const MAX_DETECTIONS = 100;
