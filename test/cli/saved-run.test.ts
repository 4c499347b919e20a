// The batch-norm warning of the commands that train or run a model (train, eval RUN, predict RUN): written by
// one function, once, on stderr, only when the run is too short for the detector's momentum.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { warnStaleStatistics } from '../../src/cli/saved-run.js';
import { detector } from '../helpers/ir.js';

afterEach(() => vi.restoreAllMocks());

function stderrOf(run: () => Promise<void>): Promise<string> {
  const written: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  return run().then(() => written.join(''));
}

describe('warnStaleStatistics', () => {
  const at = (momentum: number) => ({ ...detector(), batchNorm: { ...detector().batchNorm, momentum } });

  it('momentum 0.997 after 300 steps: one line, 41% of the initial statistics left (0.997^300 = 0.406)', async () => {
    const text = await stderrOf(() => warnStaleStatistics(at(0.997), 300));
    expect(text.split('\n')).toHaveLength(2);
    expect(text).toMatch(/^warning: batch norm momentum 0.997: after 300 training steps the moving statistics still hold 41% /);
  });

  it('momentum 0.9 after 300 steps, or 0.997 after 1000: nothing', async () => {
    expect(await stderrOf(() => warnStaleStatistics(at(0.9), 300))).toBe('');
    expect(await stderrOf(() => warnStaleStatistics(at(0.997), 1000))).toBe('');
  });
});
