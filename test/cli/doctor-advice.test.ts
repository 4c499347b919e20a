// What `nasfpn doctor` tells a user to run, for each way tfjs-node can be missing (the probes are made up here;
// test/runtime/doctor.test.ts runs doctor on this machine's real backends).
import { describe, expect, it } from 'vitest';
import { adviceFor } from '../../src/cli/doctor.js';
import type { BackendProbe } from '../../src/runtime/backend.js';

const wasmOnly = (tfjsNode: Partial<BackendProbe>): BackendProbe[] => [
  { name: 'tfjs-node-gpu', available: false, reason: 'tfjs-node-gpu is not installed' },
  { name: 'tfjs-node', available: false, reason: 'tfjs-node is not installed', ...tfjsNode },
  { name: 'webgpu', available: false, reason: 'no GPU adapter' },
  { name: 'wasm', available: true, reason: 'WebAssembly with SIMD, one thread' },
  { name: 'cpu', available: true, reason: 'pure JavaScript, for tiny inputs only' },
];

describe('doctor advice', () => {
  it('tfjs-node not installed: npm install, else the project\'s build script (no path outside the project)', () => {
    const advice = adviceFor(wasmOnly({})).join('\n');
    expect(advice).toContain('`npm install @tensorflow/tfjs-node`');
    expect(advice).toContain('`npm run build:tfjs-node`');
    expect(advice).toContain('NASFPN_LIBTENSORFLOW=DIR');
    expect(advice).not.toMatch(/\.\.\/|shared/);
  });

  it('tfjs-node installed without its install step: the command that runs that step', () => {
    const probes = wasmOnly({ reason: 'tfjs-node is installed without its native addon', fix: 'npm rebuild @tensorflow/tfjs-node' });
    const advice = adviceFor(probes).join('\n');
    expect(advice).toContain('its install step did not run: `npm rebuild @tensorflow/tfjs-node` runs it');
    expect(advice).not.toContain('`npm install @tensorflow/tfjs-node`');
    expect(advice).toContain('`npm run build:tfjs-node`');
  });

  it('tfjs-node available: nothing about it', () => {
    const probes = wasmOnly({ available: true, reason: 'TensorFlow C library through @tensorflow/tfjs-node' });
    expect(adviceFor(probes).join('\n')).not.toContain('tfjs-node (');
  });
});
