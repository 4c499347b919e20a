import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stamp } from '../../src/search/events.js';
import type { RunConfig, TrialRecord } from '../../src/search/records.js';
import { readEvents, readRunState, readTrials, RunDirectoryError, RunStore } from '../../src/search/store.js';
import { RunLockedError } from '../../src/runtime/run-lock.js';
import { noDamage } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-store-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const config: RunConfig = {
  version: 1, spaceFile: '/s.fpn', spaceText: 'search s {}', space: 's', strategy: 'random', strategyOptions: {},
  reward: { name: 'target', options: { delay: 5 } }, seed: 3, trials: 10, workers: 2, queue: null, createdAt: '2026-01-01T00:00:00.000Z',
};

const trial = (id: number): TrialRecord => ({
  id, hash: `h${id}`, fpn: 'pyramid p {}\n', decisions: [id], status: 'finished', reward: id / 10, metrics: {}, params: null, flops: null,
  duplicateOf: null, worker: 'local-1', attempts: 1, queuedAt: 'q', startedAt: 's', endedAt: 'e', seconds: 1, error: null,
});

const state = { version: 1 as const, nextTrial: 4, random: [1, 2, 3, 4] as [number, number, number, number], strategy: { x: 1 }, observed: [1, 2], updatedAt: 'now' };

/** A closed run in `name` with trials 1..n, a state and two events. */
function closedRun(name: string, n = 3): string {
  const store = RunStore.create(join(scratch, name), config, noDamage);
  for (let id = 1; id <= n; id++) store.writeTrial(trial(id));
  store.writeState(state);
  store.appendEvent(stamp({ type: 'search.resumed' }));
  store.appendEvent(stamp({ type: 'search.paused', reason: 'r' }));
  store.close();
  return store.dir;
}

describe('the run directory', () => {
  it('round-trips config, trials (in id order, past 999999), state and events', () => {
    const store = RunStore.create(join(scratch, 'a'), config, noDamage);
    for (const id of [3, 1, 1000000, 2]) store.writeTrial(trial(id));
    store.writeState(state);
    const events = [stamp({ type: 'search.resumed' }), stamp({ type: 'search.paused', reason: 'r' })];
    for (const e of events) store.appendEvent(e);
    store.close();
    const again = RunStore.open(store.dir, noDamage);
    expect(again.config).toEqual(config);
    expect(again.loadTrials()).toEqual({ trials: [1, 2, 3, 1000000].map(trial), damaged: [] });
    expect(again.readState()).toMatchObject({ nextTrial: 4, strategy: { x: 1 } });
    expect(again.events()).toEqual(events);
    again.close();
  });

  it('passes over an event line cut short by a kill silently, and a damaged line in the middle with a warning naming it', () => {
    const store = RunStore.create(join(scratch, 'b'), config, noDamage);
    store.appendEvent(stamp({ type: 'search.resumed' }));
    appendFileSync(join(store.dir, 'events.jsonl'), 'garbage\n');
    store.appendEvent(stamp({ type: 'search.resumed' }));
    appendFileSync(join(store.dir, 'events.jsonl'), '{"type":"trial.que');
    const warnings: string[] = [];
    expect(readEvents(store.dir, (w) => warnings.push(w)).map((e) => e.type)).toEqual(['search.resumed', 'search.resumed']);
    expect(warnings).toEqual([`${join(store.dir, 'events.jsonl')}:2: not an event: passed over`]);
    store.close();
  });

  it('a resumed writer ends a torn last event line first, so its own first event is not lost to it', () => {
    const dir = closedRun('torn');
    appendFileSync(join(dir, 'events.jsonl'), '{"type":"trial.fin');
    const store = RunStore.open(dir, noDamage);
    store.appendEvent(stamp({ type: 'search.resumed' }));
    store.close();
    const warnings: string[] = [];
    expect(readEvents(dir, (w) => warnings.push(w)).map((e) => e.type)).toEqual(['search.resumed', 'search.paused', 'search.resumed']);
    expect(warnings).toEqual([`${join(dir, 'events.jsonl')}:3: not an event: passed over`]);
  });

  it('refuses to start a run over another and names what is not a run', () => {
    closedRun('c');
    expect(() => RunStore.create(join(scratch, 'c'), config, noDamage)).toThrow(/already holds a search run/);
    expect(() => RunStore.open(join(scratch, 'none'), noDamage)).toThrow(RunDirectoryError);
    writeFileSync(join(scratch, 'c', 'config.json'), '{"version": 7}');
    expect(() => RunStore.open(join(scratch, 'c'), noDamage)).toThrow(/format 7 is not supported/);
    // A refused writer leaves no lock behind.
    expect(existsSync(join(scratch, 'c', 'lock'))).toBe(false);
  });

  it('has one writer at a time; readers need no lock', () => {
    const dir = closedRun('locked');
    const first = RunStore.open(dir, noDamage);
    expect(() => RunStore.open(dir, noDamage)).toThrow(RunLockedError);
    expect(() => RunStore.open(dir, noDamage)).toThrow(/is in use: nasfpn search \(process \d+ on .+\) has been writing it since/);
    expect(readTrials(dir, noDamage).map((t) => t.id)).toEqual([1, 2, 3]);
    first.close();
    expect(existsSync(join(dir, 'lock'))).toBe(false);
    RunStore.open(dir, noDamage).close();
  });
});

describe('damage costs only the damaged file', () => {
  it('a reader passes over a damaged trial record with a warning and leaves it as it is', () => {
    const dir = closedRun('reader', 5);
    writeFileSync(join(dir, 'trials', '000004.json'), '{"id": 4, "hash": "h4", "fp');
    writeFileSync(join(dir, 'trials', '000002.json'), JSON.stringify({ ...trial(3) })); // another trial's record under id 2
    const warnings: string[] = [];
    expect(readTrials(dir, (w) => warnings.push(w)).map((t) => t.id)).toEqual([1, 3, 5]);
    expect(warnings).toEqual([
      `${join(dir, 'trials', '000002.json')} is not trial 2's record (damaged): passed over`,
      `${join(dir, 'trials', '000004.json')} is not trial 4's record (damaged): passed over`,
    ]);
    expect(readdirSync(join(dir, 'trials')).sort()).toEqual(['000001.json', '000002.json', '000003.json', '000004.json', '000005.json']);
  });

  it('the writer sets a damaged trial record aside as damaged-NNNNNN.json, lists its id, and leaves the others untouched', () => {
    const dir = closedRun('writer', 5);
    const intact = readFileSync(join(dir, 'trials', '000003.json'), 'utf8');
    writeFileSync(join(dir, 'trials', '000004.json'), 'not json');
    const warnings: string[] = [];
    const store = RunStore.open(dir, (w) => warnings.push(w));
    const { trials, damaged } = store.loadTrials();
    store.close();
    expect(trials.map((t) => t.id)).toEqual([1, 2, 3, 5]);
    expect(damaged).toEqual([4]);
    expect(warnings).toEqual([`${join(dir, 'trials', '000004.json')} is not trial 4's record (damaged): set aside as ${join(dir, 'trials', 'damaged-000004.json')}`]);
    expect(readFileSync(join(dir, 'trials', 'damaged-000004.json'), 'utf8')).toBe('not json');
    expect(readFileSync(join(dir, 'trials', '000003.json'), 'utf8')).toBe(intact);
    // A second damaged copy of the same record does not overwrite the first one set aside.
    writeFileSync(join(dir, 'trials', '000004.json'), 'again');
    const again = RunStore.open(dir, () => {});
    again.loadTrials();
    again.close();
    expect(readFileSync(join(dir, 'trials', 'damaged-000004.json.2'), 'utf8')).toBe('again');
  });

  it('a damaged state.json is set aside and read as no state (the strategy relearns from the trials)', () => {
    const dir = closedRun('state');
    writeFileSync(join(dir, 'state.json'), '{"version":1,"nextTr');
    expect(() => readRunState(dir)).toThrow(RunDirectoryError);
    const warnings: string[] = [];
    const store = RunStore.open(dir, (w) => warnings.push(w));
    expect(store.readState()).toBeNull();
    store.close();
    expect(warnings[0]).toMatch(/state\.json is not valid JSON: .*: set aside as .*damaged-state\.json; the strategy relearns from the finished trials/);
    expect(existsSync(join(dir, 'state.json'))).toBe(false);
    expect(readFileSync(join(dir, 'damaged-state.json'), 'utf8')).toBe('{"version":1,"nextTr');
  });
});
