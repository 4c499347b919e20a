// The trainer's hooks: the learning-rate schedule, the metrics log, periodic evaluation and checkpoints.
// Each keeps its own state (saved in checkpoints through state()/load()) and runs at its own interval.
import { mkdirSync } from 'node:fs';
import { appendMetrics, type MetricsRecord } from './metrics.js';

// metrics.jsonl's format lives in metrics.ts; these names stay importable from here for the code that did.
export { METRICS_FILE, type MetricsRecord } from './metrics.js';
import { learningRateAt } from './schedule.js';
import type { Hook, Outcome, StepResult, Trainer } from './trainer.js';

/** Sets the learning rate of each update from the recipe's schedule (a function of the step). */
export class LearningRateSchedule implements Hook {
  readonly name = 'lr';
  beforeStep(trainer: Trainer): void {
    trainer.learningRate = learningRateAt(trainer.recipe, trainer.step, trainer.stepsPerEpoch, trainer.totalSteps);
  }
}

interface IntervalSums {
  steps: number;
  loss: number;
  parts: Record<string, number>;
  gradientNorm: number;
  images: number;
  seconds: number;
}

const emptySums = (): IntervalSums => ({ steps: 0, loss: 0, parts: {}, gradientNorm: 0, images: 0, seconds: 0 });

/**
 * Averages each logging interval's steps into one record, appends it to RUN/metrics.jsonl and hands it to
 * `report` (the progress display). Its state is the unfinished interval's sums.
 */
export class MetricsLogger implements Hook {
  readonly name = 'log';
  private sums = emptySums();

  constructor(private readonly runDir: string, private readonly every: number, private readonly report: (record: MetricsRecord, trainer: Trainer) => void) {
    mkdirSync(runDir, { recursive: true });
  }

  afterStep(trainer: Trainer, result: StepResult): void {
    const s = this.sums;
    s.steps++;
    s.loss += result.loss;
    for (const [k, v] of Object.entries(result.parts)) s.parts[k] = (s.parts[k] ?? 0) + v;
    s.gradientNorm += result.gradientNorm;
    s.images += result.images;
    s.seconds += result.seconds;
    if (result.step % this.every === 0 || result.step === trainer.totalSteps) this.flush(trainer);
  }

  afterTrain(trainer: Trainer): void {
    this.flush(trainer);
  }

  /** Appends a record to metrics.jsonl and reports it. */
  write(record: MetricsRecord, trainer: Trainer): void {
    appendMetrics(this.runDir, record);
    this.report(record, trainer);
  }

  private flush(trainer: Trainer): void {
    const s = this.sums;
    if (s.steps === 0) return;
    const mean = (x: number) => x / s.steps;
    this.write({
      kind: 'train', step: trainer.step, epoch: trainer.epoch, lr: trainer.learningRate, loss: mean(s.loss),
      parts: Object.fromEntries(Object.entries(s.parts).map(([k, v]) => [k, mean(v)])),
      gradientNorm: mean(s.gradientNorm), imagesPerSecond: s.images / s.seconds, secondsPerStep: mean(s.seconds),
      time: new Date().toISOString(),
    }, trainer);
    this.sums = emptySums();
  }

  state(): unknown {
    return this.sums;
  }

  load(state: unknown): void {
    this.sums = state as IntervalSums;
  }
}

/** Evaluates every `every` steps (and at the end) and logs the numbers as an eval record. */
export class PeriodicEvaluation implements Hook {
  readonly name = 'eval';
  private lastStep = -1;

  constructor(
    private readonly every: number,
    private readonly evaluate: (trainer: Trainer) => Promise<Record<string, number>>,
    private readonly logger: MetricsLogger,
  ) {}

  async afterStep(trainer: Trainer, result: StepResult): Promise<void> {
    if (result.step % this.every === 0) await this.run(trainer);
  }

  async afterTrain(trainer: Trainer, outcome: Outcome): Promise<void> {
    if (outcome === 'finished' && this.lastStep !== trainer.step) await this.run(trainer);
  }

  private async run(trainer: Trainer): Promise<void> {
    const start = performance.now();
    const metrics = await this.evaluate(trainer);
    this.lastStep = trainer.step;
    this.logger.write({ kind: 'eval', step: trainer.step, metrics, seconds: (performance.now() - start) / 1000, time: new Date().toISOString() }, trainer);
  }
}

/** Writes a checkpoint every `every` steps, and at the end or on a stop (unless the step was just saved). */
export class PeriodicCheckpoint implements Hook {
  readonly name = 'checkpoint';
  private savedStep = -1;

  constructor(private readonly every: number, private readonly onSave: (dir: string, trainer: Trainer) => void = () => {}) {}

  async afterStep(trainer: Trainer, result: StepResult): Promise<void> {
    if (result.step % this.every === 0) await this.save(trainer);
  }

  async afterTrain(trainer: Trainer): Promise<void> {
    if (this.savedStep !== trainer.step) await this.save(trainer);
  }

  private async save(trainer: Trainer): Promise<void> {
    const dir = await trainer.saveCheckpoint();
    this.savedStep = trainer.step;
    this.onSave(dir, trainer);
  }
}
