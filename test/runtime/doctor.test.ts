// `nasfpn doctor` as users run it: from an esbuild bundle (built here into a private folder, with the
// options of scripts/build.mjs, scripts/bundle-options.mjs), so the wasm binaries must be found from bundled
// code. Its report must tell the truth: tfjs-node is listed as available exactly when it loads in a plain Node process.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { privateBundle } from '../helpers/cli.js';

const bundle = privateBundle('doctor');

beforeAll(async () => {
  await bundle.build();
});
afterAll(() => bundle.remove());

const env = { ...process.env, NASFPN_BACKEND: '' };
const nasfpn = (...args: string[]) => bundle.runWith({ env }, ...args);

/** Whether @tensorflow/tfjs-node loads here, asked of Node itself. */
const tfjsNodeLoads = () =>
  spawnSync(process.execPath, ['-e', "require('@tensorflow/tfjs-node')"], { encoding: 'utf8', env: { ...env, TF_CPP_MIN_LOG_LEVEL: '3' } }).status === 0;

interface Report {
  backends: { name: string; available: boolean; reason: string; bench: { gflops: number } | null }[];
  default: string;
  advice: string[];
}

describe('nasfpn doctor from the bundle', () => {
  test('--json --no-bench: every backend with the truth about it', () => {
    const run = nasfpn('doctor', '--json', '--no-bench');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.backends.map((b) => b.name)).toEqual(['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu']);
    const byName = Object.fromEntries(report.backends.map((b) => [b.name, b]));
    expect(byName.wasm.available).toBe(true);
    expect(byName.cpu.available).toBe(true);
    const nodeLoads = tfjsNodeLoads();
    expect(byName['tfjs-node'].available).toBe(nodeLoads);
    expect(report.default).toBe(nodeLoads ? 'tfjs-node' : report.backends.find((b) => b.available)!.name);
    if (!nodeLoads) {
      expect(byName['tfjs-node'].reason).toMatch(/tfjs-node/);
      expect(report.advice.join('\n')).toMatch(/npm (install|rebuild) @tensorflow\/tfjs-node/);
      expect(report.advice.join('\n')).toContain('npm run build:tfjs-node');
    }
    for (const b of report.backends) expect(b.bench).toBeNull();
  }, 60_000);

  test('the text report benchmarks each available backend and says which one models run on', () => {
    const run = nasfpn('doctor');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    for (const name of ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu']) {
      expect(lines.some((l) => l.trimStart().startsWith(name))).toBe(true);
    }
    expect(lines.find((l) => l.trimStart().startsWith('wasm'))).toMatch(/\d GFLOP\/s/);
    expect(lines.find((l) => l.trimStart().startsWith('cpu'))).toMatch(/\d GFLOP\/s/);
    expect(run.stdout).toMatch(/Models run on (tfjs-node|wasm|webgpu|tfjs-node-gpu), the fastest available/);
    // tfjs's own "install tfjs-node" banner stays out: doctor says it better.
    expect(run.stderr).not.toContain('Hi, looks like you are running TensorFlow.js');
  }, 60_000);
});
