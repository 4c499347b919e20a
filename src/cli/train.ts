// `nasfpn train FILE[#TRAIN] -o RUN`: runs a training recipe (a `train` declaration) into a run folder, on
// the fastest backend; `nasfpn train --resume RUN` continues a run from its newest checkpoint. Flags override
// single fields of the recipe. SIGINT/SIGTERM finish the current step, write a checkpoint and exit 0.
//
// Progress: a bar (cli-progress) on a terminal, one JSON line per logging interval otherwise; RUN/metrics.jsonl
// holds every logged value either way. The rooms do the work: src/train (loop, checkpoints), src/data
// (batches), src/targets + src/train/losses (targets and losses), src/eval (periodic AP).
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ioFault } from '../runtime/io-fault.js';
import { writeFileAtomic } from '../runtime/atomic.js';
import type { DatasetOptions } from '../data/dataset.js';
import type { TrainIR } from '../semantics/ir.js';
import { InputError, IoError, messagePath, UsageError } from './errors.js';
import { displayPath } from './report.js';
import { terminalLine } from '../util/escape.js';

interface TrainOptions {
  output?: string;
  name?: string;
  resume?: string;
  backend?: string;
  allowCpu?: boolean;
  steps?: string;
  epochs?: string;
  batch?: string;
  lr?: string;
  data?: string;
  seed?: string;
  evalEvery?: string;
  checkpointEvery?: string;
  logEvery?: string;
  force?: boolean;
  allowOutsideImages?: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a detector with a training recipe (a `train` declaration) into a run folder; --resume continues one')
    .argument('[file]', '.fpn file with a train declaration, as FILE or FILE#NAME')
    .option('-o, --output <run>', 'the run folder (metrics.jsonl, checkpoints/)')
    .option('--name <train>', 'which train declaration (default: the first in the file)')
    .option('--resume <run>', 'continue the run in this folder from its newest checkpoint (no FILE needed)')
    .option('--backend <name>', 'TF.js backend: auto, tfjs-node-gpu, tfjs-node, webgpu, wasm, cpu (default: the fastest available)')
    .option('--allow-cpu', 'train on the pure-JavaScript cpu backend anyway (hundreds of times slower)')
    .option('--steps <n>', 'override the recipe: run this many steps')
    .option('--epochs <n>', 'override the recipe: run this many epochs')
    .option('--batch <n>', 'override the recipe: images per step (the learning rate scales with it)')
    .option('--lr <rate>', 'override the recipe: the learning rate at the recipe\'s reference batch (lr R per B)')
    .option('--data <dir>', 'override the recipe: the dataset folder')
    .option('--seed <n>', 'override the recipe: the seed')
    .option('--eval-every <n>', 'override the recipe: evaluate every n steps (0: never)')
    .option('--checkpoint-every <n>', 'override the recipe: checkpoint every n steps')
    .option('--log-every <n>', 'override the recipe: log every n steps')
    .option('-f, --force', 'start afresh in a run folder that already holds files (they are replaced as the run writes)')
    .option('--allow-outside-images', 'read images whose file_name leads out of the dataset folder (../…, an absolute path); refused by default')
    .action(async (file: string | undefined, options: TrainOptions) => {
      if (options.resume && file) throw new UsageError('--resume continues a run with the recipe it started with; give either FILE or --resume RUN');
      if (!options.resume && !file) throw new UsageError('give a .fpn file with a train declaration (FILE#NAME), or --resume RUN');
      if (options.resume && options.output && options.output !== options.resume) throw new UsageError('--resume RUN writes into RUN; drop -o');
      const runDir = options.resume ?? options.output;
      if (!runDir) throw new UsageError('name the run folder with -o RUN');
      if (options.resume && (options.batch || options.lr || options.data || options.seed)) {
        throw new UsageError('a resumed run keeps its batch, learning rate, data and seed; only --steps, --epochs and the intervals may change');
      }
      const overrides = parseOverrides(options);

      // The recipe and the text it came from (for a fresh run), checked before anything heavy loads.
      let recipe: TrainIR | null = null;
      let source = { file: '', files: {} as Record<string, string> };
      if (file) {
        const { chosenName, checkPath, loadProgram, parseTarget } = await import('./load.js');
        const target = parseTarget(file);
        const name = chosenName(target, options.name, '--name');
        const program = await loadProgram(target.file);
        recipe = applyOverrides(selectTrain(program.trains, name, target.file), overrides);
        source = { file: program.file, files: Object.fromEntries(checkPath(target.file).sources) };
      }

      const [{ hasRunFiles }] = await Promise.all([import('../train/run.js')]);
      if (recipe && hasRunFiles(runDir) && !options.force) {
        throw new InputError(`${runDir} already holds a run; continue it with \`nasfpn train --resume ${runDir}\`, or pass --force to start afresh`);
      }
      const { initBackend } = await import('../runtime/backend.js');
      const choice = await initBackend(options.backend);
      if (choice.name === 'cpu' && !options.allowCpu) {
        throw new InputError('the pure-JavaScript cpu backend is hundreds of times too slow to train a detector; see `nasfpn doctor` ' +
          'for how to get tfjs-node or wasm (or pass --allow-cpu to train on it anyway)');
      }
      await runTraining(runDir, recipe, source, overrides, { allowOutside: options.allowOutsideImages === true });
    });
}

/**
 * A fresh run of `recipe`, or (recipe null) the run in `runDir` resumed, until it ends or a signal stops it. The
 * run holds the folder's lock throughout: a second `train` into the same folder refuses instead of interleaving.
 */
async function runTraining(
  runDir: string, recipe: TrainIR | null, source: { file: string; files: Record<string, string> }, overrides: RecipeOverrides, data: DatasetOptions,
): Promise<void> {
  const say = (line: string) => process.stderr.write(line + '\n');
  const warn = (line: string) => say(`warning: ${terminalLine(line)}`);
  // Taking the lock creates the folder: a mistyped --resume must not leave one behind.
  if (recipe === null && !existsSync(runDir)) throw new InputError(`${messagePath(runDir)}: no such run folder`);
  const { lockRunDirectory } = await import('../runtime/run-lock.js');
  const lock = lockRunDirectory(runDir, 'nasfpn train', warn);
  try {
    await trainLocked(runDir, recipe, source, overrides, data, say, warn);
  } finally {
    lock.release();
  }
}

async function trainLocked(
  runDir: string, recipe: TrainIR | null, source: { file: string; files: Record<string, string> }, overrides: RecipeOverrides,
  data: DatasetOptions, say: (line: string) => void, warn: (line: string) => void,
): Promise<void> {
  const tf = await import('@tensorflow/tfjs');
  const [
    { prepareRun, resumePoint, stopOnSignals }, detection, scoring, { NonFiniteLossError }, { progressReporter }, { CheckpointWriteError },
    { warnStaleStatistics }, { ImageError },
  ] = await Promise.all([
    import('../train/run.js'), import('../train/detection.js'), import('../predict/evaluate.js'), import('../train/trainer.js'), import('../train/progress.js'),
    import('../train/checkpoint.js'), import('./saved-run.js'), import('../data/image.js'),
  ]);
  // For a resumed run the recipe comes from its newest intact checkpoint; the data folder is needed before the trainer exists.
  const resumeFrom = recipe === null ? resumePoint(runDir, warn) : null;
  if (recipe === null && !resumeFrom) throw new InputError(`${messagePath(runDir)} has no intact checkpoint to resume from (is it a run folder?)`);
  const planned = recipe ?? applyOverrides(resumeFrom!.state.recipe as TrainIR, overrides);
  const fail = (error: unknown): never => {
    throw new InputError(`${planned.data.path}: ${error instanceof Error ? error.message : String(error)}`);
  };
  const { loadSplitOf } = await import('../data/dataset.js');
  const trainSet = (await loadSplitOf(planned.data.path, 'train', planned.detector.head.classes, data).catch(fail)).dataset;
  const evalSet = planned.eval.every !== null ? await scoring.loadEvaluationSet(planned.detector, planned.data.path, data).catch(fail) : null;
  const report = progressReporter(process.stdout, planned);
  const { trainer, start } = await prepareRun({
    tf, runDir, recipe: planned, source, note: warn,
    objective: (r, model) => detection.detectionObjective(tf, r, model),
    openData: async (r, from) => detection.trainingBatches(r, trainSet, from),
    evaluate: evalSet
      ? async (t) => {
          const { summary } = await scoring.evaluateOn(tf, t.model, t.recipe.detector, evalSet, t.recipe.eval.images);
          return { ...summary };
        }
      : undefined,
    report: report.record,
    // The class map and category names travel with the checkpoints, so predictions map back to category ids.
    hooks: [{ name: 'dataset', state: () => ({ classMap: trainSet.classMap, categories: { ids: [...trainSet.categories.ids], names: [...trainSet.categories.names] } }) }, report.hook],
  }, resumeFrom ?? false, (r) => applyOverrides(r, overrides));
  if (start.kind === 'fresh') writeRecipeJson(runDir, planned);
  say(start.kind === 'resume'
    ? `resuming ${runDir} at step ${start.step} of ${trainer.totalSteps} (${displayPath(start.checkpoint)})`
    : `training ${planned.name} (${planned.detector.name}) into ${runDir}: ${trainer.totalSteps} steps of ${planned.batch} images ` +
      `(${trainer.stepsPerEpoch} a epoch), lr ${+planned.learningRate.peak.toPrecision(4)}`);
  await warnStaleStatistics(planned.detector, trainer.totalSteps);
  const uninstall = stopOnSignals(trainer, say);
  const resume = `\`nasfpn train --resume ${runDir}\``;
  // What a failure mid-run leaves: everything up to the newest checkpoint.
  const kept = () => trainer.lastCheckpoint
    ? `nothing up to checkpoint ${basename(trainer.lastCheckpoint)} is lost`
    : 'no checkpoint was written yet';
  try {
    const outcome = await trainer.run();
    report.stop();
    say(outcome === 'finished'
      ? `finished ${trainer.step} steps; the model is in ${displayPath(trainer.lastCheckpoint ?? runDir)} (nasfpn eval ${runDir} --data DIR, nasfpn predict ${runDir} IMAGES…)`
      : `stopped after step ${trainer.step}, checkpoint ${displayPath(trainer.lastCheckpoint ?? runDir)}; continue with ${resume}`);
  } catch (error) {
    report.stop();
    if (error instanceof NonFiniteLossError) throw new InputError(error.message);
    if (error instanceof CheckpointWriteError) throw new IoError(checkpointWriteMessage(error, runDir, resume));
    if (error instanceof ImageError) {
      throw new InputError(`${messagePath(error.file)}: ${error.reason}. Training stops at the first image it cannot read (it does not skip images, ` +
        `so that a resumed run sees the batches an uninterrupted one would); ${kept()}. Find every such image with ` +
        `\`nasfpn data check ${planned.data.path}\`, fix or remove them, then continue with ${resume}`);
    }
    const fault = ioFault(error);
    if (fault) throw new IoError(`${fault.path ? `${messagePath(fault.path)}: ` : ''}${fault.text} (${fault.code}); ${kept()}. Fix the cause, then continue with ${resume}`);
    throw error;
  } finally {
    uninstall();
  }
}

/** A checkpoint that could not be written: what failed, that nothing earlier was lost, the space it needs, how to go on. */
function checkpointWriteMessage(error: import('../train/checkpoint.js').CheckpointWriteError, runDir: string, resume: string): string {
  const megabytes = (error.bytes / 1e6).toFixed(1);
  const kept = error.previous
    ? `Nothing earlier was lost: checkpoint ${basename(error.previous)}, the \`latest\` pointer and metrics.jsonl are intact`
    : 'No earlier checkpoint exists; metrics.jsonl is intact';
  const then = error.previous ? `continue with ${resume}` : 'run the command again with --force (the folder holds this run\'s first steps)';
  return `cannot write checkpoint ${basename(error.dir)} into ${messagePath(join(runDir, 'checkpoints'))}: ${error.fault.text} (${error.fault.code}). ` +
    `${kept}. A checkpoint of this run takes ${megabytes} MB: free at least that much, then ${then}`;
}

function selectTrain(trains: TrainIR[], name: string | undefined, file: string): TrainIR {
  if (trains.length === 0) throw new InputError(`${displayPath(file)} declares no train recipe (write one: see docs/training.md)`);
  if (name === undefined) return trains[0];
  const found = trains.find((t) => t.name === name);
  if (!found) throw new InputError(`${displayPath(file)} has no train recipe named '${name}' (it has: ${trains.map((t) => t.name).join(', ')})`);
  return found;
}

/** Command-line replacements for single recipe fields (validated here: a bad value is a usage error). */
export interface RecipeOverrides {
  steps?: number;
  epochs?: number;
  batch?: number;
  lr?: number;
  data?: string;
  seed?: number;
  evalEvery?: number;
  checkpointEvery?: number;
  logEvery?: number;
}

function parseOverrides(o: TrainOptions): RecipeOverrides {
  const int = (value: string | undefined, flag: string, min: number): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number of at least ${min}, not '${value}'`);
    return n;
  };
  if (o.steps !== undefined && o.epochs !== undefined) throw new UsageError('give --steps or --epochs, not both');
  let lr: number | undefined;
  if (o.lr !== undefined) {
    lr = Number(o.lr);
    if (!(lr > 0 && lr <= 10)) throw new UsageError(`--lr must be a number in (0, 10], not '${o.lr}'`);
  }
  return {
    steps: int(o.steps, '--steps', 1), epochs: int(o.epochs, '--epochs', 1), batch: int(o.batch, '--batch', 1), lr,
    data: o.data, seed: int(o.seed, '--seed', 0), evalEvery: int(o.evalEvery, '--eval-every', 0),
    checkpointEvery: int(o.checkpointEvery, '--checkpoint-every', 1), logEvery: int(o.logEvery, '--log-every', 1),
  };
}

/** The recipe with the command line's fields replaced (the learning rates rescaled to a new batch). */
export function applyOverrides(recipe: TrainIR, o: RecipeOverrides): TrainIR {
  const r: TrainIR = structuredClone(recipe);
  if (o.steps !== undefined) r.length = { unit: 'steps', count: o.steps };
  if (o.epochs !== undefined) r.length = { unit: 'epochs', count: o.epochs };
  if (o.batch !== undefined || o.lr !== undefined) {
    const base = o.lr ?? r.learningRate.base;
    const batch = o.batch ?? r.batch;
    const scale = batch / r.learningRate.perBatch;
    const warmupFromBase = r.warmup.from / (r.batch / r.learningRate.perBatch);
    r.batch = batch;
    r.learningRate = { base, perBatch: r.learningRate.perBatch, peak: base * scale };
    r.warmup = { steps: r.warmup.steps, from: warmupFromBase * scale };
  }
  if (o.data !== undefined) r.data = { written: o.data, path: resolve(o.data) };
  if (o.seed !== undefined) r.seed = o.seed;
  if (o.evalEvery !== undefined) r.eval = { ...r.eval, every: o.evalEvery > 0 ? o.evalEvery : null };
  if (o.checkpointEvery !== undefined) r.checkpoint = { ...r.checkpoint, every: o.checkpointEvery };
  if (o.logEvery !== undefined) r.logEvery = o.logEvery;
  return r;
}

/** Writes the recipe a run started with beside its checkpoints, for people (checkpoints hold the same). */
function writeRecipeJson(runDir: string, recipe: TrainIR): void {
  writeFileAtomic(join(runDir, 'recipe.json'), JSON.stringify(recipe, null, 2) + '\n');
}
