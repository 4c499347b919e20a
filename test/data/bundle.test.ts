// `nasfpn data` as users run it: from the dist/ bundle, so the lazy imports of the data room and sharp work
// from bundled code, and failures exit with a message, not a trace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundle, nasfpn } from '../helpers/cli.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let outDir: string;

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), 'nasfpn-data-bundle-'));
  ensureBundle();
}, 120_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('nasfpn data from the bundle', () => {
  it('synth, then check, stats and show on the result', () => {
    const dir = join(outDir, 'shapes');
    const synth = nasfpn('data', 'synth', '-o', dir, '--images', '6', '--size', '40', '--classes', '2');
    expect(synth.stderr).toBe('');
    expect(synth.code).toBe(0);
    expect(nasfpn('data', 'check', dir).code).toBe(0);
    const stats = nasfpn('data', 'stats', dir, '--split', 'train', '--json');
    expect(JSON.parse(stats.stdout)[0].images).toBe(5);
    const show = nasfpn('data', 'show', dir, '-o', join(outDir, 'first.png'));
    expect(show.code, show.stderr).toBe(0);
    expect(readFileSync(join(outDir, 'first.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('a broken dataset exits 1 with its problems; bad usage exits 2; no stack traces', () => {
    const bad = nasfpn('data', 'check', 'test/fixtures/data/truncated-jpeg');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('truncated JPEG');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const usage = nasfpn('data', 'synth', '-o', join(outDir, 'x'), '--size', 'big');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--size must be an integer');
  });
});
