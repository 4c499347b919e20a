// TensorFlow.js seeds every random op called without a seed from Math.random (tfjs-core ops/rand_util.ts:
// `seed ? seed : Math.random()`): the layers' weight initialisers and DropBlock's mask draw. Running such code
// with Math.random replaced by a seeded generator makes it reproducible: the same recipe seed builds the same
// initial weights, and the same step draws the same DropBlock masks after a resume.
import { Random } from '../util/random.js';

/** Runs `fn` with Math.random drawing from a generator seeded with `seed`; restores Math.random after. */
export function withSeededMathRandom<T>(seed: number, fn: () => T): T {
  const random = Random.seeded(seed);
  const original = Math.random;
  Math.random = () => random.float();
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
