// Shared helpers for benchmarks: timing, and writing results as JSON (atomically) to bench/results/.
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
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
