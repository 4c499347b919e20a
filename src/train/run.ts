// A training run in a folder: start it fresh or resume it from its newest checkpoint, with the standard
// hooks, and stop it cleanly on SIGINT/SIGTERM. The command (src/cli/train.ts) and the tests' child
// processes both start runs through here, so a resumed run is set up exactly as a fresh one.
//
//   RUN/metrics.jsonl      every logged value (training intervals and evaluations), one JSON object a line
//   RUN/checkpoints/…      see checkpoint.ts
//   RUN/latest
import { existsSync, readdirSync } from 'node:fs';
import type { TrainIR } from '../semantics/ir.js';
import { readNewestIntactCheckpoint, type Checkpoint, type SourceSnapshot } from './checkpoint.js';
import type { TrainingEngine } from './engine.js';
import { LearningRateSchedule, MetricsLogger, PeriodicCheckpoint, PeriodicEvaluation } from './hooks.js';
import { truncateMetrics, type MetricsRecord } from './metrics.js';
import { Trainer, type BatchSource, type Hook } from './trainer.js';

export interface RunSetup {
  runDir: string;
  /** The recipe of a fresh run; a resumed run continues with the recipe saved in its checkpoint. */
  recipe: TrainIR;
  source: SourceSnapshot;
  /** Opens the engine that trains `recipe` (with its initial weights; a resume then loads the checkpoint's). */
  engine: (recipe: TrainIR) => Promise<TrainingEngine>;
  /** Opens the training batches for `recipe` at a saved position (null: from the start). */
  openData: (recipe: TrainIR, from: unknown) => Promise<BatchSource>;
  /** COCO metrics of the model on the val split, for the periodic evaluation (none: no evaluation hook). */
  evaluate?: (trainer: Trainer) => Promise<Record<string, number>>;
  /** Each metrics record as it is written (the progress display). */
  report: (record: MetricsRecord, trainer: Trainer) => void;
  /** Each checkpoint as it is written. */
  onCheckpoint?: (dir: string, trainer: Trainer) => void;
  /** Extra hooks, run after the standard ones. */
  hooks?: Hook[];
  /** Lines for people about the run's files: a damaged checkpoint set aside, a damaged metrics line dropped (default: stderr). */
  note?: (line: string) => void;
}

export type RunStart = { kind: 'fresh' } | { kind: 'resume'; checkpoint: string; step: number };

/** Whether a folder holds a run's files already (so a fresh run would mix with them). */
export function hasRunFiles(runDir: string): boolean {
  return existsSync(runDir) && readdirSync(runDir).length > 0;
}

/** Where a resumed run goes on from: the newest checkpoint of its run folder that reads back intact (damaged ones set aside). */
export function resumePoint(runDir: string, note: (line: string) => void = sayOnStderr): Checkpoint | null {
  return readNewestIntactCheckpoint(runDir, { setAside: true, note });
}

const sayOnStderr = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Sets up the trainer for a fresh run (`resume` false), or to go on from a checkpoint (`resume` true: the
 * resumePoint of the run folder): its recipe (with `adjust` applied, e.g. a longer --steps), weights, optimizer
 * slots, RNG, hook states and data position; metrics logged after that checkpoint are dropped, since those
 * steps run again.
 */
export async function prepareRun(setup: RunSetup, resume: boolean | Checkpoint, adjust: (recipe: TrainIR) => TrainIR = (r) => r): Promise<{ trainer: Trainer; start: RunStart }> {
  const note = setup.note ?? sayOnStderr;
  const checkpoint = resume === true ? resumePoint(setup.runDir, note) : resume || null;
  if (resume && !checkpoint) throw new Error(`${setup.runDir} has no intact checkpoint to resume from`);
  const recipe = checkpoint ? adjust(checkpoint.state.recipe as TrainIR) : setup.recipe;
  if (checkpoint) truncateMetrics(setup.runDir, checkpoint.state.step, note);

  const logger = new MetricsLogger(setup.runDir, recipe.logEvery, setup.report);
  const hooks: Hook[] = [new LearningRateSchedule(), logger];
  if (setup.evaluate && recipe.eval.every !== null) hooks.push(new PeriodicEvaluation(recipe.eval.every, setup.evaluate, logger));
  hooks.push(new PeriodicCheckpoint(recipe.checkpoint.every, setup.onCheckpoint), ...(setup.hooks ?? []));

  const data = await setup.openData(recipe, checkpoint ? checkpoint.state.data : null);
  const trainer = new Trainer({
    engine: await setup.engine(recipe), recipe, data, runDir: setup.runDir, source: checkpoint ? checkpoint.source : setup.source, hooks,
  });
  if (checkpoint) {
    try {
      await trainer.restore(checkpoint);
    } catch (error) {
      trainer.dispose();
      throw error;
    }
  }
  return { trainer, start: checkpoint ? { kind: 'resume', checkpoint: checkpoint.dir, step: checkpoint.state.step } : { kind: 'fresh' } };
}

/**
 * SIGINT and SIGTERM ask the trainer to stop after the current step (it then checkpoints and the run ends
 * normally); a second signal exits at once (the last checkpoint stays intact). Returns the uninstaller.
 */
export function stopOnSignals(trainer: Trainer, say: (line: string) => void): () => void {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    received++;
    if (received > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
    say(`${signal}: stopping after the current step, then writing a checkpoint (send it again to quit at once)`);
    trainer.requestStop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
