// A trained model from a run folder (its newest checkpoint) or from one checkpoint directory: the recipe's
// detector rebuilt, the checkpoint's weights loaded, and the class map the run trained with (to turn class
// channels back into the dataset's category ids).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import type { ClassMapSpec } from '../data/types.js';
import type { TrainIR } from '../semantics/ir.js';
import { latestCheckpointDir, readCheckpoint } from './checkpoint.js';
import { buildDetectorModel } from './model.js';
import { writeWeights } from './engine.js';

type Tfjs = typeof TF;

export interface SavedRun {
  /** The checkpoint the weights came from. */
  checkpoint: string;
  step: number;
  recipe: TrainIR;
  model: TF.LayersModel;
  classMap: ClassMapSpec;
  /** The dataset's category ids and names (null for a run that did not record them). */
  categories: { ids: number[]; names: string[] } | null;
}

/** Throws an Error saying what is missing when `dir` is neither a run folder nor a checkpoint. */
export function loadSavedRun(tf: Tfjs, dir: string): SavedRun {
  const checkpointDir = existsSync(join(dir, 'state.json')) ? dir : latestCheckpointDir(dir);
  if (!checkpointDir) throw new Error(`${dir} is not a training run (no checkpoints/ with a complete checkpoint) nor a checkpoint directory`);
  const checkpoint = readCheckpoint(checkpointDir);
  const recipe = checkpoint.state.recipe as TrainIR;
  const dataset = checkpoint.state.hooks.dataset as { classMap: ClassMapSpec; categories: { ids: number[]; names: string[] } } | undefined;
  const model = buildDetectorModel(recipe.detector, recipe.seed);
  writeWeights(tf, model, checkpoint.weights);
  return {
    checkpoint: checkpointDir, step: checkpoint.state.step, recipe, model,
    // Without the dataset's map (a run from an older version), channel c is category c, as for COCO's 91.
    classMap: dataset?.classMap ?? { kind: 'coco91' },
    categories: Array.isArray(dataset?.categories?.ids) ? dataset!.categories : null,
  };
}
