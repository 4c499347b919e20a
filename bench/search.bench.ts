// Search benchmarks (issue 15):
//   1. PPO vs random vs evolution on the known-optimum `target` surrogate, the paper's space, several seeds, the
//      same trial budget: best reward found and mean reward of the last trials;
//   2. the engine's overhead per trial (strategy, dedup, params/FLOPs, store writes, queueing) with the
//      surrogate reward at zero cost: in the search process, through 2 local worker processes, and through a
//      BullMQ queue on a local redis-server with 2 `nasfpn worker`s.
// Run `npm run build` first (the pool and queue workers are the built CLI).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkFile } from '../src/semantics/program.js';
import { fileHost } from '../src/semantics/file-host.js';
import type { SearchSpaceIR } from '../src/semantics/ir.js';
import { InProcessExecutor, type Executor } from '../src/search/executor.js';
import { LocalPool } from '../src/search/pool.js';
import { RedisQueueExecutor } from '../src/search/queue.js';
import type { RunConfig } from '../src/search/records.js';
import { targetArchitecture, targetScore } from '../src/search/reward.js';
import { runSearch } from '../src/search/search.js';
import { decisionsToPyramid } from '../src/search/space.js';
import { RunStore } from '../src/search/store.js';
import { createStrategy, type StrategyName } from '../src/search/strategies/index.js';
import { writeResult } from './lib.js';

const SEEDS = [1, 2, 3];
const BUDGET = 200;
const LAST = 50;
const OVERHEAD_TRIALS = 200;

const space = (file: string): SearchSpaceIR => checkFile(file, fileHost).program!.searchSpaces[0];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

async function strategyRun(name: StrategyName, s: SearchSpaceIR, seed: number) {
  const strategy = createStrategy(name, { space: s, seed, options: {} }, tf);
  const target = targetArchitecture(s, 1);
  const rewards: number[] = [];
  const start = performance.now();
  for (let id = 1; id <= BUDGET; id++) {
    const decisions = await strategy.propose(id);
    const reward = targetScore(decisionsToPyramid(s, decisions, 'x'), target);
    rewards.push(reward);
    await strategy.observe({ id, decisions, reward });
  }
  strategy.dispose();
  return { seed, best: round(Math.max(...rewards)), lastMean: round(mean(rewards.slice(-LAST))), seconds: round((performance.now() - start) / 1000, 1) };
}

async function overhead(label: string, s: SearchSpaceIR, spaceFile: string, executor: Executor) {
  const dir = mkdtempSync(join(tmpdir(), 'nasfpn-bench-search-'));
  const config: RunConfig = {
    version: 1, spaceFile, spaceText: '', space: s.name, strategy: 'random', strategyOptions: {}, reward: { name: 'target', options: {} },
    seed: 1, trials: OVERHEAD_TRIALS, workers: 0, queue: null, createdAt: new Date().toISOString(),
  };
  const store = RunStore.create(join(dir, 'run'), config, (message) => console.warn(message));
  const strategy = createStrategy('random', { space: s, seed: 1, options: {} }, null);
  const start = performance.now();
  await runSearch({ store, space: s, strategy, executor, listeners: [] });
  store.close();
  const ms = performance.now() - start;
  rmSync(dir, { recursive: true, force: true });
  const perTrialMs = round(ms / OVERHEAD_TRIALS, 2);
  console.log(`  ${label}: ${perTrialMs} ms per trial`);
  return { executor: label, space: s.name, trials: OVERHEAD_TRIALS, perTrialMs };
}

await tf.setBackend('wasm');
const paper = space('examples/search.fpn');
const small = space('test/fixtures/search/small.fpn');

console.log(`PPO vs random vs evolution: target surrogate, paper space, ${BUDGET} trials, seeds ${SEEDS.join(', ')}`);
const comparison: Record<string, unknown[]> = {};
for (const name of ['random', 'evolution', 'ppo'] as const) {
  comparison[name] = [];
  for (const seed of SEEDS) {
    const r = await strategyRun(name, paper, seed);
    comparison[name].push(r);
    console.log(`  ${name} seed ${seed}: best ${r.best}, mean of last ${LAST} ${r.lastMean} (${r.seconds} s)`);
  }
}
const summary = Object.fromEntries(Object.entries(comparison).map(([name, runs]) => {
  const rs = runs as { best: number; lastMean: number }[];
  return [name, { best: round(mean(rs.map((r) => r.best))), lastMean: round(mean(rs.map((r) => r.lastMean))) }];
}));

console.log('engine overhead per trial (surrogate reward, random strategy):');
const overheads = [];
overheads.push(await overhead('in-process', small, 'test/fixtures/search/small.fpn', new InProcessExecutor()));
overheads.push(await overhead('in-process, params/FLOPs of the R-10 proxy', paper, 'examples/search.fpn', new InProcessExecutor()));
overheads.push(await overhead('local pool, 2 workers', small, 'test/fixtures/search/small.fpn', new LocalPool(2, { module: 'bin/nasfpn.js', args: ['worker', '--ipc'] })));

const port = 6390 + Math.floor(Math.random() * 500);
const redisDir = mkdtempSync(join(tmpdir(), 'nasfpn-bench-redis-'));
const started = spawnSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--daemonize', 'yes', '--dir', redisDir,
  '--pidfile', join(redisDir, 'redis.pid'), '--logfile', join(redisDir, 'redis.log')]);
if (started.status === 0) {
  await new Promise((r) => setTimeout(r, 300));
  const url = `redis://127.0.0.1:${port}`;
  const workers = [0, 1].map(() => spawn(process.execPath, ['bin/nasfpn.js', 'worker', '--queue', url, '--queue-name', 'bench'], { stdio: 'ignore' }));
  await new Promise((r) => setTimeout(r, 1500));
  overheads.push(await overhead('redis queue, 2 workers, 8 in flight', small, 'test/fixtures/search/small.fpn', new RedisQueueExecutor({ url, queueName: 'bench', capacity: 8 })));
  for (const w of workers) w.kill('SIGTERM');
  spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
} else {
  console.log('  redis-server not found: the queue overhead is not measured');
}
rmSync(redisDir, { recursive: true, force: true });

writeResult('search', {
  note: 'timings on a shared 2-core machine under load from other work; PPO runs on the wasm backend',
  comparison: { reward: 'target (known optimum 1)', space: paper.name, budget: BUDGET, lastTrials: LAST, seeds: SEEDS, summary, runs: comparison },
  overhead: overheads,
});
