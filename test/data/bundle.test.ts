// `nasfpn data` as users run it: from the esbuild bundle (same externals as scripts/build.mjs), so the lazy
// imports of the data room and sharp work from bundled code, and failures exit with a message, not a trace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bundleDir = join('node_modules', '.cache', `nasfpn-test-data-${process.pid}`);
let outDir: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'nasfpn-data-bundle-'));
  await build({
    entryPoints: { main: 'src/cli/main.ts' }, outdir: bundleDir, bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20',
    external: JSON.parse(readFileSync('scripts/bundle-externals.json', 'utf8')) as string[],
    define: { 'process.env.NASFPN_BUNDLE': '"1"' }, logLevel: 'warning',
    banner: { js: "import { createRequire as __nasfpnCreateRequire } from 'node:module'; const require = __nasfpnCreateRequire(import.meta.url);" },
  });
});
afterAll(() => {
  rmSync(bundleDir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
});

const nasfpn = (...args: string[]) => spawnSync(process.execPath, [join(bundleDir, 'main.js'), ...args], { encoding: 'utf8' });

describe('nasfpn data from the bundle', () => {
  it('synth, then check, stats and show on the result', () => {
    const dir = join(outDir, 'shapes');
    const synth = nasfpn('data', 'synth', '-o', dir, '--images', '6', '--size', '40', '--classes', '2');
    expect(synth.stderr).toBe('');
    expect(synth.status).toBe(0);
    expect(nasfpn('data', 'check', dir).status).toBe(0);
    const stats = nasfpn('data', 'stats', dir, '--split', 'train', '--json');
    expect(JSON.parse(stats.stdout)[0].images).toBe(5);
    const show = nasfpn('data', 'show', dir, '-o', join(outDir, 'first.png'));
    expect(show.status, show.stderr).toBe(0);
    expect(readFileSync(join(outDir, 'first.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('a broken dataset exits 1 with its problems; bad usage exits 2; no stack traces', () => {
    const bad = nasfpn('data', 'check', 'test/fixtures/data/truncated-jpeg');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('truncated JPEG');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const usage = nasfpn('data', 'synth', '-o', join(outDir, 'x'), '--size', 'big');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('--size must be an integer');
  });
});
