// A trained model from a run folder (its newest checkpoint) or from one checkpoint directory: the recipe's
// detector rebuilt, the checkpoint's weights loaded, and the class map the run trained with (to turn class
// channels back into the dataset's category ids).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import type { ClassMapSpec } from '../data/types.js';
import type { TrainIR } from '../semantics/ir.js';
import { latestCheckpointDir, readCheckpoint, readNewestIntactCheckpoint } from './checkpoint.js';
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

/**
 * The model of a run folder's newest intact checkpoint (damaged ones are passed over with a `note`, and left in
 * place: this only reads the run, which may be training still), or of one checkpoint directory. Throws an
 * Error saying what is missing when `dir` is neither, and DamagedCheckpointError for a damaged checkpoint
 * directory named on its own.
 */
export function loadSavedRun(tf: Tfjs, dir: string, note: (line: string) => void = (line) => process.stderr.write(`warning: ${line}\n`)): SavedRun {
  const checkpoint = existsSync(join(dir, 'state.json')) ? readCheckpoint(dir) : readNewestIntactCheckpoint(dir, { setAside: false, note });
  if (!checkpoint) {
    const anyCheckpoint = latestCheckpointDir(dir) !== null;
    throw new Error(anyCheckpoint
      ? `${dir} has no intact checkpoint (every one is damaged, see above)`
      : `${dir} is not a training run (no checkpoints/ with a complete checkpoint) nor a checkpoint directory`);
  }
  if (checkpoint.dir === dir && !checkpoint.verified) note(`checkpoint ${dir} was written before checkpoints carried content hashes: its files are read unverified`);
  const checkpointDir = checkpoint.dir;
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
