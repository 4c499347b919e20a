// How long each exit of a detector takes on this machine and backend: the forward pass of one image through
// the exit's own model (src/codegen/lower.ts `exit`: the later pyramids and heads are not built), the outputs
// read back, the median of a few passes after warm-up ones, the exits' passes taken in turn.
// `predict --budget-ms` chooses an exit from these times, `eval --exits` reports them; both keep them in the
// run folder (EXIT_TIMES_FILE), one entry per backend, machine and input size, so that a run is measured once
// where it runs.
//
// This module is the only reader and writer of that file.
import { readFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { writeFileAtomic } from '../runtime/atomic.js';
import type { DetectorIR } from '../semantics/ir.js';

type Tfjs = typeof TF;

/** The cache in a run folder. */
export const EXIT_TIMES_FILE = 'exit-times.json';
const FORMAT = 1;

/** Passes before timing: the first ones compile kernels and allocate buffers. */
export const WARMUP_PASSES = 2;
/** Timed passes per exit; their median is the exit's time. */
export const TIMED_PASSES = 5;

/** Where a time was measured: times are only comparable (and reusable) under the same key. */
export interface TimingKey {
  /** The backend's user-facing name (tfjs-node, wasm, …). */
  backend: string;
  host: string;
  cpu: string;
  /** The square input size the exits ran at. */
  inputSize: number;
}

export interface ExitTime {
  exit: number;
  /** Median forward time of one image, in milliseconds: what a budget is held to. */
  ms: number;
  /** The fastest pass: the time without other work on the machine (a busy machine slows the median). */
  minMs: number;
  /**
   * Median processor time of a pass, all of this process's threads together: the work an exit costs, which
   * other work on the machine does not inflate (the wall time is about this divided by the threads that ran).
   */
  cpuMs: number;
}

export interface ExitTimes extends TimingKey {
  detector: string;
  measuredAt: string;
  passes: number;
  exits: ExitTime[];
}

/** The key of a measurement here, now, on `backend`. */
export const timingKeyHere = (backend: string, inputSize: number): TimingKey =>
  ({ backend, host: hostname(), cpu: cpus()[0]?.model ?? 'unknown', inputSize });

const sameKey = (a: TimingKey, b: TimingKey): boolean =>
  a.backend === b.backend && a.host === b.host && a.cpu === b.cpu && a.inputSize === b.inputSize;

/** One image's forward pass through `model` (inference mode), its outputs read back. */
async function forwardPass(tf: Tfjs, model: TF.LayersModel, image: TF.Tensor): Promise<void> {
  const outputs = tf.tidy(() => {
    const out = model.apply(image, { training: false }) as TF.Tensor | TF.Tensor[];
    return Array.isArray(out) ? out : [out];
  });
  await Promise.all(outputs.map((o) => o.data()));
  tf.dispose(outputs);
}

/**
 * Times every exit in `exits` on the model `build(exit)` makes: `warmup` untimed passes each, deepest first
 * (they also pay the process's one-time costs — kernel set-up for every layer shape the shallower exits
 * share — which would otherwise land on whichever exit ran first), then `passes` rounds that time one pass
 * of every exit in turn, so that other work on the machine slows every exit alike. An exit's time is the
 * median of its passes, `minMs` the fastest. The exits' models are held together while they are timed. The
 * input is a fixed pseudo-random image; the weights' values do not change the time.
 */
export async function measureExits(
  tf: Tfjs, detector: DetectorIR, key: TimingKey, exits: readonly number[], build: (exit: number) => TF.LayersModel,
  passes = TIMED_PASSES, warmup = WARMUP_PASSES,
): Promise<ExitTimes> {
  const deepestFirst = [...exits].sort((a, b) => b - a);
  const image = tf.tidy(() => tf.randomUniform([1, key.inputSize, key.inputSize, 3], 0, 1, 'float32', 1));
  const models: TF.LayersModel[] = [];
  try {
    for (const exit of deepestFirst) {
      const model = build(exit);
      models.push(model);
      for (let i = 0; i < warmup; i++) await forwardPass(tf, model, image);
    }
    const wall = models.map((): number[] => []);
    const processor = models.map((): number[] => []);
    for (let round = 0; round < passes; round++) {
      for (const [i, model] of models.entries()) {
        const start = performance.now();
        const cpuStart = process.cpuUsage();
        await forwardPass(tf, model, image);
        const cpu = process.cpuUsage(cpuStart);
        wall[i].push(performance.now() - start);
        processor[i].push((cpu.user + cpu.system) / 1000);
      }
    }
    const median = (xs: number[]) => roundMs(xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
    const times = deepestFirst.map((exit, i): ExitTime =>
      ({ exit, ms: median(wall[i]), minMs: roundMs(Math.min(...wall[i])), cpuMs: median(processor[i]) }));
    times.sort((a, b) => a.exit - b.exit);
    return { ...key, detector: detector.name, measuredAt: new Date().toISOString(), passes, exits: times };
  } finally {
    for (const model of models) model.dispose();
    image.dispose();
  }
}

const roundMs = (ms: number) => Math.round(ms * 100) / 100;

// ---------------------------------------------------------------------------------------------------
// The cache

interface CacheFile {
  format: number;
  entries: ExitTimes[];
}

/** The entries of a run folder's cache; a missing or unreadable file is an empty cache (it is only a cache). */
function readCache(runDir: string): ExitTimes[] {
  try {
    const file = JSON.parse(readFileSync(join(runDir, EXIT_TIMES_FILE), 'utf8')) as CacheFile;
    return file.format === FORMAT && Array.isArray(file.entries) ? file.entries : [];
  } catch {
    return [];
  }
}

/** The cached times of every exit in `exits` under `key`, or null when any is missing (or not a time). */
export function cachedExitTimes(runDir: string, key: TimingKey, exits: readonly number[]): ExitTimes | null {
  const entry = readCache(runDir).find((e) => sameKey(e, key));
  const timed = (exit: number) => entry?.exits?.some((t) => t.exit === exit && Number.isFinite(t.ms) && t.ms > 0 && Number.isFinite(t.cpuMs)) === true;
  return entry && exits.every(timed) ? entry : null;
}

/** Stores `times` in the run folder's cache, replacing an entry under the same key. */
export function cacheExitTimes(runDir: string, times: ExitTimes): void {
  const entries = readCache(runDir).filter((e) => !sameKey(e, times));
  const file: CacheFile = { format: FORMAT, entries: [...entries, times] };
  writeFileAtomic(join(runDir, EXIT_TIMES_FILE), JSON.stringify(file, null, 1) + '\n');
}

/**
 * The exit `predict --budget-ms` runs: the deepest one whose time fits `budgetMs`; when none fits, the
 * shallowest (the cheapest there is), with `fits` false.
 */
export function exitWithin(times: readonly ExitTime[], budgetMs: number): { time: ExitTime; fits: boolean } {
  const byDepth = [...times].sort((a, b) => a.exit - b.exit);
  const fitting = byDepth.filter((t) => t.ms <= budgetMs);
  return fitting.length ? { time: fitting[fitting.length - 1], fits: true } : { time: byDepth[0], fits: false };
}
