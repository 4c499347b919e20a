// The training commands as users run them (the esbuild bundle): usage errors exit 2, bad input exits 1 with a
// message and no stack trace, and the pure-JS cpu backend is refused for training with a pointer to doctor.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tinyRecipeText } from './standins.js';

const bundleDir = join('node_modules', '.cache', `nasfpn-test-train-cli-${process.pid}`);
const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-train-cli-'));

beforeAll(async () => {
  await build({
    entryPoints: { main: 'src/cli/main.ts' }, outdir: bundleDir, bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20',
    external: JSON.parse(readFileSync('scripts/bundle-externals.json', 'utf8')) as string[],
    define: { 'process.env.NASFPN_BUNDLE': '"1"' }, logLevel: 'warning',
    banner: { js: "import { createRequire as __nasfpnCreateRequire } from 'node:module'; const require = __nasfpnCreateRequire(import.meta.url);" },
  });
  writeFileSync(join(scratch, 'tiny.fpn'), tinyRecipeText('  steps 2'));
});
afterAll(() => {
  rmSync(bundleDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

const nasfpn = (...args: string[]) => spawnSync(process.execPath, [join(bundleDir, 'main.js'), ...args], { encoding: 'utf8' });

describe('nasfpn train, predict, eval RUN, plot: errors', () => {
  test.each([
    [['train'], 'give a .fpn file'],
    [['train', 'examples/proxy.fpn', '--resume', 'runs/x'], 'either FILE or --resume'],
    [['train', 'examples/proxy.fpn#proxy'], '-o RUN'],
    [['train', 'examples/proxy.fpn#proxy', '-o', 'x', '--steps', '0'], '--steps must be'],
    [['train', '--resume', 'runs/x', '--batch', '4'], 'keeps its batch'],
    [['eval', 'runs/x', '--gt', 'a.json'], 'not both'],
  ])('%j is a usage error', (args, message) => {
    const run = nasfpn(...args);
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toContain(message);
  });

  test('bad input exits 1 with a message', () => {
    const noRecipe = nasfpn('train', 'examples/nasfpn.fpn', '-o', join(scratch, 'r1'));
    expect(noRecipe.status).toBe(1);
    expect(noRecipe.stderr).toContain('declares no train recipe');
    const unknown = nasfpn('train', 'examples/proxy.fpn#nope', '-o', join(scratch, 'r2'));
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("no train recipe named 'nope' (it has: proxy, proxy_x3, proxy_anytime)");
    const noRun = nasfpn('eval', join(scratch, 'missing'));
    expect(noRun.status).toBe(1);
    expect(noRun.stderr).toContain('is not a training run');
    const noMetrics = nasfpn('plot', scratch);
    expect(noMetrics.status).toBe(1);
    expect(noMetrics.stderr).toContain('has no metrics.jsonl');
    for (const r of [noRecipe, unknown, noRun, noMetrics]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('the pure-JS cpu backend is refused for training, pointing at doctor', () => {
    const run = nasfpn('train', join(scratch, 'tiny.fpn'), '-o', join(scratch, 'r3'), '--backend', 'cpu');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('nasfpn doctor');
    expect(run.stderr).toContain('--allow-cpu');
  });

  test('a run folder with files in it is not overwritten without --force', () => {
    const dir = join(scratch, 'busy');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'metrics.jsonl'), '');
    const run = nasfpn('train', join(scratch, 'tiny.fpn'), '-o', dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('--resume');
  });
});
