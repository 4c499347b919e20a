// Trials per hour of a proxy-reward search, end to end, as users run it: `nasfpn search` (the built CLI) with
// its default strategy and local workers, the proxy reward training each sampled pyramid for a few steps on a
// synthetic dataset and scoring it by COCO AP on the val split. Measured from the search's own events:
//   - start-up: the command starting until the first trial starts (CLI, checks, workers, backend, dataset);
//   - trials per hour once running (first trial started → search finished), and with start-up included;
//   - the reward's seconds per trial (training + AP, on the worker; each worker's first trial apart, as it also
//     loads the dataset and warms the kernels up), and the engine's overhead per trial: the rest of a busy
//     worker's time (proposals and the controller's updates, dedup, counting params and FLOPs, store writes,
//     events, the trip to the worker and back).
// A bench, not a search: a few trials at a small step budget, so the overhead shows against the reward.
//
// Training engines (src/train/engines.ts): the search runs once on the eager engine and, where its backend runs
// TensorFlow graphs (tfjs-node, tfjs-node-gpu), once more on the graph engine, with the same seed, so the same
// architectures are sampled and the two compare trial by trial. Each search is told its engine through
// NASFPN_ENGINE (the workers inherit it); the graph engine's cache starts empty (a scratch NASFPN_CACHE_DIR), so
// every trial's graph build, load and TensorFlow's optimisation count, as in a user's first search.
//
// Options (environment): NASFPN_BENCH_SPACE (default examples/proxy.fpn#synth_space, the README's search),
// NASFPN_BENCH_TRIALS (3), NASFPN_BENCH_STEPS (10 training steps a trial), NASFPN_BENCH_EVAL_IMAGES (50),
// NASFPN_BENCH_IMAGES (200 synthetic images, 128², 8 classes), NASFPN_BENCH_STRATEGY (ppo, as `nasfpn search`),
// NASFPN_BENCH_WORKERS (the CLI's default when unset), NASFPN_BACKEND (the fastest available when unset).
// Run `npm run build` first (the search and its workers are the built CLI).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { DEFAULT_SYNTH, writeSynthDataset } from '../src/data/synth.js';
import type { SearchEvent } from '../src/search/events.js';
import { writeResult } from './lib.js';

const env = process.env;
const SPACE = env.NASFPN_BENCH_SPACE ?? 'examples/proxy.fpn#synth_space';
const TRIALS = Number(env.NASFPN_BENCH_TRIALS ?? 3);
const STEPS = Number(env.NASFPN_BENCH_STEPS ?? 10);
// The recipe's warm-up (30 steps) is longer than a bench's trial: a fifth of its steps, as the reward's default.
const WARMUP = Math.max(1, Math.floor(STEPS / 5));
const EVAL_IMAGES = Number(env.NASFPN_BENCH_EVAL_IMAGES ?? 50);
const IMAGES = Number(env.NASFPN_BENCH_IMAGES ?? 200);
const STRATEGY = env.NASFPN_BENCH_STRATEGY ?? 'ppo';
const WORKERS = env.NASFPN_BENCH_WORKERS;
/** Backends whose workers can train on the graph engine. */
const GRAPH_BACKENDS = ['tfjs-node', 'tfjs-node-gpu'];

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => sum(xs) / xs.length;

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-bench-search-proxy-'));
const data = join(scratch, 'data');
await writeSynthDataset(data, { ...DEFAULT_SYNTH, images: IMAGES, size: 128, classes: 8, seed: 1 });
const reward = `proxy:data=${data},steps=${STEPS},warmup=${WARMUP},evalImages=${EVAL_IMAGES}`;
const argsFor = (runDir: string) => [
  'bin/nasfpn.js', 'search', SPACE, '--strategy', STRATEGY, '--reward', reward, '--trials', String(TRIALS), '--seed', '1',
  '--run', runDir, '--no-ui', ...(WORKERS !== undefined ? ['--workers', WORKERS] : []),
];
const command = `nasfpn ${argsFor('RUN').slice(1).join(' ').replace(data, 'DATA')}`;
console.log(command);

/** One search on `engine`, measured from its events. */
async function measureSearch(engine: 'graph' | 'eager') {
  const runDir = join(scratch, `run-${engine}`);
  // The search, with each event's arrival time on this clock (the events' own times are ISO seconds).
  const started = performance.now();
  const child = spawn(process.execPath, argsFor(runDir), {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, NASFPN_ENGINE: engine, NASFPN_CACHE_DIR: join(scratch, `cache-${engine}`) },
  });
  const events: { at: number; event: SearchEvent }[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  for await (const line of createInterface({ input: child.stdout })) {
    if (!line.startsWith('{')) continue;
    const event = JSON.parse(line) as SearchEvent;
    events.push({ at: performance.now(), event });
    if (event.type === 'trial.finished') console.log(`  ${engine} trial ${event.trial}: AP ${event.reward.toFixed(3)}, ${event.seconds.toFixed(1)} s on ${event.worker}`);
  }
  const code: number = await new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', (c) => resolve(c ?? 1))));
  const ended = performance.now();
  if (code !== 0) {
    process.stderr.write(stderr);
    throw new Error(`nasfpn search (${engine} engine) exited with ${code}`);
  }

  const at = (type: SearchEvent['type']) => events.find((e) => e.event.type === type)?.at;
  const firstTrial = at('trial.started')!;
  const finished = at('search.finished')!;
  const workers = events.flatMap(({ event }) => (event.type === 'worker.joined' ? [event] : []));
  const runningSeconds = (finished - firstTrial) / 1000;

  // Evaluated trials (a duplicate architecture reuses its reward and costs nothing), each with when its worker
  // started it (its last attempt) and when the search heard it had finished, on this process's clock.
  const startedAt = new Map<number, number>();
  const trials: { id: number; worker: string | null; seconds: number; start: number; end: number; event: Extract<SearchEvent, { type: 'trial.finished' }> }[] = [];
  for (const { at: time, event } of events) {
    if (event.type === 'trial.started') startedAt.set(event.trial, time);
    if (event.type === 'trial.finished' && !event.cached) {
      trials.push({ id: event.trial, worker: event.worker, seconds: event.seconds, start: startedAt.get(event.trial)!, end: time, event });
    }
  }
  const rewardSeconds = trials.map((t) => t.seconds);
  const firsts = trials.filter((t, i) => trials.findIndex((u) => u.worker === t.worker) === i);
  const later = trials.filter((t) => !firsts.includes(t));
  // The engine's time a trial: from its worker's previous trial finishing to this one starting (a worker's first
  // trial waits for start-up instead, counted there), plus its time on the worker around the reward (the trip
  // there and back, events, store writes). A worker idle because the budget has no trial left costs nothing.
  const previousEnd = (t: (typeof trials)[number]) => trials.filter((u) => u.worker === t.worker && u.end < t.start).at(-1)?.end;
  const engineSeconds = trials.map((t) => {
    const gap = previousEnd(t) === undefined ? 0 : (t.start - previousEnd(t)!) / 1000;
    return gap + (t.end - t.start) / 1000 - t.seconds;
  });

  const result = {
    engine,
    backend: workers[0]?.backend ?? null,
    workers: workers.length,
    startupSeconds: round((firstTrial - started) / 1000),
    totalSeconds: round((ended - started) / 1000),
    trialsPerHour: round((trials.length / runningSeconds) * 3600),
    trialsPerHourWithStartup: round((trials.length / ((ended - started) / 1000)) * 3600),
    rewardSecondsPerTrial: round(mean(rewardSeconds), 2),
    // A worker's first trial also loads the dataset and warms the backend's kernels up.
    rewardSecondsFirstTrials: round(mean(firsts.map((t) => t.seconds)), 2),
    rewardSecondsPerLaterTrial: later.length ? round(mean(later.map((t) => t.seconds)), 2) : null,
    trainSecondsPerStep: round(sum(trials.map((t) => t.event.metrics.trainSeconds ?? 0)) / sum(trials.map((t) => t.event.metrics.steps ?? 0)), 3),
    evalSecondsPerTrial: round(mean(trials.map((t) => t.event.metrics.evalSeconds ?? 0)), 2),
    // The search engine's overhead (not the training engine's): proposals, store, events, the trip to the worker.
    engineOverheadSecondsPerTrial: round(mean(engineSeconds), 2),
    trials: trials.map((t) => ({ id: t.id, worker: t.worker, AP: round(t.event.reward, 4), seconds: round(t.seconds, 2), params: t.event.params, flops: t.event.flops })),
    loadAverage: round(loadavg()[0], 2),
  };
  console.log(`${engine}: ${result.trialsPerHour} trials/h running (${result.trialsPerHourWithStartup} with ${result.startupSeconds} s of start-up); ` +
    `reward ${result.rewardSecondsPerTrial} s a trial, engine overhead ${result.engineOverheadSecondsPerTrial} s a trial, backend ${result.backend}, ${result.workers} worker(s)`);
  return result;
}

const eager = await measureSearch('eager');
const runs = [eager];
if (eager.backend !== null && GRAPH_BACKENDS.includes(eager.backend)) runs.push(await measureSearch('graph'));
else console.log(`graph engine: not measured (the ${eager.backend} backend runs no TensorFlow graph)`);
rmSync(scratch, { recursive: true, force: true });

writeResult('search-proxy', {
  command,
  space: SPACE,
  strategy: STRATEGY,
  budget: { trials: TRIALS, steps: STEPS, warmup: WARMUP, evalImages: EVAL_IMAGES, datasetImages: IMAGES },
  backend: eager.backend,
  engines: Object.fromEntries(runs.map(({ engine, ...measured }) => [engine, measured])),
  note: 'the shared 2-core machine under load from other work: rough figures; the engines run one search each, eager first, with the same seed',
});
