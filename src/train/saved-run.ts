// A trained model from a run folder (its newest checkpoint) or from one checkpoint directory: the recipe's
// detector rebuilt, the checkpoint's weights loaded, and the class map the run trained with (to turn class
// channels back into the dataset's category ids).
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import type { ClassMapSpec } from '../data/types.js';
import type { TrainIR } from '../semantics/ir.js';
import { CHECKPOINTS_DIR, latestCheckpointDir, readCheckpoint, readCheckpointState, type NamedArray } from './checkpoint.js';
import { buildDetectorModel } from './model.js';
import { writeWeights } from './trainer.js';

type Tfjs = typeof TF;

export interface SavedRun {
  /** The checkpoint the weights came from. */
  checkpoint: string;
  /** The run folder it belongs to (null for a checkpoint directory outside one). */
  runDir: string | null;
  step: number;
  recipe: TrainIR;
  model: TF.LayersModel;
  classMap: ClassMapSpec;
  /** The dataset's category ids and names (null for a run that did not record them). */
  categories: { ids: number[]; names: string[] } | null;
}

export interface LoadOptions {
  /**
   * Build the model that stops after this pyramid (an exit of the detector, src/semantics/exits.ts), with the
   * checkpoint's weights of the parts it keeps, found by name; left out, the whole detector.
   */
  exit?: number;
}

/** A saved run's checkpoint, its run folder and its recipe, read without the tensors. */
export type SavedRecipe = Pick<SavedRun, 'checkpoint' | 'runDir' | 'step' | 'recipe'>;

/** Throws an Error saying what is missing when `dir` is neither a run folder nor a checkpoint. */
export function readSavedRecipe(dir: string): SavedRecipe {
  const isCheckpoint = existsSync(join(dir, 'state.json'));
  const checkpoint = isCheckpoint ? dir : latestCheckpointDir(dir);
  if (!checkpoint) throw new Error(`${dir} is not a training run (no checkpoints/ with a complete checkpoint) nor a checkpoint directory`);
  const state = readCheckpointState(checkpoint);
  const parent = dirname(checkpoint);
  const runDir = !isCheckpoint ? dir : basename(parent) === CHECKPOINTS_DIR ? dirname(parent) : null;
  return { checkpoint, runDir, step: state.step, recipe: state.recipe as TrainIR };
}

/**
 * Throws an Error saying what is missing when `dir` is neither a run folder nor a checkpoint, and a
 * RangeError when `exit` is not an exit of the run's detector.
 */
export function loadSavedRun(tf: Tfjs, dir: string, options: LoadOptions = {}): SavedRun {
  const { checkpoint: checkpointDir, runDir } = readSavedRecipe(dir);
  const checkpoint = readCheckpoint(checkpointDir);
  const recipe = checkpoint.state.recipe as TrainIR;
  const dataset = checkpoint.state.hooks.dataset as { classMap: ClassMapSpec; categories: { ids: number[]; names: string[] } } | undefined;
  const model = buildDetectorModel(recipe.detector, recipe.seed, options.exit);
  writeWeights(tf, model, options.exit === undefined ? checkpoint.weights : weightsOf(model, checkpoint.weights));
  return {
    checkpoint: checkpointDir, runDir, step: checkpoint.state.step, recipe, model,
    // Without the dataset's map (a run from an older version), channel c is category c, as for COCO's 91.
    classMap: dataset?.classMap ?? { kind: 'coco91' },
    categories: Array.isArray(dataset?.categories?.ids) ? dataset!.categories : null,
  };
}

/** The saved weights `model` has (an early exit has a part of the whole detector's), by name, in its order. */
function weightsOf(model: TF.LayersModel, saved: readonly NamedArray[]): NamedArray[] {
  const byName = new Map(saved.map((w) => [w.name, w]));
  return model.weights.map((w) => {
    const found = byName.get(w.originalName);
    if (!found) throw new Error(`the checkpoint has no weight ${w.originalName} (is it a checkpoint of this detector?)`);
    return found;
  });
}
