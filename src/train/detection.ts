// What a detection run trains on, from the rooms that provide it: the data room's seeded batch iterator
// (training augmentation from the recipe) and the targets room's anchor matching with the losses (focal +
// Huber + L2, every anytime head). The trainer itself (trainer.ts) knows neither: it sees a BatchSource and an
// Objective. Scoring a model (prediction, COCOeval) lives above this room: src/predict/evaluate.ts.
import type * as TF from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { BatchIterator, type IteratorPosition } from '../data/iterator.js';
import type { DetectionBatch } from '../data/types.js';
import type { TrainIR } from '../semantics/ir.js';
import { headLayout } from '../targets/layout.js';
import { encodeBatchTargets, type BatchTargets } from '../targets/matching.js';
import { decayedWeights, detectionLoss, lossOptionsFor, targetTensors } from './losses.js';
import { EagerEngine, type Objective } from './engine.js';
import { buildDetectorModel } from './model.js';
import type { BatchSource } from './trainer.js';

type Tfjs = typeof TF;

/** The focal, box and L2 losses of the recipe's detector ([TPU] `modeling/losses.py`), with the recipe's weight decay. */
export function detectionObjective(tf: Tfjs, recipe: TrainIR, model: TF.LayersModel): Objective<BatchTargets> {
  const layout = headLayout(recipe.detector);
  const kernels = decayedWeights(model);
  const options = { ...lossOptionsFor(recipe.detector), weightDecay: recipe.weightDecay };
  return {
    targets: (batch) => encodeBatchTargets(layout, batch.targets),
    loss(outputs, targets) {
      const tensors = targetTensors(tf, targets);
      const loss = detectionLoss(tf, layout, outputs, tensors, kernels.map((k) => k.read()), options);
      tf.dispose([tensors.classes, tensors.boxes]);
      return { total: loss.total, parts: { class: loss.class, box: loss.box, l2: loss.l2 } };
    },
  };
}

/** The eager engine for a recipe: its model, built from the recipe's seed, trained on the detection objective. */
export function eagerDetectionEngine(tf: Tfjs, recipe: TrainIR): EagerEngine {
  const model = buildDetectorModel(recipe.detector, recipe.seed);
  return new EagerEngine(tf, model, recipe, detectionObjective(tf, recipe, model));
}

/** The recipe's training batches (its batch size, input size, seed and augmentation), from a saved position. */
export function trainingBatches(recipe: TrainIR, dataset: Dataset, from: unknown): BatchSource {
  const iterator = new BatchIterator(dataset, {
    batchSize: recipe.batch, size: recipe.detector.inputSize, seed: recipe.seed,
    augment: { scaleMin: recipe.jitter.min, scaleMax: recipe.jitter.max, flipProbability: recipe.flip },
  }, (from ?? undefined) as IteratorPosition | undefined);
  return {
    stepsPerEpoch: iterator.batchesPerEpoch(),
    async next(): Promise<DetectionBatch> {
      const batch = await iterator.next();
      if (!batch) throw new Error('the training batches ended'); // training iterators run for ever
      return batch;
    },
    position: () => iterator.position(),
    close: async () => iterator.close(),
  };
}
