// The graph engine: a recipe's detector, losses, backward pass and optimizer compiled into one TensorFlow graph
// (src/graph/train-program.ts) and run by tfjs-node's TensorFlow library as one session call a step. Weights
// and slots live in the session's variables; they come in and go out under the eager model's names and order
// (engine.ts), so checkpoints are the same files whichever engine wrote them.
//
// The initial weights are the eager model's, drawn from the recipe's seed by the TensorFlow.js initialisers
// (train/model.ts): a fresh run starts from the same weights on both engines.
import type * as TF from '@tensorflow/tfjs';
import { lowerDetector } from '../codegen/lower.js';
import type { ModelSpec } from '../codegen/spec.js';
import type { DetectionBatch } from '../data/types.js';
import { cachedGraph, cacheRoot } from '../graph/cache.js';
import { unsupportedOpError } from '../graph/errors.js';
import type { GraphObjective } from '../graph/losses.js';
import type { Manifest } from '../graph/saved-model.js';
import { buildTrainProgram, GRADIENT_NORM, LOSS, type TrainProgramOptions } from '../graph/train-program.js';
import { SavedModelSession } from '../runtime/saved-model-session.js';
import { BOX_LOSS_WEIGHT, FOCAL_ALPHA, FOCAL_GAMMA, HUBER_DELTA } from '../semantics/defaults.js';
import type { TrainIR } from '../semantics/ir.js';
import { headLayout, type HeadLayout } from '../targets/layout.js';
import { encodeBatchTargets } from '../targets/matching.js';
import type { NamedArray } from './checkpoint.js';
import { readWeights, type StepOutcome, type TrainingEngine } from './engine.js';
import { DECAYED_WEIGHT_NAME, lossOptionsFor } from './losses.js';
import { buildDetectorModel } from './model.js';

type Tfjs = typeof TF;

/** A training graph open in a session, and what opening it cost. */
export interface OpenGraph {
  session: SavedModelSession;
  manifest: Manifest;
  /** Where its SavedModel is (in the cache). */
  dir: string;
  built: boolean;
  buildSeconds: number;
  loadSeconds: number;
}

/** The training graph for `options`, from the cache (built and stored on a miss), loaded into a new session. */
export function openTrainGraph(tf: Tfjs, options: TrainProgramOptions, cacheDir = cacheRoot()): OpenGraph {
  const cached = cachedGraph({ program: 'train', ...options }, () => buildTrainProgram(options), cacheDir);
  const start = performance.now();
  let session: SavedModelSession;
  try {
    session = SavedModelSession.open(tf, cached.dir, cached.manifest.signatures);
  } catch (error) {
    throw unsupportedOpError(error) ?? error;
  }
  return { session, manifest: cached.manifest, dir: cached.dir, built: cached.built, buildSeconds: cached.buildSeconds, loadSeconds: (performance.now() - start) / 1000 };
}

/** The detection objective of a recipe, as the eager path's detectionObjective computes it (train/detection.ts). */
export function detectionGraphObjective(recipe: TrainIR, trainableNames: readonly string[]): GraphObjective {
  const options = lossOptionsFor(recipe.detector);
  return {
    kind: 'detection', layout: headLayout(recipe.detector), alpha: options.alpha ?? FOCAL_ALPHA, gamma: options.gamma ?? FOCAL_GAMMA,
    huberDelta: options.huberDelta ?? HUBER_DELTA, boxLossWeight: options.boxLossWeight ?? BOX_LOSS_WEIGHT,
    weightDecay: recipe.weightDecay, decayed: trainableNames.filter((name) => DECAYED_WEIGHT_NAME.test(name)),
  };
}

export interface GraphEngineOptions {
  /** The SavedModel cache's root (default: cacheRoot()). */
  cacheDir?: string;
}

export class GraphEngine implements TrainingEngine {
  readonly kind = 'graph';

  private constructor(
    private readonly tf: Tfjs,
    readonly graph: OpenGraph,
    private readonly spec: ModelSpec,
    private readonly layout: HeadLayout,
    /** The eager model's weight and trainable-weight names: the checkpoint order. */
    private readonly order: { weights: NamedShape[]; trainable: NamedShape[] },
  ) {}

  /** Compiles (or finds) the recipe's training graph, opens it, and sets the recipe's initial weights. */
  static async open(tf: Tfjs, recipe: TrainIR, options: GraphEngineOptions = {}): Promise<GraphEngine> {
    const spec = lowerDetector(recipe.detector);
    const model = buildDetectorModel(recipe.detector, recipe.seed);
    let initial: NamedArray[];
    let trainable: NamedShape[];
    try {
      initial = await readWeights(model);
      trainable = model.trainableWeights.map((w) => ({ name: w.originalName, shape: w.shape as number[] }));
    } finally {
      model.dispose();
    }
    const graph = openTrainGraph(tf, {
      spec, batch: recipe.batch, objective: detectionGraphObjective(recipe, trainable.map((w) => w.name)),
      momentum: recipe.momentum, clipNorm: recipe.clipNorm,
    }, options.cacheDir);
    const engine = new GraphEngine(tf, graph, spec, headLayout(recipe.detector), { weights: initial.map(({ name, shape }) => ({ name, shape })), trainable });
    try {
      engine.checkVariables();
      await engine.restore(initial, trainable.map(({ name, shape }) => ({ name, shape, values: new Float32Array(size(shape)) })));
    } catch (error) {
      engine.dispose();
      throw error;
    }
    return engine;
  }

  async step(batch: DetectionBatch, learningRate: number, seed: number): Promise<StepOutcome> {
    const tf = this.tf;
    const targets = encodeBatchTargets(this.layout, batch.targets);
    const inputs: Record<string, TF.Tensor> = {
      images: tf.tensor4d(batch.images, [batch.batch, batch.size, batch.size, 3]),
      class_targets: tf.tensor2d(targets.classes, [targets.batch, targets.anchorCount], 'int32'),
      box_targets: tf.tensor3d(targets.boxes, [targets.batch, targets.anchorCount, 4]),
      lr: tf.scalar(learningRate),
    };
    // The step's DropBlock draws: TensorFlow's stateless generator keyed by the step's seed.
    if ('seed' in this.graph.manifest.signatures.train_step.inputs) inputs.seed = tf.tensor1d([seed | 0, 0], 'int32');
    const outputs = this.graph.session.run('train_step', inputs);
    try {
      const value = async (key: string) => (await outputs[key].data())[0];
      const partNames = Object.keys(outputs).filter((k) => k !== LOSS && k !== GRADIENT_NORM);
      const parts: Record<string, number> = {};
      for (const name of partNames) parts[name] = await value(name);
      return { loss: await value(LOSS), parts, gradientNorm: await value(GRADIENT_NORM) };
    } finally {
      tf.dispose([...Object.values(inputs), ...Object.values(outputs)]);
    }
  }

  readWeights(): Promise<NamedArray[]> {
    return this.read('weights', this.order.weights);
  }

  async readSlots(): Promise<NamedArray[]> {
    // Plain SGD keeps no slots: zeros, as the eager optimizer saves them.
    if (!this.graph.manifest.variables.slots) return this.order.trainable.map(({ name, shape }) => ({ name, shape, values: new Float32Array(size(shape)) }));
    return this.read('slots', this.order.trainable);
  }

  async restore(weights: readonly NamedArray[], slots: readonly NamedArray[]): Promise<void> {
    this.write('weights', weights, this.order.weights, 'weights');
    if (this.graph.manifest.variables.slots) this.write('slots', slots, this.order.trainable, 'optimizer slots');
    else checkNames(slots, this.order.trainable, 'optimizer slots');
  }

  heads(images: TF.Tensor4D): TF.Tensor[] {
    const outputs = this.graph.session.run('predict', { images });
    return this.spec.outputs.map((o) => outputs[o.name]);
  }

  dispose(): void {
    this.graph.session.dispose();
  }

  /** The graph's variables are the eager model's weights (a bug otherwise: the two lower the same spec). */
  private checkVariables(): void {
    const graphNames = new Map(this.graph.manifest.variables.weights.map((v) => [v.name, v.shape.join()]));
    const differ = this.order.weights.filter((w) => graphNames.get(w.name) !== w.shape.join());
    if (differ.length > 0 || graphNames.size !== this.order.weights.length) {
      throw new Error(`internal error: the training graph's variables differ from the model's weights (${differ.map((w) => w.name).slice(0, 3).join(', ')})`);
    }
  }

  /** Reads a variable list in checkpoint order. */
  private async read(what: 'weights' | 'slots', order: NamedShape[]): Promise<NamedArray[]> {
    const outputs = this.graph.session.run(`read_${what}`, {});
    try {
      const byName = new Map<string, Float32Array>();
      const variables = this.graph.manifest.variables[what]!;
      for (const [i, v] of variables.entries()) byName.set(v.name, (await outputs[String(i)].data()) as Float32Array);
      return order.map(({ name, shape }) => ({ name, shape, values: byName.get(name)! }));
    } finally {
      this.tf.dispose(Object.values(outputs));
    }
  }

  /** Sets a variable list from arrays named and ordered as `order` (a checkpoint's). */
  private write(what: 'weights' | 'slots', saved: readonly NamedArray[], order: NamedShape[], label: string): void {
    checkNames(saved, order, label);
    const byName = new Map(saved.map((s) => [s.name, s]));
    const inputs = Object.fromEntries(this.graph.manifest.variables[what]!.map((v, i) => {
      const s = byName.get(v.name)!;
      return [String(i), this.tf.tensor(s.values, s.shape)];
    }));
    try {
      this.tf.dispose(Object.values(this.graph.session.run(`set_${what}`, inputs)));
    } finally {
      this.tf.dispose(Object.values(inputs));
    }
  }
}

interface NamedShape {
  name: string;
  shape: number[];
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** The eager engine's checks (engine.ts writeWeights, optimizer.ts load): the same names and shapes, in order. */
function checkNames(saved: readonly NamedArray[], order: NamedShape[], label: string): void {
  if (saved.length !== order.length) throw new Error(`the checkpoint has ${saved.length} ${label}, the model ${order.length}`);
  saved.forEach((s, i) => {
    if (s.name !== order[i].name || s.shape.join() !== order[i].shape.join()) {
      throw new Error(`checkpoint ${label} ${i} is ${s.name} [${s.shape}], the model's is ${order[i].name} [${order[i].shape}]`);
    }
  });
}
