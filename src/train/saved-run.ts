// A trained model from a run folder (its newest intact checkpoint) or from one checkpoint directory: the
// checkpoint read and checked first (`readSavedRun`, no TF.js: what a command checks its options against before
// starting a backend), then the recipe's detector rebuilt — whole, or cut after an anytime exit — with the
// checkpoint's weights loaded, and the class map the run trained with (to turn class channels back into the
// dataset's category ids).
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import type { ClassMapSpec } from '../data/types.js';
import type { TrainIR } from '../semantics/ir.js';
import { CHECKPOINTS_DIR, latestCheckpointDir, readCheckpoint, readNewestIntactCheckpoint, type Checkpoint, type NamedArray } from './checkpoint.js';
import { buildDetectorModel } from './model.js';
import { writeWeights } from './trainer.js';

type Tfjs = typeof TF;

/** A saved run's checkpoint, its run folder and its recipe: what is known before a model is built. */
export interface SavedRecipe {
  /** The checkpoint the weights come from. */
  checkpoint: string;
  /** The run folder it belongs to (null for a checkpoint directory outside one). */
  runDir: string | null;
  step: number;
  recipe: TrainIR;
}

/** A saved run's checkpoint as read and checked, tensors as plain arrays. */
export interface ReadRun extends SavedRecipe {
  content: Checkpoint;
}

export interface SavedRun extends SavedRecipe {
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

const warnOnStderr = (line: string) => process.stderr.write(`warning: ${line}\n`);

/**
 * The newest intact checkpoint of a run folder (damaged ones are passed over with a `note`, and left in place:
 * this only reads the run, which may be training still), or one checkpoint directory, read and checked. Throws
 * an Error saying what is missing when `dir` is neither, and DamagedCheckpointError for a damaged checkpoint
 * directory named on its own.
 */
export function readSavedRun(dir: string, note: (line: string) => void = warnOnStderr): ReadRun {
  const isCheckpoint = existsSync(join(dir, 'state.json'));
  const checkpoint = isCheckpoint ? readCheckpoint(dir) : readNewestIntactCheckpoint(dir, { setAside: false, note });
  if (!checkpoint) {
    const anyCheckpoint = latestCheckpointDir(dir) !== null;
    throw new Error(anyCheckpoint
      ? `${dir} has no intact checkpoint (every one is damaged, see above)`
      : `${dir} is not a training run (no checkpoints/ with a complete checkpoint) nor a checkpoint directory`);
  }
  if (isCheckpoint && !checkpoint.verified) note(`checkpoint ${dir} was written before checkpoints carried content hashes: its files are read unverified`);
  const parent = dirname(checkpoint.dir);
  const runDir = !isCheckpoint ? dir : basename(parent) === CHECKPOINTS_DIR ? dirname(parent) : null;
  return { checkpoint: checkpoint.dir, runDir, step: checkpoint.state.step, recipe: checkpoint.state.recipe as TrainIR, content: checkpoint };
}

/**
 * The model of a run read by `readSavedRun` (or of the folder `from` names, read here). Throws what
 * `readSavedRun` throws, a RangeError when `exit` is not an exit of the run's detector, and an Error when the
 * checkpoint lacks a weight the model has.
 */
export function loadSavedRun(tf: Tfjs, from: string | ReadRun, options: LoadOptions = {}): SavedRun {
  const { content, ...located } = typeof from === 'string' ? readSavedRun(from) : from;
  const { recipe } = located;
  const dataset = content.state.hooks.dataset as { classMap: ClassMapSpec; categories: { ids: number[]; names: string[] } } | undefined;
  const model = buildDetectorModel(recipe.detector, recipe.seed, options.exit);
  writeWeights(tf, model, options.exit === undefined ? content.weights : weightsOf(model, content.weights));
  return {
    ...located, model,
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
