// Shared by the runtime tests: which backends this process can test, and error measures (deterministic data
// comes from test/helpers/random.ts).
import { availableBackends, BACKENDS, type BackendName } from '../../src/runtime/backend.js';

/** The backends NASFPN_TEST_BACKENDS (comma-separated) names, or null when it is unset. */
export function requestedTestBackends(): string[] | null {
  return process.env.NASFPN_TEST_BACKENDS?.split(',').map((s) => s.trim()).filter(Boolean) ?? null;
}

/**
 * The backends to test against the cpu reference in this process: every available one except cpu itself.
 * wasm always; tfjs-node after `npm run build:tfjs-node`; WebGPU where a GPU adapter exists.
 * NASFPN_TEST_BACKENDS narrows the list, e.g. to re-run only tfjs-node in CI. A backend it names that cannot
 * run here is an error: otherwise every parity and learning test would pass having tested nothing.
 */
export async function backendsUnderTest(): Promise<BackendName[]> {
  const probes = await availableBackends();
  const available = probes.filter((b) => b.available && b.name !== 'cpu').map((b) => b.name);
  const only = requestedTestBackends();
  if (!only) return available;
  for (const name of only) {
    const probe = probes.find((p) => p.name === name);
    if (!probe) throw new Error(`NASFPN_TEST_BACKENDS: unknown backend '${name}' (choose from ${BACKENDS.join(', ')})`);
    if (!probe.available) throw new Error(`NASFPN_TEST_BACKENDS names ${name}, which cannot run here: ${probe.reason}`);
  }
  return available.filter((name) => only.includes(name));
}

/** max |a − b| / max |b| over all arrays: the error relative to the reference's scale. */
export function relativeError(actual: Float32Array[], reference: Float32Array[]): number {
  let diff = 0;
  let scale = 0;
  actual.forEach((a, k) => {
    const b = reference[k];
    if (a.length !== b.length) throw new Error(`length ${a.length} vs reference ${b.length}`);
    for (let i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
    }
  });
  return scale === 0 ? diff : diff / scale;
}

export const fmt = (x: number): string => (x === 0 ? '0' : x.toExponential(1));
