import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkText } from '../../src/semantics/program.js';
import type { SearchSpaceIR } from '../../src/semantics/ir.js';
import type { SearchEvent } from '../../src/search/events.js';
import { InProcessExecutor } from '../../src/search/executor.js';
import type { RunConfig } from '../../src/search/records.js';
import { runSearch } from '../../src/search/search.js';
import { readEvents, readTrials, RunStore } from '../../src/search/store.js';
import { createStrategy, type StrategyName } from '../../src/search/strategies/index.js';
import { noDamage, paperSpace, spaceFrom } from './helpers.js';

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
  store.close();
  return { events, summary };
}

function newRun(c: RunConfig): RunStore {
  const dir = mkdtempSync(join(tmpdir(), 'nasfpn-search-'));
  dirs.push(dir);
  return RunStore.create(join(dir, 'run'), c, noDamage);
}

describe('the search loop', () => {
  it('runs the budget, writes every trial, the state, the events and the best architecture', async () => {
    const store = newRun(config('random', 30));
    const { events, summary } = await session(store, paperSpace());
    expect(summary).toMatchObject({ reason: 'budget', trials: 30, failed: 0 });
    const trials = readTrials(store.dir, noDamage);
    expect(trials.map((t) => t.id)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (const t of trials) {
      expect(t.status).toBe('finished');
      expect(checkText(t.fpn, 't.fpn').program).not.toBeNull();
      expect(t.params).toBeGreaterThan(0); // the space's proxy detector (R-10, 3 pyramids) with this pyramid
    }
    expect(events[0].type).toBe('search.started');
    expect(events.at(-1)).toMatchObject({ type: 'search.finished', reason: 'budget', trials: 30 });
    expect(readEvents(store.dir)).toEqual(events);
    const best = trials.reduce((a, b) => (b.reward! > a.reward! ? b : a));
    expect(summary.best?.reward).toBe(best.reward);
    expect(readFileSync(join(store.dir, 'best.fpn'), 'utf8')).toBe(trials.find((t) => t.reward === best.reward)!.fpn);
  });

  it('reuses the reward of a repeated architecture and counts unique vs total', async () => {
    // Two cells over P3..P4 with one op: only a handful of architectures exist.
    const store = newRun(config('random', 25));
    const { events, summary } = await session(store, spaceFrom('inputs P3..P4\ncells 2\nops sum'));
    const trials = readTrials(store.dir, noDamage);
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
    const kept = readTrials(store.dir, noDamage).filter((t) => t.status === 'finished');
    const second = await session(RunStore.open(store.dir, noDamage), space);
    expect(second.summary).toMatchObject({ reason: 'budget', trials: 24 });
    expect(second.events[0]).toMatchObject({ type: 'search.started', resumed: true, done: kept.length });
    const steps2 = second.events.flatMap((e) => (e.type === 'controller.updated' ? [e.step] : []));
    expect(steps2[0]).toBe(4);
    for (const t of kept) expect(readTrials(store.dir, noDamage).find((x) => x.id === t.id)).toEqual(t);
  });

  describe('a damaged file costs only itself', () => {
    const damage = (dir: string, file: string, text = '{"id": 3, "ha') => writeFileSync(join(dir, file), text);

    it('a damaged finished trial record is rebuilt from events.jsonl (the same architecture and reward), and the search finishes its budget', async () => {
      const store = newRun(config('random', 12));
      const space = spaceFrom('inputs P3..P5\ncells 3');
      await session(store, space, 8);
      const before = readTrials(store.dir, noDamage).find((t) => t.id === 3)!;
      expect(before.status).toBe('finished');
      damage(store.dir, 'trials/000003.json');
      const warnings: string[] = [];
      const second = await session(RunStore.open(store.dir, (w) => warnings.push(w)), space);
      expect(second.summary).toMatchObject({ reason: 'budget', trials: 12 });
      expect(warnings).toEqual([
        expect.stringMatching(/000003\.json is not trial 3's record \(damaged\): set aside as .*damaged-000003\.json$/),
        'trial 3: rebuilt from events.jsonl (finished)',
      ]);
      const after = readTrials(store.dir, noDamage);
      expect(after.map((t) => t.id)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect(after.find((t) => t.id === 3)).toMatchObject({ hash: before.hash, fpn: before.fpn, decisions: before.decisions, reward: before.reward, status: 'finished' });
      // Not run again: no trial.started for trial 3 in the second session.
      expect(second.events.some((e) => e.type === 'trial.started' && e.trial === 3)).toBe(false);
      expect(readdirSync(join(store.dir, 'trials'))).toContain('damaged-000003.json');
    });

    it('without its decisions in the log (an older run), a new architecture fills the lost trial\'s id; state.json damaged too', async () => {
      const store = newRun(config('evolution', 12, { population: 4, sample: 2 }));
      const space = spaceFrom('inputs P3..P5\ncells 3');
      await session(store, space, 8);
      const events = join(store.dir, 'events.jsonl');
      writeFileSync(events, readFileSync(events, 'utf8').split('\n').map((line) => line.replace(/,"decisions":\[[\d,]*\]/, '')).join('\n'));
      damage(store.dir, 'trials/000003.json');
      damage(store.dir, 'state.json', '{"version":1,"next');
      const warnings: string[] = [];
      const second = await session(RunStore.open(store.dir, (w) => warnings.push(w)), space);
      expect(warnings).toEqual([
        expect.stringMatching(/000003\.json is not trial 3's record \(damaged\): set aside/),
        'trial 3: events.jsonl does not hold its decisions (a run of an older nasfpn): a new architecture is proposed in its place',
        expect.stringMatching(/state\.json is not valid JSON.*: set aside as .*damaged-state\.json; the strategy relearns from the finished trials/),
      ]);
      expect(second.summary).toMatchObject({ reason: 'budget', trials: 12 });
      const after = readTrials(store.dir, noDamage);
      expect(after.map((t) => t.id)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect(after.every((t) => t.status === 'finished')).toBe(true);
      expect(second.events.some((e) => e.type === 'trial.queued' && e.trial === 3)).toBe(true);
    });
  });
});
