import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stamp } from '../../src/search/events.js';
import type { RunConfig, TrialRecord } from '../../src/search/records.js';
import { RunDirectoryError, RunStore } from '../../src/search/store.js';

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

describe('the run directory', () => {
  it('round-trips config, trials (in id order, past 999999), state and events', () => {
    const store = RunStore.create(join(scratch, 'a'), config);
    for (const id of [3, 1, 1000000, 2]) store.writeTrial(trial(id));
    store.writeState({ version: 1, nextTrial: 4, random: [1, 2, 3, 4], strategy: { x: 1 }, observed: [1, 2], updatedAt: 'now' });
    const events = [stamp({ type: 'search.resumed' }), stamp({ type: 'search.paused', reason: 'r' })];
    for (const e of events) store.appendEvent(e);
    const again = RunStore.open(store.dir);
    expect(again.config).toEqual(config);
    expect(again.trials().map((t) => t.id)).toEqual([1, 2, 3, 1000000]);
    expect(again.readState()).toMatchObject({ nextTrial: 4, strategy: { x: 1 } });
    expect(again.events()).toEqual(events);
  });

  it('ignores an event line cut short by a kill', () => {
    const store = RunStore.create(join(scratch, 'b'), config);
    store.appendEvent(stamp({ type: 'search.resumed' }));
    appendFileSync(join(store.dir, 'events.jsonl'), '{"type":"trial.que');
    expect(store.events().map((e) => e.type)).toEqual(['search.resumed']);
  });

  it('refuses to start a run over another and names what is not a run', () => {
    RunStore.create(join(scratch, 'c'), config);
    expect(() => RunStore.create(join(scratch, 'c'), config)).toThrow(/already holds a search run/);
    expect(() => RunStore.open(join(scratch, 'none'))).toThrow(RunDirectoryError);
    writeFileSync(join(scratch, 'c', 'config.json'), '{"version": 7}');
    expect(() => RunStore.open(join(scratch, 'c'))).toThrow(/format 7 is not supported/);
  });
});
