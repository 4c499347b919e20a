// How long each exit of a detector takes on this machine and backend: the forward pass of one image through
// the exit's own model (src/codegen/lower.ts `exit`: the later pyramids and heads are not built), the outputs
// read back, the median of a few passes after warm-up ones. `predict --budget-ms` chooses an exit from these
// times, `eval --exits` reports them; both keep them in the run folder (EXIT_TIMES_FILE), one entry per
// backend, machine and input size, so that a run is measured once where it runs.
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

/**
 * The median and fastest time of one image's forward pass through `model` (inference mode, outputs read back)
 * over `passes` passes, after `warmup` untimed ones. The input is a fixed pseudo-random image; the weights'
 * values do not change the time.
 */
export async function measureForward(
  tf: Tfjs, model: TF.LayersModel, inputSize: number, passes = TIMED_PASSES, warmup = WARMUP_PASSES,
): Promise<{ medianMs: number; minMs: number }> {
  const image = tf.tidy(() => tf.randomUniform([1, inputSize, inputSize, 3], 0, 1, 'float32', 1));
  const pass = async () => {
    const outputs = tf.tidy(() => {
      const out = model.apply(image, { training: false }) as TF.Tensor | TF.Tensor[];
      return Array.isArray(out) ? out : [out];
    });
    await Promise.all(outputs.map((o) => o.data()));
    tf.dispose(outputs);
  };
  try {
    for (let i = 0; i < warmup; i++) await pass();
    const samples: number[] = [];
    for (let i = 0; i < passes; i++) {
      const start = performance.now();
      await pass();
      samples.push(performance.now() - start);
    }
    samples.sort((a, b) => a - b);
    return { medianMs: samples[Math.floor(samples.length / 2)], minMs: samples[0] };
  } finally {
    image.dispose();
  }
}

/**
 * Times every exit in `exits` on the model `build(exit)` makes (built and disposed one at a time, so only
 * one exit's weights are held at once). The deepest goes first: its warm-up passes also pay the process's
 * one-time costs (kernel set-up for every layer shape the shallower exits share), which would otherwise land
 * on whichever exit ran first.
 */
export async function measureExits(
  tf: Tfjs, detector: DetectorIR, key: TimingKey, exits: readonly number[], build: (exit: number) => TF.LayersModel, passes = TIMED_PASSES,
): Promise<ExitTimes> {
  const times: ExitTime[] = [];
  for (const exit of [...exits].sort((a, b) => b - a)) {
    const model = build(exit);
    try {
      const { medianMs, minMs } = await measureForward(tf, model, key.inputSize, passes);
      times.push({ exit, ms: round(medianMs), minMs: round(minMs) });
    } finally {
      model.dispose();
    }
  }
  times.sort((a, b) => a.exit - b.exit);
  return { ...key, detector: detector.name, measuredAt: new Date().toISOString(), passes, exits: times };
}

const round = (ms: number) => Math.round(ms * 100) / 100;

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

/** The cached times of every exit in `exits` under `key`, or null when any is missing. */
export function cachedExitTimes(runDir: string, key: TimingKey, exits: readonly number[]): ExitTimes | null {
  const entry = readCache(runDir).find((e) => sameKey(e, key));
  if (!entry || !exits.every((exit) => entry.exits.some((t) => t.exit === exit))) return null;
  return entry;
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
