import { describe, expect, it } from 'vitest';
import { sleep } from '../../src/util/sleep.js';

describe('sleep', () => {
  it('returns at once when its signal is already aborted, and when it aborts later', async () => {
    const aborted = AbortSignal.abort();
    let started = performance.now();
    await sleep(10_000, aborted);
    expect(performance.now() - started).toBeLessThan(1_000);
    const controller = new AbortController();
    started = performance.now();
    setTimeout(() => controller.abort(), 20);
    await sleep(10_000, controller.signal);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
