import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkText } from '../../src/semantics/program.js';
import type { SearchSpaceIR } from '../../src/semantics/ir.js';
import type { SearchEvent } from '../../src/search/events.js';
import { InProcessExecutor } from '../../src/search/executor.js';
import type { RunConfig } from '../../src/search/records.js';
import { runSearch } from '../../src/search/search.js';
import { RunStore } from '../../src/search/store.js';
import { createStrategy, type StrategyName } from '../../src/search/strategies/index.js';
import { paperSpace, spaceFrom } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function config(strategy: StrategyName, trials: number, strategyOptions: Record<string, number> = {}): RunConfig {
  return {
    version: 1, spaceFile: '/x/search.fpn', spaceText: '', space: 'nasfpn_space', strategy, strategyOptions,
    reward: { name: 'target', options: {} }, seed: 5, trials, workers: 0, queue: null, createdAt: new Date().toISOString(),
  };
}

/** One session of a run; `stopAfter` finished trials aborts it like Ctrl-C. */
async function session(store: RunStore, space: SearchSpaceIR, stopAfter = Infinity) {
  const events: SearchEvent[] = [];
  const abort = new AbortController();
  let finished = 0;
  const strategy = createStrategy(store.config.strategy, { space, seed: store.config.seed, options: store.config.strategyOptions }, tf);
  const summary = await runSearch({
    store, space, strategy, executor: new InProcessExecutor(), signal: abort.signal,
    listeners: [(e) => {
      events.push(e);
      if (e.type === 'trial.finished' && ++finished >= stopAfter) abort.abort();
    }],
  });
  strategy.dispose();
  return { events, summary };
}

function newRun(c: RunConfig): RunStore {
  const dir = mkdtempSync(join(tmpdir(), 'nasfpn-search-'));
  dirs.push(dir);
  return RunStore.create(join(dir, 'run'), c);
}

describe('the search loop', () => {
  it('runs the budget, writes every trial, the state, the events and the best architecture', async () => {
    const store = newRun(config('random', 30));
    const { events, summary } = await session(store, paperSpace());
    expect(summary).toMatchObject({ reason: 'budget', trials: 30, failed: 0 });
    const trials = store.trials();
    expect(trials.map((t) => t.id)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (const t of trials) {
      expect(t.status).toBe('finished');
      expect(checkText(t.fpn, 't.fpn').program).not.toBeNull();
      expect(t.params).toBeGreaterThan(0); // the space's proxy detector (R-10, 3 pyramids) with this pyramid
    }
    expect(events[0].type).toBe('search.started');
    expect(events.at(-1)).toMatchObject({ type: 'search.finished', reason: 'budget', trials: 30 });
    expect(store.events()).toEqual(events);
    const best = trials.reduce((a, b) => (b.reward! > a.reward! ? b : a));
    expect(summary.best?.reward).toBe(best.reward);
    expect(readFileSync(join(store.dir, 'best.fpn'), 'utf8')).toBe(trials.find((t) => t.reward === best.reward)!.fpn);
  });

  it('reuses the reward of a repeated architecture and counts unique vs total', async () => {
    // Two cells over P3..P4 with one op: only a handful of architectures exist.
    const store = newRun(config('random', 25));
    const { events, summary } = await session(store, spaceFrom('inputs P3..P4\ncells 2\nops sum'));
    const trials = store.trials();
    const duplicates = trials.filter((t) => t.duplicateOf !== null);
    expect(duplicates.length).toBeGreaterThan(0);
    expect(summary.unique).toBe(new Set(trials.map((t) => t.hash)).size);
    for (const d of duplicates) {
      const original = trials.find((t) => t.id === d.duplicateOf)!;
      expect(original.hash).toBe(d.hash);
      expect(d.reward).toBe(original.reward);
    }
    expect(events.filter((e) => e.type === 'trial.finished' && e.cached).length).toBe(duplicates.length);
  });

  it('stops on abort and resumes: trials kept, the controller continues its updates', async () => {
    const store = newRun(config('ppo', 24, { batch: 4, epochs: 1 }));
    const space = spaceFrom('inputs P3..P5\ncells 4'); // short decision sequences keep the updates quick
    const first = await session(store, space, 13);
    expect(first.summary.reason).toBe('stopped');
    const steps1 = first.events.flatMap((e) => (e.type === 'controller.updated' ? [e.step] : []));
    expect(steps1).toEqual([1, 2, 3]);
    const kept = store.trials().filter((t) => t.status === 'finished');
    const second = await session(RunStore.open(store.dir), space);
    expect(second.summary).toMatchObject({ reason: 'budget', trials: 24 });
    expect(second.events[0]).toMatchObject({ type: 'search.started', resumed: true, done: kept.length });
    const steps2 = second.events.flatMap((e) => (e.type === 'controller.updated' ? [e.step] : []));
    expect(steps2[0]).toBe(4);
    for (const t of kept) expect(store.trials().find((x) => x.id === t.id)).toEqual(t);
  });
});
