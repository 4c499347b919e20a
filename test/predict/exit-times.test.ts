// The exit-time cache in a run folder and the choice `predict --budget-ms` makes from it (no tensors: the
// timing itself is exercised by test/predict/exits-cli.test.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { cachedExitTimes, cacheExitTimes, EXIT_TIMES_FILE, exitWithin, type ExitTimes, type TimingKey } from '../../src/predict/exit-times.js';

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-exit-times-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const key: TimingKey = { backend: 'tfjs-node', host: 'here', cpu: 'some cpu', inputSize: 128 };
const times = (over: Partial<ExitTimes> = {}): ExitTimes => ({
  ...key, detector: 'd', measuredAt: '2026-01-01T00:00:00Z', passes: 5,
  exits: [{ exit: 1, ms: 10, minMs: 9, cpuMs: 19 }, { exit: 2, ms: 20, minMs: 18, cpuMs: 38 }, { exit: 3, ms: 30, minMs: 28, cpuMs: 57 }], ...over,
});

describe('exitWithin', () => {
  const exits = times().exits;
  test('the deepest exit whose median time fits the budget', () => {
    expect(exitWithin(exits, 25)).toEqual({ time: exits[1], fits: true });
    expect(exitWithin(exits, 30)).toEqual({ time: exits[2], fits: true });
    expect(exitWithin([...exits].reverse(), 1000).time.exit).toBe(3);
  });

  test('the shallowest when none fits, said by `fits`', () => {
    expect(exitWithin(exits, 5)).toEqual({ time: exits[0], fits: false });
  });
});

describe('the cache in a run folder', () => {
  test('returns the entry of this key, replaced by a newer measurement, next to other keys', () => {
    const run = join(scratch, 'run');
    expect(cachedExitTimes(run, key, [1, 2, 3])).toBeNull();
    cacheExitTimes(run, times());
    cacheExitTimes(run, times({ backend: 'wasm' }));
    cacheExitTimes(run, times({ measuredAt: '2026-02-02T00:00:00Z' }));
    expect(cachedExitTimes(run, key, [1, 2, 3])?.measuredAt).toBe('2026-02-02T00:00:00Z');
    expect(cachedExitTimes(run, { ...key, backend: 'wasm' }, [1, 2, 3])?.measuredAt).toBe('2026-01-01T00:00:00Z');
    expect(cachedExitTimes(run, { ...key, inputSize: 256 }, [1, 2, 3])).toBeNull();
    expect(cachedExitTimes(run, { ...key, host: 'elsewhere' }, [1, 2, 3])).toBeNull();
    // An exit it has no time for: measure again.
    expect(cachedExitTimes(run, key, [1, 2, 3, 4])).toBeNull();
  });

  test('a damaged file is an empty cache, and is replaced by the next measurement', () => {
    const run = join(scratch, 'damaged');
    cacheExitTimes(run, times());
    writeFileSync(join(run, EXIT_TIMES_FILE), '{"format": 1, "entries": [');
    expect(cachedExitTimes(run, key, [1])).toBeNull();
    writeFileSync(join(run, EXIT_TIMES_FILE), JSON.stringify({ format: 1, entries: [{ ...times(), exits: [{ exit: 1, ms: 'fast' }] }] }));
    expect(cachedExitTimes(run, key, [1])).toBeNull();
    cacheExitTimes(run, times());
    expect(cachedExitTimes(run, key, [1, 2, 3])).not.toBeNull();
  });
});
