// The checked IR: the one data structure every later stage (codegen, viz, train, search) consumes.
//
// It is plain, serialisable data: no class instances, no tensors, no references back into the parser.
// A value of these types has passed every check in src/semantics, so consumers may rely on the
// invariants written next to each field without re-checking them.

/** A pyramid level: level L has stride 2^L (P3 = stride 8, P7 = stride 128). */
export type Level = number;

export const strideOf = (level: Level): number => 2 ** level;

// ---------------------------------------------------------------------------------------------------
// Binary ops of a merging cell

/** Elementwise sum of the two resampled inputs. */
export interface SumOp {
  kind: 'sum';
}

/**
 * Global pooling ("global attention"): out = g + x · σ(pool(g)), where g is the resampled `pooled` input,
 * x the other one, and pool a per-channel global max or mean over H×W.
 * The TF reference pools the coarser input with a max (on a level tie, the first input); mmdetection pools
 * the second argument with a mean. The checker resolves the file's choice into the input index here.
 */
export interface GlobalPoolOp {
  kind: 'global_pool';
  pool: 'max' | 'avg';
  /** Which of the cell's two inputs (0 or 1) is pooled and added unchanged; the other one is gated. */
  pooled: 0 | 1;
}

/**
 * Weighted sum, BiFPN's "fast normalized fusion" (Tan, Pang, Le, EfficientDet, CVPR 2020, §3.3):
 * out = (relu(w0)·x0 + relu(w1)·x1) / (relu(w0) + relu(w1) + ε), with one learned scalar weight per input and
 * cell (initialised to 1, so a fresh cell averages its inputs). Symmetric in its inputs, like a sum.
 */
export interface WeightedSumOp {
  kind: 'wsum';
}

/** ε of the fast normalized fusion: [BiFPN] EfficientDet §3.3 "ε = 0.0001" (google/automl efficientdet, weight_method 'fastattn'). */
export const WSUM_EPSILON = 1e-4;
/** Initial value of each fusion weight: [BiFPN] google/automl efficientdet, 'fastattn' weights start at ones. */
export const WSUM_INITIAL_WEIGHT = 1;

export type BinaryOp = SumOp | GlobalPoolOp | WeightedSumOp;

/**
 * The input the TF reference's global pooling pools: the one at the higher (coarser) level, the first on a
 * tie. It is the default of `global_pool`, and the only choice the TF block spec can express.
 */
export const coarserInput = (level0: Level, level1: Level): 0 | 1 => (level0 >= level1 ? 0 : 1);
export type OpKind = BinaryOp['kind'];

// ---------------------------------------------------------------------------------------------------
// Pyramids

/** One feature layer of a pyramid network: one of its inputs, or the output of one of its cells. */
export interface PyramidNode {
  name: string;
  level: Level;
  kind: 'input' | 'cell';
}

/** A merging cell: resample two earlier nodes to `level`, combine them with `op`, add the dangling sums, R-C-B. */
export interface MergingCell {
  name: string;
  level: Level;
  op: BinaryOp;
  /**
   * The two inputs as indices into `PyramidIR.nodes` (the TF reference's "offsets"). Distinct, and both
   * smaller than this cell's own node index.
   */
  inputs: [number, number];
  /** True for the last `outputLevels.length` cells, one per level. */
  isOutput: boolean;
  /**
   * Nodes (indices into `PyramidIR.nodes`) added to the binary op's result before R-C-B because no cell had
   * consumed them when this output cell was built and they sit at its level (the reference's dangling rule).
   * Empty for intermediate cells.
   */
  danglingSums: number[];
}

export interface PyramidIR {
  /** A pyramid of merging cells (the NAS-FPN search space), as opposed to a fixed `kind fpn` pyramid. */
  kind: 'cells';
  name: string;
  /** Inputs in level order, one per level minLevel..maxLevel; node i < inputs.length is input i. */
  minLevel: Level;
  maxLevel: Level;
  /** All nodes: the inputs (indices 0..maxLevel-minLevel), then one per cell in creation order. */
  nodes: PyramidNode[];
  /** Cells in creation order; cell i is node `inputCount + i`. Outputs are the last cells. */
  cells: MergingCell[];
  /** Levels of the output cells in the order they are built (the architecture's output order). */
  outputLevels: Level[];
  /** Whether the file opted out of the paper's "no stride-8 intermediate cell" rule. */
  allowStride8Intermediates: boolean;
}

/**
 * `kind fpn`: the FPN of the TF reference (Lin et al. 2017, as [TPU] modeling/architecture/fpn.py `Fpn`
 * builds it for RetinaNet), a fixed topology with no cells. On the levels the backbone has (up to 5): a 1×1
 * lateral conv (bias, no BN) per level, the top-down path of nearest-upsampled sums carrying the unsmoothed
 * sums, then a 3×3 conv per level ("post-hoc"); P6 = 3×3/2 conv of that P5, P7 = 3×3/2 conv of relu(P6);
 * BN without activation on every output level. Stacked, a later FPN takes all levels as laterals and adds none.
 */
export interface FpnPyramidIR {
  kind: 'fpn';
  name: string;
  minLevel: Level;
  maxLevel: Level;
}

/** A pyramid network of either kind: what a detector stacks and what a file declares with `pyramid`. */
export type PyramidNetworkIR = PyramidIR | FpnPyramidIR;
export type PyramidKind = PyramidNetworkIR['kind'];

export const inputCount = (p: PyramidIR): number => p.maxLevel - p.minLevel + 1;
export const cellNodeIndex = (p: PyramidIR, cellIndex: number): number => inputCount(p) + cellIndex;

/** The output cell (and its node index) producing each level, in level order minLevel..maxLevel. */
export function outputNodeByLevel(p: PyramidIR): Map<Level, number> {
  const byLevel = new Map<Level, number>();
  p.cells.forEach((cell, i) => {
    if (cell.isOutput) byLevel.set(cell.level, cellNodeIndex(p, i));
  });
  return new Map([...byLevel.entries()].sort((a, b) => a[0] - b[0]));
}

// ---------------------------------------------------------------------------------------------------
// Detectors

export type Backbone =
  | { kind: 'resnet'; depth: 10 | 18 | 34 | 50 | 101 }
  | { kind: 'mobilenet_v2'; widthMultiplier: number };

export interface BatchNormSettings {
  momentum: number;
  epsilon: number;
}

export interface AnchorSettings {
  /** Scales per octave: base size 2^(i/scales) for i = 0..scales-1. */
  scales: number;
  /** Aspect ratios width/height, in the order the anchors are laid out. */
  ratios: number[];
  /** Anchor size relative to the stride (the reference's 4.0: 32 px at P3). */
  size: number;
}

export interface RetinaNetHead {
  kind: 'retinanet';
  /** Convs in each of the class and box towers. */
  convs: number;
  /** Width of the tower convs (defaults to the pyramid width). */
  width: number;
  /** Class count K, including the reference's unused background channel when it is 91. */
  classes: number;
  anchors: AnchorSettings;
  /** Prior probability π of the class predictor's bias init, bias = -log((1-π)/π). */
  prior: number;
  focal: { alpha: number; gamma: number };
}

export interface DetectorIR {
  name: string;
  backbone: Backbone;
  /** The pyramid network (a copy of the checked pyramid, so the detector is self-contained). */
  pyramid: PyramidNetworkIR;
  /** Number of stacked pyramid networks (each with its own weights), ≥ 1. */
  repeats: number;
  /** Feature width of the pyramid (and its laterals), > 0. */
  width: number;
  /** The levels the detector predicts on; equal to the pyramid's range. */
  minLevel: Level;
  maxLevel: Level;
  /** Kind of the 3×3 convs in cells and heads: separable = depthwise 3×3 + pointwise (NAS-FPN Lite). */
  conv: 'standard' | 'separable';
  /** DropBlock after BN in the pyramid cells, active in training only; null when off. */
  dropblock: { size: number; keepProb: number } | null;
  /** Heads after every pyramid repeat (deep supervision, early exit), not only the last. */
  anytimeHeads: boolean;
  /** Square input size in pixels; a multiple of 2^maxLevel. */
  inputSize: number;
  head: RetinaNetHead;
  batchNorm: BatchNormSettings;
}

// ---------------------------------------------------------------------------------------------------
// Search spaces

export interface SearchSpaceIR {
  name: string;
  minLevel: Level;
  maxLevel: Level;
  /** Total number of cells, outputs included. */
  cells: number;
  /** Output levels (a set: the controller chooses their order). */
  outputLevels: Level[];
  ops: OpKind[];
  /** Pooling flavour used for sampled global_pool cells. */
  pool: 'max' | 'avg';
  allowStride8Intermediates: boolean;
  /** The detector whose backbone/repeats/width the proxy task trains, when the file names one. */
  proxy: DetectorIR | null;
  /** The proxy task's training recipe, when `proxy` names a `train` declaration (then `proxy` is its detector). */
  proxyRecipe: TrainIR | null;
}

// ---------------------------------------------------------------------------------------------------
// Training recipes

/** When the learning rate drops after warm-up. */
export type DecaySchedule =
  /** Multiply by `factor` at each boundary (the paper's ×0.1 at epochs 30 and 40). Boundaries ascend. */
  | { kind: 'step'; unit: 'epochs' | 'steps'; at: number[]; factor: number }
  /** Half a cosine from the peak down to 0 at the last step ([TPU] learning_rates.py cosine). */
  | { kind: 'cosine' }
  | { kind: 'none' };

/**
 * A `train` declaration: everything a training run needs besides the data itself, so that a run is
 * reproducible from the .fpn file alone. Learning rates here are already scaled to `batch`.
 */
export interface TrainIR {
  name: string;
  detector: DetectorIR;
  /** The data folder as written in the file, and resolved against the file's folder. */
  data: { written: string; path: string };
  /** How long: a whole number of epochs (passes over the train split) or of steps (batches). */
  length: { unit: 'epochs' | 'steps'; count: number };
  /** Images per step, ≥ 1. */
  batch: number;
  /** The written rate `base` holds at `perBatch` images; `peak` = base · batch / perBatch is the rate used. */
  learningRate: { base: number; perBatch: number; peak: number };
  /** Linear warm-up over `steps` steps from `from` (scaled like the peak) to the peak; steps 0 = none. */
  warmup: { steps: number; from: number };
  decay: DecaySchedule;
  momentum: number;
  /** L2 factor on conv kernels (the loss adds weightDecay · Σ ½‖w‖²). */
  weightDecay: number;
  /** Scale jitter: the training target size is round(s · input) with s ~ U[min, max]; [1, 1] is off. */
  jitter: { min: number; max: number };
  /** Probability of a horizontal flip, in [0, 1]. */
  flip: number;
  /** Clip the gradients to this global L2 norm; null is no clipping. */
  clipNorm: number | null;
  /** Write a checkpoint every `every` steps (and at the end), keeping the last `keep`. */
  checkpoint: { every: number; keep: number };
  /** Evaluate COCO AP on the val split every `every` steps (null: only when asked); at most `images` images (null: all). */
  eval: { every: number | null; images: number | null };
  /** Log (metrics.jsonl, progress) every `every` steps. */
  logEvery: number;
  /** Seeds the weights' initialisation, the data order and augmentation. */
  seed: number;
}

// ---------------------------------------------------------------------------------------------------
// A checked file (with its imports resolved)

export interface CheckedProgram {
  /** Absolute path of the file that was checked. */
  file: string;
  pyramids: PyramidNetworkIR[];
  detectors: DetectorIR[];
  searchSpaces: SearchSpaceIR[];
  trains: TrainIR[];
}
