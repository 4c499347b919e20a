// Shared helpers for benchmarks: timing, and writing results as JSON (atomically) to bench/results/.
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import type * as TF from '@tensorflow/tfjs';
import { writeFileAtomic } from '../src/runtime/atomic.js';

export interface Timing {
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export async function time(runs: number, fn: () => unknown | Promise<unknown>): Promise<Timing> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return { runs, medianMs: round(samples[Math.floor(samples.length / 2)]), minMs: round(samples[0]), maxMs: round(samples[samples.length - 1]) };
}

/** Wall time of a whole command (process start included), `runs` times. */
export function timeCommand(runs: number, command: string, args: string[]): Promise<Timing> {
  return time(runs, () => execFileSync(command, args, { stdio: 'ignore' }));
}

export function machine() {
  return { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, platform: process.platform };
}

export function writeResult(name: string, result: Record<string, unknown>): void {
  const path = `bench/results/${name}.json`;
  writeFileAtomic(path, JSON.stringify({ bench: name, date: new Date().toISOString(), machine: machine(), ...result }, null, 2) + '\n');
  console.log(`bench: wrote ${path}`);
}

/** Kernels one call of `fn` runs, by name (tf.profile; kernels nested inside others, e.g. in custom gradients, counted too). */
export async function countKernels(tf: typeof TF, fn: () => Promise<unknown>): Promise<{ total: number; byKernel: Record<string, number> }> {
  const info = await tf.profile(async () => {
    await fn();
  });
  const byKernel: Record<string, number> = {};
  for (const k of info.kernels) byKernel[k.name] = (byKernel[k.name] ?? 0) + 1;
  return { total: info.kernels.length, byKernel: sortedCounts(byKernel) };
}

/**
 * TensorFlow ops one call of `fn` executes on tfjs-node (null on other backends): what each step really costs
 * there, since several tfjs kernels run no TensorFlow op at all (Identity, no-op reshapes and casts) and a few
 * run more than one. Counted by wrapping the addon's executeOp for the duration of the call.
 */
export async function countTensorflowOps(tf: typeof TF, fn: () => Promise<unknown>): Promise<{ total: number; byOp: Record<string, number> } | null> {
  if (tf.getBackend() !== 'tensorflow') return null;
  const backend = tf.backend() as unknown as { binding: Record<string, unknown> };
  const binding = backend.binding;
  const byOp: Record<string, number> = {};
  // The addon's exports are read-only: count through a copy of them.
  const counting: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(binding)) {
    const value = binding[key];
    counting[key] = typeof value === 'function' ? value.bind(binding) : value;
  }
  const executeOp = binding.executeOp as (name: string, ...rest: unknown[]) => unknown;
  counting.executeOp = (name: string, ...rest: unknown[]) => {
    byOp[name] = (byOp[name] ?? 0) + 1;
    return executeOp.call(binding, name, ...rest);
  };
  backend.binding = counting;
  try {
    await fn();
  } finally {
    backend.binding = binding;
  }
  return { total: Object.values(byOp).reduce((a, b) => a + b, 0), byOp: sortedCounts(byOp) };
}

const sortedCounts = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
