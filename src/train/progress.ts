// How a training run shows its progress: on a terminal, a cli-progress bar (step, epoch, loss parts, lr,
// images/s, ETA) refreshed every step; otherwise one JSON line per logging interval (the metrics record), so
// logs and CI stay machine-readable. Evaluations print a line in both cases.
import type { Writable } from 'node:stream';
import { SingleBar } from 'cli-progress';
import type { TrainIR } from '../semantics/ir.js';
import type { MetricsRecord } from './metrics.js';
import type { Hook, StepResult, Trainer } from './trainer.js';

export interface ProgressReporter {
  /** Receives each metrics record (MetricsLogger's report). */
  record: (record: MetricsRecord, trainer: Trainer) => void;
  /** Updates the bar after every step. */
  hook: Hook;
  stop(): void;
}

const short = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));

export function progressReporter(out: Writable & { isTTY?: boolean }, recipe: TrainIR): ProgressReporter {
  if (!out.isTTY) {
    return {
      record: (record) => out.write(JSON.stringify(record) + '\n'),
      hook: { name: 'progress' },
      stop: () => {},
    };
  }
  let bar: SingleBar | null = null;
  // Images per second over the last steps (a moving window, so the ETA follows the current speed).
  const recent: StepResult[] = [];
  const line = (trainer: Trainer, r: StepResult) => {
    recent.push(r);
    if (recent.length > 20) recent.shift();
    const seconds = recent.reduce((s, x) => s + x.seconds, 0);
    const images = recent.reduce((s, x) => s + x.images, 0);
    const parts = Object.entries(r.parts).map(([k, v]) => `${k} ${short(v)}`).join(' ');
    return {
      epoch: `${r.epoch + 1}`, loss: short(r.loss), parts, lr: r.learningRate.toExponential(2),
      speed: (images / seconds).toFixed(1), eta: formatSeconds(((trainer.totalSteps - r.step) * seconds) / recent.length),
    };
  };
  return {
    record(record) {
      if (record.kind === 'eval') {
        const m = record.metrics;
        bar?.stop();
        out.write(`step ${record.step}: AP ${short(m.AP)}, AP50 ${short(m.AP50)}, AP75 ${short(m.AP75)} (${record.seconds.toFixed(0)} s)\n`);
        bar = null;
      }
    },
    hook: {
      name: 'progress',
      afterStep(trainer, result) {
        if (!bar) {
          bar = new SingleBar({
            format: `${recipe.name} {bar} {value}/{total} | epoch {epoch} | loss {loss} ({parts}) | lr {lr} | {speed} img/s | ETA {eta}`,
            barsize: 20, hideCursor: true, stream: out, clearOnComplete: false,
          });
          bar.start(trainer.totalSteps, result.step - 1, line(trainer, result));
        }
        bar.update(result.step, line(trainer, result));
      },
    },
    stop: () => bar?.stop(),
  };
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}
