// The training program of a detector as one TensorFlow graph: its weights and optimizer slots as resource
// variables, and the signatures that use them (all run in one session, so the variables persist between calls):
//
//   train_step(images, targets…, lr[, seed]) → loss, its parts, gradient_norm
//       forward in training mode, the loss, the backward pass (gradients.ts), the moving averages of every
//       batch norm, clipping by the global gradient norm and the momentum-SGD update, all in one call. The
//       update runs only when the loss and the norm are finite (a TF1 conditional), so a non-finite step
//       leaves the weights as they were, as the eager trainer does.
//   predict(images) → the head outputs, in inference mode (any batch size)
//   set_weights(w0…) / read_weights() → every weight (moving statistics included), in `variables.weights` order
//   set_slots(s0…) / read_slots() → the momentum accumulators, in `variables.slots` order (momentum > 0 only)
//
// The variables hold nothing until set_weights (and set_slots) run: the caller sets the initial weights (the
// eager model's, drawn from the recipe's seed) or a checkpoint's.
import type { ModelSpec } from '../codegen/spec.js';
import { GraphBuilder, type Tensor } from './builder.js';
import { emitForward, specWeights, type WeightSource } from './forward.js';
import { gradients } from './gradients.js';
import { emitLoss, type GraphObjective } from './losses.js';
import * as op from './ops.js';
import { manifestOf, savedModelBytes, type Manifest, type Signature, type VariableInfo } from './saved-model.js';

export interface TrainProgramOptions {
  spec: ModelSpec;
  /** Images per step (the train_step signature's static batch). */
  batch: number;
  objective: GraphObjective;
  /** SGD momentum; 0 is plain SGD, with no slots. */
  momentum: number;
  /** Clip the gradients to this global norm; null: no clipping. */
  clipNorm: number | null;
}

export interface BuiltProgram {
  bytes: Uint8Array;
  manifest: Manifest;
  /** Nodes in the graph. */
  nodeCount: number;
}

/** What train_step returns besides the loss parts. */
export const LOSS = 'loss';
export const GRADIENT_NORM = 'gradient_norm';

export function buildTrainProgram(options: TrainProgramOptions, about: Record<string, unknown> = {}): BuiltProgram {
  const { spec, batch, momentum } = options;
  const g = new GraphBuilder();
  const weights = specWeights(spec);
  const trainable = weights.filter((w) => w.trainable);
  const handles = new Map<string, Tensor>();
  const slots = new Map<string, Tensor>();
  g.inScope('variables', () => {
    for (const w of weights) handles.set(w.fullName, op.varHandle(g, w.fullName, w.shape));
  });
  if (momentum > 0) {
    g.inScope('slots', () => {
      for (const w of trainable) slots.set(w.fullName, op.varHandle(g, `${w.fullName}/momentum`, w.shape));
    });
  }
  // One read per variable, shared by every use in the step (a head conv applied on five levels reads once).
  const reads = new Map<string, Tensor>();
  const source: WeightSource = {
    weight: (name, shape) => {
      let read = reads.get(name);
      if (!read) {
        const handle = handles.get(name);
        if (!handle) throw new Error(`internal error: no variable ${name}`);
        read = g.inScope('read', () => op.readVariable(g, handle, shape, name));
        reads.set(name, read);
      }
      return read;
    },
  };
  const shapes = new Map(weights.map((w) => [w.fullName, w.shape]));
  const shapeOf = (name: string) => shapes.get(name)!;

  const signatures: Record<string, Signature> = {};
  signatures.train_step = g.inScope('train', () => trainStep(g, options, source, handles, slots, trainable.map((w) => w.fullName), shapeOf));
  signatures.predict = g.inScope('predict', () => {
    const images = op.placeholder(g, 'images', 'float32', [-1, ...spec.input.shape]);
    const { outputs } = emitForward(g, spec, images, { mode: 'inference', weights: source });
    return { inputs: { images }, outputs: Object.fromEntries(spec.outputs.map((o, i) => [o.name, outputs[i]])) };
  });
  Object.assign(signatures, variableSignatures(g, 'weights', weights.map((w) => w.fullName), handles, shapeOf));
  if (momentum > 0) Object.assign(signatures, variableSignatures(g, 'slots', trainable.map((w) => w.fullName), slots, shapeOf));

  const variables: Record<string, VariableInfo[]> = { weights: weights.map((w) => ({ name: w.fullName, shape: w.shape })) };
  if (momentum > 0) variables.slots = trainable.map((w) => ({ name: w.fullName, shape: w.shape }));
  return { bytes: savedModelBytes(g, signatures), manifest: manifestOf(signatures, variables, { ...about, batch }), nodeCount: g.nodes.length };
}

function trainStep(
  g: GraphBuilder, options: TrainProgramOptions, source: WeightSource, handles: Map<string, Tensor>, slots: Map<string, Tensor>,
  trainable: string[], shapeOf: (name: string) => number[],
): Signature {
  const { spec, batch, momentum, clipNorm } = options;
  const images = op.placeholder(g, 'images', 'float32', [batch, ...spec.input.shape]);
  const lr = op.placeholder(g, 'lr', 'float32', []);
  const needsSeed = spec.layers.some((l) => l.kind === 'dropBlock' && l.config.keepProb < 1);
  const seed = needsSeed ? op.placeholder(g, 'seed', 'int32', [2]) : undefined;
  const forward = g.inScope('forward', () => emitForward(g, spec, images, { mode: 'train', weights: source, seed }));
  const loss = emitLoss(g, options.objective, forward.outputs, (name) => source.weight(name, shapeOf(name)));
  const reads = trainable.map((name) => source.weight(name, shapeOf(name)));
  const grads = gradients(g, loss.total, reads);

  const update = g.inScope('update', () => {
    // The global norm before clipping, as tf.clip_by_global_norm reports it: √(Σ 2·L2Loss(g)).
    const norm = op.sqrt(g, op.mul(g, op.addN(g, grads.map((d) => op.l2Loss(g, d))), op.scalar(g, 2)), GRADIENT_NORM);
    const scale = clipNorm === null ? null : op.div(g, op.scalar(g, clipNorm), op.maximum(g, norm, op.scalar(g, clipNorm)), 'clip_factor');
    const finite = op.logicalAnd(g, op.isFinite(g, loss.total), op.isFinite(g, norm), 'finite');
    const momentumValue = op.scalar(g, momentum, 'momentum');
    const applied = trainable.map((name, i) => g.inScope(name, () => {
      const gradient = scale === null ? grads[i] : op.mul(g, grads[i], scale, 'clipped');
      const [, whenFinite] = op.switchOn(g, gradient, finite);
      const handle = handles.get(name)!;
      return momentum > 0 ? op.applyMomentum(g, handle, slots.get(name)!, lr, whenFinite, momentumValue) : op.applyGradientDescent(g, handle, lr, whenFinite);
    }));
    // The join after the conditional: alive on both branches, and after every update on the finite one.
    const [skipped, taken] = op.switchOn(g, finite, finite, 'branch');
    const joined = op.merge(g, [op.identity(g, taken, 'updated', applied), op.identity(g, skipped, 'not_updated')], 'join');
    const averaged = movingAverages(g, spec, forward.statistics, handles);
    return { norm, done: [joined.node, averaged] };
  });
  const outputs: Record<string, Tensor> = { [LOSS]: loss.total, ...loss.parts, [GRADIENT_NORM]: update.norm };
  return {
    inputs: { images, ...loss.inputs, lr, ...(seed ? { seed } : {}) },
    outputs: Object.fromEntries(Object.entries(outputs).map(([k, t]) => [k, op.identity(g, t, `out_${k}`, update.done)])),
  };
}

/** moving ← moving − (moving − batch)·(1 − momentum) for every batch norm, as tf.layers writes it; one node waiting for all. */
function movingAverages(g: GraphBuilder, spec: ModelSpec, statistics: { layer: string; mean: Tensor; variance: Tensor }[], handles: Map<string, Tensor>): string {
  const layers = new Map(spec.layers.map((l) => [l.name, l]));
  const assigns = statistics.map(({ layer, mean, variance }) => g.inScope(layer, () => {
    const bn = layers.get(layer)!;
    if (bn.kind !== 'batchNorm') throw new Error(`internal error: statistics of ${layer}, a ${bn.kind}`);
    const factor = op.scalar(g, 1 - bn.config.momentum, 'factor');
    return [['moving_mean', mean], ['moving_variance', variance]].map(([name, batchValue]) => {
      const handle = handles.get(`${layer}/${name}`)!;
      const moving = op.readVariable(g, handle, (batchValue as Tensor).shape, `${name}_before`);
      const moved = op.sub(g, moving, op.mul(g, op.sub(g, moving, batchValue as Tensor), factor), `${name}_after`);
      return op.assignVariable(g, handle, moved, `assign_${name}`);
    });
  })).flat();
  return op.group(g, assigns, 'moving_averages');
}

/** set_NAME (assigns every listed variable from an input) and read_NAME (returns them), inputs and outputs keyed 0, 1, …. */
function variableSignatures(g: GraphBuilder, what: string, names: string[], handles: Map<string, Tensor>, shapeOf: (name: string) => number[]): Record<string, Signature> {
  return g.inScope(what, () => {
    const inputs: Record<string, Tensor> = {};
    const assigns = names.map((name, i) => {
      const value = op.placeholder(g, `set/${i}`, 'float32', shapeOf(name));
      inputs[String(i)] = value;
      return op.assignVariable(g, handles.get(name)!, value, `assign/${i}`);
    });
    const done = op.identity(g, op.scalar(g, names.length, 'count'), 'set_done', assigns);
    const outputs = Object.fromEntries(names.map((name, i) => [String(i), op.readVariable(g, handles.get(name)!, shapeOf(name), `get/${i}`)]));
    return { [`set_${what}`]: { inputs, outputs: { done } }, [`read_${what}`]: { inputs: {}, outputs } };
  });
}
