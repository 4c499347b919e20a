// Backend choice: names, the fastest-available rule, the one printed line, and requests that cannot be met.
// Passes with and without tfjs-node (and with or without a GPU): expectations follow availableBackends(),
// which doctor.test.ts checks against what actually loads.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { BackendUnavailableError, UnknownBackendError } from '../../src/runtime/errors.js';
import {
  availableBackends, BACKENDS, currentBackend, initBackend, parseBackendName, TFJS_NAME, type BackendProbe,
} from '../../src/runtime/backend.js';

let probes: BackendProbe[] = [];
beforeAll(async () => {
  probes = await availableBackends();
});

describe('backend names', () => {
  test('the five backends, fastest first, and their aliases', () => {
    expect(BACKENDS).toEqual(['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu']);
    expect(parseBackendName(undefined)).toBe('auto');
    expect(parseBackendName('auto')).toBe('auto');
    expect(parseBackendName('WASM')).toBe('wasm');
    expect(parseBackendName('tensorflow')).toBe('tfjs-node');
    expect(() => parseBackendName('webgl')).toThrow(UnknownBackendError);
  });
});

describe('availableBackends', () => {
  test('lists every backend once, in order, each with a reason', () => {
    expect(probes.map((p) => p.name)).toEqual([...BACKENDS]);
    for (const p of probes) expect(p.reason.length).toBeGreaterThan(0);
  });

  test('wasm and cpu are always available', () => {
    expect(probes.find((p) => p.name === 'wasm')?.available).toBe(true);
    expect(probes.find((p) => p.name === 'cpu')?.available).toBe(true);
  });
});

describe('initBackend', () => {
  test('with nothing requested: the fastest available, the faster ones listed with their reasons, one line printed once', async () => {
    const lines: string[] = [];
    const choice = await initBackend(undefined, { log: (l) => lines.push(l) });
    const fastest = probes.find((p) => p.available)!;
    expect(choice.name).toBe(fastest.name);
    expect(tf.getBackend()).toBe(TFJS_NAME[fastest.name]);
    const faster = probes.slice(0, probes.indexOf(fastest));
    expect(choice.skipped.map((s) => s.name)).toEqual(faster.map((p) => p.name));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`backend: ${fastest.name}`);
    for (const p of faster) expect(lines[0]).toContain(p.reason);
    if (faster.length > 0) expect(lines[0]).toContain('see `nasfpn doctor`');

    await initBackend(undefined, { log: (l) => lines.push(l) });
    expect(lines).toHaveLength(1);
  });

  test('--backend picks that one (and the line is not printed again in this process)', async () => {
    const lines: string[] = [];
    const choice = await initBackend('cpu', { log: (l) => lines.push(l) });
    expect(choice).toMatchObject({ name: 'cpu', tfName: 'cpu', skipped: [] });
    expect(choice.why).toContain('--backend cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(currentBackend()?.name).toBe('cpu');
    await initBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(lines).toHaveLength(0);
  });

  test('NASFPN_BACKEND is the default request', async () => {
    process.env.NASFPN_BACKEND = 'cpu';
    try {
      const choice = await initBackend();
      expect(choice.name).toBe('cpu');
      expect(choice.why).toContain('NASFPN_BACKEND=cpu');
      expect((await initBackend('wasm')).name).toBe('wasm');
    } finally {
      delete process.env.NASFPN_BACKEND;
    }
  });

  test('an unknown name is a usage error; an unavailable backend an input error that says why', async () => {
    await expect(initBackend('opengl')).rejects.toThrow(UnknownBackendError);
    const missing = probes.find((p) => !p.available);
    if (missing) {
      const error = await initBackend(missing.name).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect((error as Error).message).toContain(missing.reason);
    }
  });
});
