import { describe, expect, it } from 'vitest';
import { Random } from '../../src/util/random.js';

describe('Random', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = Random.seeded(42), b = Random.seeded(42), c = Random.seeded(43);
    const xs = Array.from({ length: 8 }, () => a.uint32());
    expect(Array.from({ length: 8 }, () => b.uint32())).toEqual(xs);
    expect(Array.from({ length: 8 }, () => c.uint32())).not.toEqual(xs);
  });

  it('continues exactly from a stored state', () => {
    const a = Random.seeded(7);
    for (let i = 0; i < 100; i++) a.float();
    const resumed = Random.load(JSON.parse(JSON.stringify(a.state())));
    expect(Array.from({ length: 20 }, () => resumed.float())).toEqual(Array.from({ length: 20 }, () => a.float()));
  });

  it('forks reproducible, label-dependent streams without advancing the parent', () => {
    const a = Random.seeded(1);
    const before = a.state();
    const f1 = a.fork('epoch-1').uint32(), f1again = a.fork('epoch-1').uint32(), f2 = a.fork('epoch-2').uint32();
    expect(a.state()).toEqual(before);
    expect(f1again).toBe(f1);
    expect(f2).not.toBe(f1);
  });

  it('draws integers uniformly in range and permutations that are permutations', () => {
    const r = Random.seeded(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.int(6)]++;
    for (const n of counts) expect(Math.abs(n - 10_000)).toBeLessThan(400);
    const p = Array.from(r.permutation(50)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const f = r.float();
    expect(f).toBeGreaterThanOrEqual(0);
    expect(f).toBeLessThan(1);
  });

  it('rejects bad states and ranges', () => {
    expect(() => Random.load([1, 2, 3] as never)).toThrow(RangeError);
    expect(() => Random.seeded(NaN)).toThrow(RangeError);
    expect(() => Random.seeded(1).int(0)).toThrow(RangeError);
  });
});
