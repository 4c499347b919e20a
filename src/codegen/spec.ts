// The model description: a flat, serialisable list of layers and of their applications (nodes), with every
// tensor shape known statically. One description drives three consumers, so they can never disagree:
//   - builder.ts instantiates it as a tf.LayersModel,
//   - emit.ts prints it as readable TypeScript that calls the same layer constructors,
//   - count.ts sums parameters and multiply-adds from it without allocating a single weight.
//
// This file and everything it imports are free of TensorFlow.js, so `nasfpn stats` never loads it.

/** Height, width, channels of one image (the batch dimension is left out everywhere). */
export type Shape = [height: number, width: number, channels: number];

/** How a weight tensor starts. The builder turns these into tf.initializers calls, the emitter prints them. */
export type InitSpec =
  | { kind: 'zeros' }
  | { kind: 'constant'; value: number }
  | { kind: 'randomNormal'; stddev: number }
  | { kind: 'glorotUniform' }
  | { kind: 'varianceScaling'; scale: number; mode: 'fanIn' | 'fanOut' | 'fanAvg'; distribution: 'truncatedNormal' | 'normal' | 'uniform' };

export interface Conv2DConfig {
  filters: number;
  kernelSize: number;
  strides: number;
  padding: 'same' | 'valid';
  useBias: boolean;
  kernelInit: InitSpec;
  biasInit: InitSpec;
}

/** Depthwise k×k (multiplier 1) then pointwise 1×1 to `filters`, one bias (tf.layers.separable_conv2d). */
export interface SeparableConv2DConfig {
  filters: number;
  kernelSize: number;
  /** SAME padding; 1 when left out (the stride-2 convs of `kind fpn` with `conv separable` set it). */
  strides?: number;
  useBias: boolean;
  depthwiseInit: InitSpec;
  pointwiseInit: InitSpec;
  biasInit: InitSpec;
}

export interface DepthwiseConv2DConfig {
  kernelSize: number;
  strides: number;
  padding: 'same' | 'valid';
  init: InitSpec;
}

/** Every layer kind the models use. The custom ones (globalPoolMerge, weightedSum, dropBlock, batchNorm) live in layers.ts. */
export type LayerConfig =
  | { kind: 'conv2d'; config: Conv2DConfig }
  | { kind: 'separableConv2d'; config: SeparableConv2DConfig }
  | { kind: 'depthwiseConv2d'; config: DepthwiseConv2DConfig }
  /** Keras semantics: moving = moving·momentum + batch·(1 − momentum); γ=1, β=0. */
  | { kind: 'batchNorm'; config: { momentum: number; epsilon: number } }
  /** ReLU, capped at maxValue when given (ReLU6 in MobileNetV2). */
  | { kind: 'relu'; config: { maxValue?: number } }
  /** Explicit padding [[top, bottom], [left, right]] before a VALID strided conv (the TF reference's fixed padding). */
  | { kind: 'zeroPad'; config: { padding: [[number, number], [number, number]] } }
  /** Max pooling with TF "SAME" padding. */
  | { kind: 'maxPool'; config: { poolSize: number; strides: number } }
  /** Nearest-neighbour upsampling by an integer factor (each pixel repeated factor×factor times). */
  | { kind: 'upsample'; config: { factor: number } }
  | { kind: 'add'; config: Record<string, never> }
  /** inputs [pooled, gated]: pooled + gated · σ(pool(pooled)), pool a per-channel global max or mean. */
  | { kind: 'globalPoolMerge'; config: { pool: 'max' | 'avg' } }
  /** Σ relu(wᵢ)·xᵢ / (Σ relu(wᵢ) + ε): one learned scalar weight per input, initialised to 1 (BiFPN). */
  | { kind: 'weightedSum'; config: { epsilon: number } }
  /** DropBlock (Ghiasi et al. 2018): identity at inference, drops blockSize² blocks in training. */
  | { kind: 'dropBlock'; config: { blockSize: number; keepProb: number } };

export type LayerKind = LayerConfig['kind'];

/** Which part of the detector a layer belongs to, for the parameter/FLOP breakdown. */
export type Group = string;

/** One layer (one set of weights). A layer applied more than once (the shared head convs) has several nodes. */
export type LayerSpec = LayerConfig & {
  /** Stable, readable name, e.g. `backbone/res3/block0/conv2`, `stack2/cell3/conv`; also its weights' prefix. */
  name: string;
  group: Group;
};

/** One application of a layer: a tensor of the model. */
export interface NodeSpec {
  /** Unique id of the produced tensor (the layer name, or `layer@P3` for a shared layer applied per level). */
  id: string;
  layer: string;
  inputs: string[];
  shape: Shape;
  /** A line for readers of the emitted code, printed as a comment above this node (e.g. the cell's formula). */
  note?: string;
}

export interface ModelOutput {
  /** e.g. `class/P3`, `box/P7`, or `stack3/class/P3` for anytime heads. */
  name: string;
  node: string;
}

export interface ModelSpec {
  name: string;
  input: { name: string; shape: Shape };
  /** Layers in first-use order. */
  layers: LayerSpec[];
  /** Nodes in topological order. */
  nodes: NodeSpec[];
  outputs: ModelOutput[];
  /** Groups in display order (backbone, laterals, stack1..N, head). */
  groups: Group[];
}
