// Deterministic test data from the project's seeded PRNG (src/util/random.ts), so every backend and every run
// sees the same numbers.
import { Random } from '../../src/util/random.js';

/** `count` pseudo-random values, uniform in [-1, 1), from seed `seed`. */
export function randomValues(count: number, seed: number): Float32Array {
  const random = Random.seeded(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = random.uniform(-1, 1);
  return out;
}
